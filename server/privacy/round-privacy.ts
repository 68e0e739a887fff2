/**
 * The privacy arithmetic of one aggregation round, on the integer grid. Pure functions; the DP
 * strategy (../strategies/dp.ts) and the validator (../http/validate-contribution.ts) use them.
 *
 * Threat model and what is assumed (said here once, referred to elsewhere):
 * - Neighbouring datasets differ in ONE USER's presence. A user contributes at most once per round
 *   (the device's ledger enforces it; the server cannot, having no identifiers) and may take part
 *   in every round, so a task's user-level guarantee is the composition over all its rounds.
 * - The round's release is the model update computed from Σ contributions + central noise. Every
 *   honest device added its own discrete Gaussian N_Z(0, σ_l²) per coordinate. We count the noise of
 *   the OTHER n − 1 devices plus the central noise: the user whose presence is in question gets no
 *   credit for their own noise (they may be absent), and devices are assumed to run the SDK's
 *   sampler honestly. If they do not, the central noise alone still gives ρ = Δ²/2σ_c² (we take the
 *   better of the two bounds only where both are valid: see roundRho).
 * - Against the aggregator itself (which sees each contribution; secure aggregation is future
 *   work) a device is protected only by its local noise: ρ_local = Δ²/2σ_l² per contribution,
 *   which the device's own ledger charges.
 */

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

/**
 * zCDP ρ of one round's release with respect to one user's presence.
 *
 * Two valid bounds; we report the smaller:
 * 1. Central only: adding N_Z(0, σ_c²) to an integer vector of L2 sensitivity Δ is
 *    Δ²/2σ_c²-zCDP (CKS20 Thm. 14). Needs nothing from devices.
 * 2. Central + the other devices' local noise: the sum of independent discrete Gaussians is not
 *    exactly a discrete Gaussian; Kairouz, Liu & Steinke 2021 (The Distributed Discrete Gaussian
 *    Mechanism, Thm. 1 and its proof) bound the gap by ρ = Δ²/2σ² + τ·d/2 with σ² the total
 *    variance and τ = 10·Σ_{k=1}^{m−1} e^{−2π²σ_min²·k/(k+1)} for m summed components. We take
 *    m = (n − 1) + 1 components, σ_min the smallest of σ_l and σ_c (τ only grows as σ shrinks)
 *    and bound each term by e^{−π²σ_min²}: conservative. With σ_min ≥ 3 the slack is < 1e−30·m·d.
 * Returns Infinity when there is no noise at all.
 */
export function roundRho(noise: RoundNoise): number {
  const { sensitivity: delta, localStddev, centralStddev, contributions, vectorLength } = noise;
  const centralOnly = centralStddev > 0 ? delta ** 2 / (2 * centralStddev ** 2) : Infinity;
  const others = Math.max(0, contributions - 1);
  const variance = others * localStddev ** 2 + centralStddev ** 2;
  if (variance === 0) return centralOnly;
  const components = (localStddev > 0 ? others : 0) + (centralStddev > 0 ? 1 : 0);
  const positive = [localStddev > 0 && others > 0 ? localStddev : Infinity, centralStddev > 0 ? centralStddev : Infinity];
  const sigmaMin = Math.min(...positive);
  // k/(k+1) ≥ 1/2 for k ≥ 1, so every term is ≤ e^{−π²σ_min²}: an O(1) upper bound on τ.
  const tau = components > 1 ? 10 * (components - 1) * Math.exp(-(Math.PI ** 2) * sigmaMin ** 2) : 0;
  const distributed = delta ** 2 / (2 * variance) + (tau * vectorLength) / 2;
  return Math.min(centralOnly, distributed);
}
