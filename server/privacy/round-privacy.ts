/**
 * The privacy arithmetic of one aggregation round, on the integer grid. Pure functions; the DP
 * strategy (../strategies/dp.ts) and the validator (../http/validate-contribution.ts) use them.
 *
 * Threat model and what is assumed (said here once, referred to elsewhere):
 * - Neighbouring datasets differ in ONE USER's presence. A user contributes at most once per round
 *   (the device's ledger enforces it; the server cannot, having no identifiers) and may take part
 *   in every round, so a task's user-level guarantee is the composition over all its rounds.
 * - The round's release is the model update computed from Σ contributions + central noise. Every
 *   honest device added its own discrete Gaussian N_Z(0, σ_l²) per coordinate. A round is charged
 *   the smaller of two bounds that each hold alone (roundRho): the central noise's, or the noise of
 *   the OTHER n − 1 devices (the user whose presence is in question gets no credit for their own
 *   noise, and the other devices are assumed to run the SDK's sampler honestly).
 * - Against the aggregator itself (which sees each contribution; secure aggregation is future
 *   work) a device is protected only by its local noise: ρ_local = Δ²/2σ_l² per contribution,
 *   which the device's own ledger charges.
 */

import { distributedGaussianRho } from '../../core/dp/accountant/distributed-gaussian.js';
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';

/**
 * The x of Laurent–Massart used for the norm allowance: a contribution whose noise is honest is
 * falsely rejected with probability ≤ e^{−x} = 1e−9.
 */
export const NORM_FALSE_REJECT_LOG = Math.log(1e9);

const sensitivities = new Map<string, number>();

/**
 * L2 sensitivity Δ (grid units) of one device's quantised update, exactly as the device's
 * mechanism bounds it (core/dp/mechanisms/vector-sum.ts: conditional randomised rounding keeps
 * ‖q‖₂² ≤ M = ⌊min(c² + n/4 + √(2 ln 1/β)(c + √n/2), (c + √n)²)⌋ by check, c = C/g; Δ = √M).
 * Taken from the DP core so the server's bound can never drift from what devices guarantee.
 */
export function gridSensitivity(clipNorm: number, granularity: number, vectorLength: number): number {
  const key = `${clipNorm}/${granularity}/${vectorLength}`;
  let sensitivity = sensitivities.get(key);
  if (sensitivity === undefined) {
    sensitivity = createVectorSumMechanism({ dimension: vectorLength, clipNorm, granularity, noiseStddev: 0 }).sensitivity;
    sensitivities.set(key, sensitivity);
  }
  return sensitivity;
}

/**
 * The largest L2 norm (grid units) an honest contribution reaches except with probability 1e−9:
 * Δ + σ_l·√(n + 2√(n·x) + 2x), x = ln 1e9. Why: the noise z has i.i.d. discrete Gaussian
 * coordinates, each σ_l-subgaussian (CKS20 Cor. 9), so E[e^{λz_i²}] ≤ (1 − 2λσ_l²)^{−1/2} and the
 * chi-square tail bound of Laurent & Massart (2000, Lemma 1) applies to ‖z‖²/σ_l²:
 * P(‖z‖² ≥ σ_l²(n + 2√(nx) + 2x)) ≤ e^{−x}. The triangle inequality adds the signal's ≤ Δ.
 */
export function normAllowance(clipNorm: number, granularity: number, localStddev: number, vectorLength: number): number {
  const n = vectorLength;
  const x = NORM_FALSE_REJECT_LOG;
  return gridSensitivity(clipNorm, granularity, n) + localStddev * Math.sqrt(n + 2 * Math.sqrt(n * x) + 2 * x);
}

export interface RoundNoise {
  /** L2 sensitivity Δ on the grid (gridSensitivity). */
  readonly sensitivity: number;
  /** Each device's σ_l, grid units (0 when devices add none). */
  readonly localStddev: number;
  /** The server's σ_c, grid units (0 without the DP wrapper). */
  readonly centralStddev: number;
  /** Contributions summed in the round. */
  readonly contributions: number;
  /** Vector length d (enters the distributed-discrete-Gaussian slack). */
  readonly vectorLength: number;
}

/**
 * Standard deviation per coordinate of the total noise in a round's sum, grid units:
 * √(n·σ_l² + σ_c²). This is the error bar of a released aggregate (all n devices' noise is in it).
 */
export function totalNoiseStddev(noise: RoundNoise): number {
  return Math.sqrt(noise.contributions * noise.localStddev ** 2 + noise.centralStddev ** 2);
}

/** A round's grid settings, as the strategies hold them (strategy.ts RoundConfig). */
export interface GridNoise {
  readonly clipNorm: number;
  readonly granularity: number;
  readonly vectorLength: number;
  readonly localNoiseStddev: number;
  readonly centralNoiseStddev: number;
}

/** totalNoiseStddev of a round's sum in float units (grid units × granularity): a release's error bar. */
export function releasedNoiseStddev(config: GridNoise, contributions: number): number {
  return totalNoiseStddev({
    sensitivity: gridSensitivity(config.clipNorm, config.granularity, config.vectorLength),
    localStddev: config.localNoiseStddev,
    centralStddev: config.centralNoiseStddev,
    contributions,
    vectorLength: config.vectorLength,
  }) * config.granularity;
}

/**
 * zCDP ρ of one round's release with respect to one user's presence: the smaller of two bounds
 * that each hold on their own (we do not claim more than either proves).
 * 1. Central noise: adding N_Z(0, σ_c²) to an integer vector of L2 sensitivity Δ is
 *    Δ²/2σ_c²-zCDP (CKS20 Thm. 14). Assumes nothing about devices.
 * 2. The OTHER n − 1 devices' local noise: their sum of i.i.d. N_Z(0, σ_l²) makes the sum
 *    (Kairouz, Liu & Steinke 2021, "The Distributed Discrete Gaussian Mechanism", Prop. 14) have
 *    Rényi divergence of order α at most α·Δ²/(2(n−1)σ_l²) + τ·d, τ = 10·Σ_{k=1}^{n−2} e^{−2π²σ_l²·k/(k+1)};
 *    as α ≥ 1 that is ≤ α·(Δ²/(2(n−1)σ_l²) + τ·d), i.e. ρ = Δ²/(2(n−1)σ_l²) + τ·d. The central
 *    noise added on top is post-processing. Assumes the other devices ran the SDK's sampler
 *    honestly (a device that sends no noise only weakens bound 2; bound 1 still holds).
 * The user's own noise is never credited. The error bar of a release (totalNoiseStddev) uses all
 * the noise, √(n·σ_l² + σ_c²); the accounting does not add the two sources together because the
 * sum of discrete Gaussians of different σ is not covered by either theorem.
 * Returns Infinity when neither bound applies (no noise at all).
 */
export function roundRho(noise: RoundNoise): number {
  const { sensitivity: delta, localStddev, centralStddev, contributions, vectorLength } = noise;
  const central = centralStddev > 0 ? delta ** 2 / (2 * centralStddev ** 2) : Infinity;
  const distributed = localStddev > 0 ? distributedGaussianRho({ sensitivity: delta, sigma: localStddev, contributions, dimension: vectorLength }) : Infinity;
  return Math.min(central, distributed);
}
