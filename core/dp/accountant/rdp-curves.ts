/**
 * Rényi DP curves ε(α) of the basic mechanisms, one function per mechanism. Each returns the
 * RDP at a single order α ∈ [1, ∞]; α = 1 is the KL divergence and α = ∞ the max-divergence
 * (pure ε). Arguments are assumed validated by the caller (the accountant).
 */
import { log1pExp } from './log-math.js';

/** Gaussian with noise multiplier σ = std / L2 sensitivity: α / 2σ² (Mironov 2017, Prop. 7). */
export function gaussianRdp(noiseMultiplier: number, alpha: number): number {
  if (noiseMultiplier === 0 || alpha === Infinity) return Infinity;
  return alpha / (2 * noiseMultiplier * noiseMultiplier);
}

/** ρ-zCDP holds exactly when the RDP at every order is at most ρα (Bun & Steinke 2016, Def. 1.1). */
export function zcdpRdp(rho: number, alpha: number): number {
  if (rho === 0) return 0;
  if (alpha === Infinity) return Infinity;
  return rho * alpha;
}

/**
 * Laplace with scale b = noiseMultiplier·Δ₁, so ε = 1/noiseMultiplier. Exact (Mironov 2017,
 * Prop. 6): ε + log(1 + (α−1)(e^{(1−2α)ε} − 1)/(2α−1)) / (α−1). Near α = 1 the ratio is 0/0, so
 * we use its series there, as dp_accounting does; at α = 1 the limit is ε + e^{−ε} − 1.
 */
export function laplaceRdp(noiseMultiplier: number, alpha: number): number {
  if (noiseMultiplier === 0) return Infinity;
  const epsilon = 1 / noiseMultiplier;
  if (alpha === Infinity) return epsilon;
  if (alpha === 1) return epsilon + Math.expm1(-epsilon);
  const c = Math.expm1(epsilon * (1 - 2 * alpha)) / (2 * alpha - 1);
  if (alpha < 1.1) {
    // log(1 + c·x)/x = c·Σ_{k≥1} (−c·x)^{k−1}/k with x = α − 1 and 0 ≤ −c·x ≤ 0.1: fast convergence.
    const v = -c * (alpha - 1);
    let series = 0;
    let power = 1;
    for (let k = 1; k < 100; k += 1) {
      series += power / k;
      power *= v;
    }
    return epsilon + c * series;
  }
  return epsilon + Math.log1p((alpha - 1) * c) / (alpha - 1);
}

/**
 * Any ε-DP mechanism: bounded by binary randomized response, the extremal ε-DP pair
 * (the bound dp_accounting composes for an EpsilonDeltaDpEvent):
 *   (εα + log(1 + e^{ε(1−2α)}) − log(1 + e^ε)) / (α − 1),  and never more than ε.
 * At α = 1 the limit is the KL divergence of binary RR, ε·tanh(ε/2).
 */
export function pureDpRdp(epsilon: number, alpha: number): number {
  if (epsilon === 0) return 0;
  if (epsilon === Infinity) return Infinity;
  if (alpha === Infinity) return epsilon;
  if (alpha === 1) return epsilon * Math.tanh(epsilon / 2);
  const bound = (epsilon * alpha + log1pExp(epsilon * (1 - 2 * alpha)) - log1pExp(epsilon)) / (alpha - 1);
  return Math.min(epsilon, bound);
}

/**
 * k-ary randomized response reporting the true value with probability e^ε/(e^ε + k − 1) and
 * each other value with probability 1/(e^ε + k − 1); neighbours are two different true values
 * of the one reporting user (dp_accounting's REPLACE_ONE relation). The Rényi divergence
 * between the two output distributions P = (a, b, b, …) and Q = (b, a, b, …), b = 1/(e^ε+k−1):
 *   log(b·(e^{εα} + e^{ε(1−α)} + k − 2)) / (α − 1);  KL at α = 1: (a − b)·ε;  ε at α = ∞.
 */
export function randomizedResponseRdp(epsilon: number, k: number, alpha: number): number {
  if (epsilon === 0 || k === 1) return 0;
  if (epsilon === Infinity) return Infinity;
  if (alpha === Infinity) return epsilon;
  // log b = −log(e^ε + k − 1), written to stay finite for large ε.
  const logB = -(epsilon + Math.log1p((k - 1) * Math.exp(-epsilon)));
  if (alpha === 1) return -Math.expm1(-epsilon) * Math.exp(epsilon + logB) * epsilon;
  const high = epsilon * alpha;
  const low = epsilon * (1 - alpha);
  const rest = k > 2 ? Math.log(k - 2) : -Infinity;
  const top = Math.max(high, low, rest);
  const logSum = top + Math.log(Math.exp(high - top) + Math.exp(low - top) + Math.exp(rest - top));
  return Math.min(epsilon, (logB + logSum) / (alpha - 1));
}
