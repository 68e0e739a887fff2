/**
 * A dense local update → the integer vector a device may release, with its privacy cost. All the
 * DP work (clip to the L2 bound, unbiased conditional rounding onto the grid, discrete Gaussian
 * noise in grid units, exact and driven by crypto.getRandomValues) is the DP core's vector sum
 * mechanism; this file only configures it from the task and names the cost in the units the
 * ledger and the receipt use.
 *
 * Two costs, because there are two adversaries:
 * - a plain task (INK1): the aggregator sees this vector, so the device is protected by its own
 *   noise alone: ρ = Δ²/2σ² (what it charges);
 * - a secret-shared task (INK2, `task.secureAggregation`): each aggregator sees a uniformly random
 *   share and the models see only the round's SUM, whose noise is the other devices' shares too:
 *   ρ = the distributed discrete Gaussian's bound at the round's minimum size (what it charges,
 *   assuming the two aggregators do not collude and the other devices ran this sampler). If both
 *   aggregators collude they can rebuild this vector, and only the device's own noise is left:
 *   `collusionRho` = Δ²/2σ², recorded on the receipt and shown on "Your data".
 */
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';
import { distributedGaussianRho } from '../../core/dp/accountant/distributed-gaussian.js';
import { zcdpRhoOfEvent, zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import type { PrivacyEvent } from '../../core/dp/events.js';
import type { RandomSource } from '../../core/dp/random.js';
import type { TaskDescriptor } from '../../core/protocol/aggregator.js';

export interface PrivatizedUpdate {
  /** Clipped, quantised, noised; exactly task.vectorLength values. */
  readonly values: Int32Array;
  /** What the ledger charges: the cost against anyone who sees one aggregator or the models. */
  readonly event: PrivacyEvent;
  /** ρ of `event` (zCDP). Infinity when the task asks for no noise. */
  readonly rho: number;
  /** (ε, δ) of this one release alone, δ = task.privacy.delta (CKS20 Prop. 12). */
  readonly epsilon: number;
  readonly delta: number;
  /** ρ and ε if both aggregators collude (secure aggregation only; equal to rho/epsilon otherwise). */
  readonly collusionRho: number;
  readonly collusionEpsilon: number;
}

/**
 * @example const { values, rho } = privatizeUpdate(update, task); // values: Int32Array on the task's grid
 */
export function privatizeUpdate(update: Float32Array, task: TaskDescriptor, random?: RandomSource): PrivatizedUpdate {
  if (update.length !== task.vectorLength) {
    throw new RangeError(`update must have the task's vectorLength ${task.vectorLength}; got ${update.length}`);
  }
  const mechanism = mechanismFor(task, random);
  const { output } = mechanism.release(update);
  const costs = costsOf(task, mechanism);
  const delta = task.privacy.delta;
  return {
    values: output,
    event: costs.event,
    rho: costs.rho,
    epsilon: zcdpToEpsilon(costs.rho, delta).epsilon,
    delta,
    collusionRho: costs.collusionRho,
    collusionEpsilon: zcdpToEpsilon(costs.collusionRho, delta).epsilon,
  };
}

/**
 * ρ one contribution to `task` charges, known before any training (it depends only on the task's
 * clip bound, grid, noise and, for secure aggregation, the round minimum): a device out of budget
 * skips the work entirely.
 */
export function privacyCostOf(task: TaskDescriptor): number {
  return costsOf(task, mechanismFor(task)).rho;
}

function costsOf(task: TaskDescriptor, mechanism: ReturnType<typeof mechanismFor>): { event: PrivacyEvent; rho: number; collusionRho: number } {
  const localRho = zcdpRhoOfEvent(mechanism.event);
  if (task.secureAggregation === undefined) return { event: mechanism.event, rho: localRho, collusionRho: localRho };
  const rho = distributedGaussianRho({
    sensitivity: mechanism.sensitivity,
    sigma: task.localNoiseStddev,
    contributions: task.minContributions,
    dimension: task.vectorLength,
  });
  // Both bounds hold at once (the local one assumes nothing), so the smaller is the guarantee.
  const charged = Math.min(rho, localRho);
  return { event: { kind: 'zcdp', rho: charged }, rho: charged, collusionRho: localRho };
}

function mechanismFor(task: TaskDescriptor, random?: RandomSource) {
  return createVectorSumMechanism(
    { dimension: task.vectorLength, clipNorm: task.clipNorm, granularity: task.granularity, noiseStddev: task.localNoiseStddev },
    random,
  );
}
