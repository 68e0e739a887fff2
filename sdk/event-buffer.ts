/**
 * The queue between `track()` and the Worker. `push` is the whole of `track()`'s hot path: one
 * array push and, for the first event of a batch, one scheduling call. Everything else
 * (ids, making properties clone-safe, postMessage) happens in the drain, once per batch.
 */
import type { BatchScheduling } from './api.js';

export interface QueuedEvent {
  readonly name: string;
  readonly properties: unknown;
  readonly timestamp: number;
  readonly path: string | undefined;
}

export type Scheduler = (run: () => void) => void;

/** Idle callbacks wait at most this long, so events reach the engine even on a busy page. */
const IDLE_TIMEOUT_MS = 1000;

export function scheduler(kind: BatchScheduling): Scheduler {
  switch (kind) {
    case 'microtask':
      return (run) => queueMicrotask(run);
    case 'idle':
      return typeof requestIdleCallback === 'function'
        ? (run) => requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS })
        : (run) => setTimeout(run, 1);
    default: {
      const unreachable: never = kind;
      throw new RangeError(`batch: ${String(unreachable)}`);
    }
  }
}

/** Held while the SDK has no site yet (script tag without data-site, waiting for `init()`). */
export const MAX_HELD_EVENTS = 1000;

export class EventBuffer {
  #events: QueuedEvent[] = [];
  #scheduled = false;
  #paused = true;
  #schedule: Scheduler;
  readonly #drain: (events: QueuedEvent[]) => void;

  constructor(schedule: Scheduler, drain: (events: QueuedEvent[]) => void) {
    this.#schedule = schedule;
    this.#drain = drain;
  }

  push(event: QueuedEvent): void {
    this.#events.push(event);
    if (!this.#scheduled && !this.#paused) {
      this.#scheduled = true;
      this.#schedule(this.#runScheduled);
    }
  }

  get size(): number {
    return this.#events.length;
  }

  /** Drops the oldest events beyond `max`; returns how many were dropped. */
  trimTo(max: number): number {
    const over = this.#events.length - max;
    if (over <= 0) return 0;
    this.#events.splice(0, over);
    return over;
  }

  /** Events are held (not drained) until `resume()`: before the engine exists. */
  pause(): void {
    this.#paused = true;
  }

  resume(schedule?: Scheduler): void {
    if (schedule) this.#schedule = schedule;
    this.#paused = false;
    if (this.#events.length > 0) this.drainNow();
  }

  drainNow(): void {
    if (this.#paused || this.#events.length === 0) return;
    const events = this.#events;
    this.#events = [];
    this.#drain(events);
  }

  clear(): void {
    this.#events = [];
  }

  readonly #runScheduled = (): void => {
    this.#scheduled = false;
    this.drainNow();
  };
}
