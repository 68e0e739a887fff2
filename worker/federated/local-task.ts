/**
 * The extension point of the federated client: one handler per task name turns the downloaded
 * global model into this device's dense local update. The client does everything else (download,
 * privatize, charge, upload), identically for every task.
 */
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';

export type LocalOutcome =
  /**
   * `update` has exactly task.vectorLength floats (the dense delta of the whole parameter vector).
   * `commit` persists device-only state (e.g. the user embedding) once the round is settled.
   */
  | { readonly kind: 'update'; readonly update: Float32Array; readonly commit: () => Promise<void> }
  /** Nothing to learn from (no interactions yet): the device sits this round out and pays nothing. */
  | { readonly kind: 'no-data' };

export interface LocalTaskHandler {
  train(task: TaskDescriptor, model: ModelBlob): Promise<LocalOutcome>;
}

/** Task name → handler. */
export type LocalTaskRegistry = ReadonlyMap<string, LocalTaskHandler>;
