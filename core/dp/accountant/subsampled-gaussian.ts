/**
 * Rényi DP of the Poisson-subsampled Gaussian mechanism (the sampled Gaussian mechanism):
 * each record is included independently with probability q, then Gaussian noise with
 * standard deviation σ·Δ₂ is added. At order α the RDP is log(A_α)/(α − 1) where
 *   A_α = E_{z∼N(0,σ²)} [((1 − q) + q·e^{(2z − 1)/2σ²})^α]
 * (Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", arXiv:1908.10530, §3.3).
 *
 * Integer α: the binomial expansion is a finite sum of positive terms (exact).
 * Fractional α: the expansion is an infinite series whose binomial coefficients C(α, i)
 * change sign for i > α + 1; we keep the signs, which is exact. (dp_accounting today sums the
 * absolute values, a safe upper bound: at q = 0.01, σ = 2.5, α = 1.5 it reports 6.7058e−4 per
 * 50 steps where numerical integration and the signed series give 6.5007e−4, the value in
 * the original TensorFlow Privacy test vector.) When cancellation between the positive and
 * negative parts would cost more than six digits we fall back to that upper bound, so an
 * imprecise result is always an overestimate of the privacy loss, never an underestimate.
 */
import { logAdd, logErfc, logSub } from './log-math.js';

/** dp_accounting's cap on series terms; past it we bound the order from above (see below). */
const MAX_SERIES_TERMS = 1000;
/** Stop when both tails are decreasing and 30 nats (≈ 1e−13 relative) below the running total. */
const CONVERGED_BELOW_TOTAL = 30;
/** Fall back to Σ|terms| when the signed sum cancels by more than this (≈ 6 decimal digits). */
const MAX_CANCELLATION = Math.log(1e6);

/** log A_α for integer α ≥ 1 and 0 < q < 1. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logA = -Infinity;
  let logBinomial = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i += 1) {
    if (i > 0) logBinomial += Math.log(alpha - i + 1) - Math.log(i);
    const term = logBinomial + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** A signed sum kept as two log-space accumulators. */
interface SignedLogSum {
  positive: number;
  negative: number;
}

function addSigned(sum: SignedLogSum, logMagnitude: number, isPositive: boolean): void {
  if (isPositive) sum.positive = logAdd(sum.positive, logMagnitude);
  else sum.negative = logAdd(sum.negative, logMagnitude);
}

/** log A_α for fractional α > 1 and 0 < q < 1; +∞ when the series does not converge. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const sigmaSquared = sigma * sigma;
  // z0 splits the integral where the two mixture components cross (MTZ19 §3.3).
  const z0 = sigmaSquared * Math.log(1 / q - 1) + 0.5;
  const erfcScale = Math.SQRT2 * sigma;
  const sum: SignedLogSum = { positive: -Infinity, negative: -Infinity };
  let logAbsBinomial = 0; // log |C(α, 0)|
  let binomialPositive = true;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  for (let i = 0; i < MAX_SERIES_TERMS; i += 1) {
    if (i > 0) {
      const factor = alpha - i + 1;
      logAbsBinomial += Math.log(Math.abs(factor)) - Math.log(i);
      if (factor < 0) binomialPositive = !binomialPositive;
    }
    const j = alpha - i;
    const logT0 = logAbsBinomial + i * logQ + j * log1mQ;
    const logT1 = logAbsBinomial + j * logQ + i * log1mQ;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / erfcScale);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / erfcScale);
    const logS0 = logT0 + (i * i - i) / (2 * sigmaSquared) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigmaSquared) + logE1;
    addSigned(sum, logS0, binomialPositive);
    addSigned(sum, logS1, binomialPositive);
    const magnitude = logAdd(sum.positive, sum.negative);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < magnitude - CONVERGED_BELOW_TOTAL) {
      return signedTotal(sum);
    }
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Infinity;
}

function signedTotal(sum: SignedLogSum): number {
  if (sum.negative >= sum.positive) return logAdd(sum.positive, sum.negative);
  const exact = logSub(sum.positive, sum.negative);
  return sum.positive - exact > MAX_CANCELLATION ? logAdd(sum.positive, sum.negative) : exact;
}

/**
 * RDP at order α of one application of the Poisson-subsampled Gaussian with sampling
 * probability q ∈ [0, 1] and noise multiplier σ ≥ 0 (σ = noise std / L2 sensitivity).
 * Arguments are assumed validated by the caller.
 */
export function poissonSampledGaussianRdp(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (alpha === Infinity || sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  // α = 1 is KL divergence, where the ratio below is 0/0. By joint convexity of KL, mixing in
  // the Gaussian shift with probability q costs at most q times its KL, 1/2σ², in either direction.
  if (alpha === 1) return q / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  if (logA === Infinity) {
    // The fractional series did not converge (it decays only polynomially when q is large and
    // σ small). Rényi divergence is non-decreasing in α (van Erven & Harremoës 2014, Thm. 3), so
    // the exact value at ⌈α⌉ bounds it; so does the unsampled Gaussian (quasi-convexity).
    return Math.min(poissonSampledGaussianRdp(q, sigma, Math.ceil(alpha)), alpha / (2 * sigma * sigma));
  }
  // A_α ≥ 1 exactly (a Rényi divergence is non-negative); a rounding-level negative is lifted to 0.
  return Math.max(0, logA) / (alpha - 1);
}
