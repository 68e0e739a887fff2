/**
 * A dense local update → the integer vector a device may release, with its privacy cost. All the
 * DP work (clip to the L2 bound, unbiased conditional rounding onto the grid, discrete Gaussian
 * noise in grid units, exact and driven by crypto.getRandomValues) is the DP core's vector sum
 * mechanism; this file only configures it from the task and names the cost in the units the
 * ledger and the receipt use.
 */
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';
import { zcdpRhoOfEvent, zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import type { PrivacyEvent } from '../../core/dp/events.js';
import type { RandomSource } from '../../core/dp/random.js';
import type { TaskDescriptor } from '../../core/protocol/aggregator.js';

export interface PrivatizedUpdate {
  /** Clipped, quantised, noised; exactly task.vectorLength values. */
  readonly values: Int32Array;
  /** The mechanism's own account of the cost (zcdp ρ). */
  readonly event: PrivacyEvent;
  /** ρ of this one release (zCDP). Infinity when the task asks for no local noise. */
  readonly rho: number;
  /** (ε, δ) of this one release alone, δ = task.privacy.delta (CKS20 Prop. 12). */
  readonly epsilon: number;
  readonly delta: number;
}

/**
 * @example const { values, rho } = privatizeUpdate(update, task); // values: Int32Array on the task's grid
 */
export function privatizeUpdate(update: Float32Array, task: TaskDescriptor, random?: RandomSource): PrivatizedUpdate {
  if (update.length !== task.vectorLength) {
    throw new RangeError(`update must have the task's vectorLength ${task.vectorLength}; got ${update.length}`);
  }
  const { output, event } = mechanismFor(task, random).release(update);
  const rho = zcdpRhoOfEvent(event);
  const delta = task.privacy.delta;
  return { values: output, event, rho, epsilon: zcdpToEpsilon(rho, delta).epsilon, delta };
}

/**
 * ρ of one contribution to `task`, known before any training (it depends only on the task's clip
 * bound, grid and noise): lets a device out of budget skip the work entirely.
 */
export function privacyCostOf(task: TaskDescriptor): number {
  return zcdpRhoOfEvent(mechanismFor(task).event);
}

function mechanismFor(task: TaskDescriptor, random?: RandomSource) {
  return createVectorSumMechanism(
    { dimension: task.vectorLength, clipNorm: task.clipNorm, granularity: task.granularity, noiseStddev: task.localNoiseStddev },
    random,
  );
}
