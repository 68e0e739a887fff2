/**
 * Calibration: the least noise that meets a target (ε, δ), found through the accountant by
 * bisection. Never the textbook σ = √(2 ln(1.25/δ))/ε, which is only a valid bound for ε < 1
 * (Dwork & Roth 2014, Thm. A.1) and wasteful below it; the accountant's bound is valid for
 * every ε and tighter.
 *
 * Every function returns the conservative end of its final bracket: the returned noise provably
 * meets the target (the accountant says so at that exact value), and 1e−6 relatively less does
 * not, up to the accountant's own resolution.
 */
import type { PrivacyEvent } from './events.js';
import { RdpAccountant } from './accountant/rdp-accountant.js';
import { DEFAULT_RDP_ORDERS } from './accountant/orders.js';
import { zcdpToEpsilon } from './accountant/zcdp.js';
import {
  requireIntegerInRange,
  requireOpenUnit,
  requireOrders,
  requirePositiveFinite,
  requireProbability,
} from './accountant/validate.js';

/** Bisection stops when the bracket is this narrow relative to its upper end. */
const RELATIVE_TOLERANCE = 1e-6;
/** Doubling limit when searching for a bracket: 2^60 ≈ 1e18 times the starting point. */
const MAX_DOUBLINGS = 60;

/**
 * The smallest x > 0 (to RELATIVE_TOLERANCE) with meets(x) true, for meets monotone (false
 * below the answer, true above). Returns the upper end of the final bracket, where meets holds.
 */
function smallestMeeting(meets: (x: number) => boolean, start: number, what: string): number {
  let high = start;
  let low = 0;
  let doublings = 0;
  while (!meets(high)) {
    low = high;
    high *= 2;
    doublings += 1;
    if (doublings > MAX_DOUBLINGS) throw new RangeError(`${what}: no value up to ${high} meets the target`);
  }
  if (low === 0) {
    // The start already meets the target: search down for a lower end that does not.
    low = start / 2;
    for (let halvings = 0; meets(low); halvings += 1) {
      high = low;
      low /= 2;
      if (halvings > MAX_DOUBLINGS) return high; // anything works: the target is met by (almost) no noise
    }
  }
  while ((high - low) / high > RELATIVE_TOLERANCE) {
    const middle = (low + high) / 2;
    if (meets(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/** The largest x (to RELATIVE_TOLERANCE) with fits(x) true, for fits true below the answer. */
function largestFitting(fits: (x: number) => boolean, start: number, what: string): number {
  // x fits ⟺ 1/x meets; reuse the search on the reciprocal and return the conservative end.
  return 1 / smallestMeeting((inverse) => fits(1 / inverse), 1 / start, what);
}

export interface GaussianCalibrationTarget {
  readonly epsilon: number;
  /** In (0, 1). */
  readonly delta: number;
  /** Number of times the mechanism runs on the same users (training rounds). */
  readonly rounds: number;
  /** Poisson sampling probability of each user per round; 1 (everyone, every round) by default. */
  readonly samplingProbability?: number;
  /** Rényi orders of the accountant; dp_accounting's defaults unless given. */
  readonly orders?: readonly number[];
}

/**
 * The noise multiplier σ (noise std / L2 sensitivity) for `rounds` runs of the (optionally
 * Poisson-subsampled) Gaussian mechanism to be (ε, δ)-DP under the RDP accountant.
 * @example gaussianNoiseMultiplierFor({ epsilon: 1, delta: 1e-6, rounds: 1 }) // ≈ 4.5309
 */
export function gaussianNoiseMultiplierFor(target: GaussianCalibrationTarget): number {
  requirePositiveFinite('epsilon', target.epsilon);
  requireOpenUnit('delta', target.delta);
  requireIntegerInRange('rounds', target.rounds, 1, Number.MAX_SAFE_INTEGER);
  const samplingProbability = target.samplingProbability ?? 1;
  requireProbability('samplingProbability', samplingProbability);
  if (samplingProbability === 0) return 0;
  const orders = requireOrders('orders', target.orders ?? DEFAULT_RDP_ORDERS);
  const event = (noiseMultiplier: number): PrivacyEvent =>
    samplingProbability === 1
      ? { kind: 'gaussian', noiseMultiplier }
      : { kind: 'poissonSampledGaussian', samplingProbability, noiseMultiplier };
  const meets = (noiseMultiplier: number): boolean =>
    new RdpAccountant(orders).compose(event(noiseMultiplier), target.rounds).epsilon(target.delta).epsilon <= target.epsilon;
  return smallestMeeting(meets, 1, 'gaussianNoiseMultiplierFor');
}

export interface ZcdpCalibrationTarget {
  readonly epsilon: number;
  /** In (0, 1). */
  readonly delta: number;
}

/**
 * The largest total ρ such that ρ-zCDP implies (ε, δ)-DP (tight CKS20 conversion).
 * @example zcdpRhoFor({ epsilon: 1, delta: 1e-6 }) // ≈ 0.02436
 */
export function zcdpRhoFor(target: ZcdpCalibrationTarget): number {
  requirePositiveFinite('epsilon', target.epsilon);
  requireOpenUnit('delta', target.delta);
  const fits = (rho: number): boolean => zcdpToEpsilon(rho, target.delta).epsilon <= target.epsilon;
  return largestFitting(fits, 1, 'zcdpRhoFor');
}

export interface DiscreteGaussianCalibrationTarget extends ZcdpCalibrationTarget {
  /** L2 sensitivity of one query on the integer grid (e.g. clip norm / grid step, plus rounding). */
  readonly sensitivity: number;
  /** Number of discrete Gaussian releases composed over the same users. */
  readonly compositions: number;
}

/**
 * σ of the discrete Gaussian so that `compositions` releases with L2 sensitivity Δ are
 * (ε, δ)-DP: each is Δ²/2σ²-zCDP (CKS20 Theorem 14), they add up, and the total ρ must fit
 * zcdpRhoFor. Rounded up so that the ρ computed back from σ is within the budget.
 * @example discreteGaussianSigmaFor({ epsilon: 1, delta: 1e-6, sensitivity: 1, compositions: 1 }) // ≈ 4.5309
 */
export function discreteGaussianSigmaFor(target: DiscreteGaussianCalibrationTarget): number {
  requirePositiveFinite('sensitivity', target.sensitivity);
  requireIntegerInRange('compositions', target.compositions, 1, Number.MAX_SAFE_INTEGER);
  const rho = zcdpRhoFor(target);
  let sigma = target.sensitivity * Math.sqrt(target.compositions / (2 * rho));
  // Guard the last ulp: ρ(σ) = cΔ²/2σ² recomputed in float must not exceed the fitted ρ.
  while ((target.compositions * target.sensitivity ** 2) / (2 * sigma * sigma) > rho) sigma *= 1 + 1e-15;
  return sigma;
}

export interface PureDpCalibrationTarget {
  readonly epsilon: number;
  /** δ in [0, 1); with δ = 0 the answer is basic composition, ε / compositions. */
  readonly delta: number;
  readonly compositions: number;
}

/**
 * The ε₀ that each of `compositions` pure-DP mechanisms (discrete Laplace counts, k-ary
 * randomized response) may spend for the whole to be (ε, δ)-DP. With δ > 0 the RDP accountant
 * (binary-RR bound for any ε₀-DP mechanism) beats ε/compositions once compositions is large.
 * @example pureEpsilonFor({ epsilon: 1, delta: 1e-6, compositions: 100 }) // ≈ 0.0225 (basic composition: 0.01)
 */
export function pureEpsilonFor(target: PureDpCalibrationTarget): number {
  requirePositiveFinite('epsilon', target.epsilon);
  requireProbability('delta', target.delta);
  if (target.delta === 1) throw new RangeError('delta must be in [0, 1); got 1');
  requireIntegerInRange('compositions', target.compositions, 1, Number.MAX_SAFE_INTEGER);
  const basic = target.epsilon / target.compositions;
  if (target.delta === 0) return basic;
  const orders = [...DEFAULT_RDP_ORDERS, Infinity];
  const fits = (epsilon0: number): boolean =>
    new RdpAccountant(orders).compose({ kind: 'pureDp', epsilon: epsilon0 }, target.compositions).epsilon(target.delta).epsilon <=
    target.epsilon;
  // The ∞ order makes basic composition one of the candidates, so the answer is never below it.
  return Math.max(basic, largestFitting(fits, basic, 'pureEpsilonFor'));
}
