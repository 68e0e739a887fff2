/**
 * k-ary randomized response for one categorical value (a local report: the device sends only the
 * randomized value). With p = e^ε/(e^ε + k − 1) the true value is reported, otherwise one of the
 * other k − 1 values uniformly; any two inputs give output distributions within a factor e^ε, so
 * it is ε-DP locally (Warner 1965; Kairouz, Oh, Viswanath 2014 for k-ary).
 *
 * Exact sampling, no float probability: draw a candidate c uniformly from {0..k−1}; return it if
 * c is the true value, else return it with probability e^(−ε) (exact Bernoulli(exp(−ε)), CKS20
 * Alg. 1) and otherwise draw again. Each round returns the truth with weight 1/k and each other
 * value with weight e^(−ε)/k, so P[truth] = 1/(1 + (k−1)e^(−ε)) = e^ε/(e^ε + k − 1) exactly.
 */
import type { PrivacyEvent, Released } from '../events.js';
import { requireFiniteVector, requireIntegerInRange, requirePositiveFinite, requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { bernoulliExpSamplerFor } from '../samplers/bernoulli.js';

export interface RandomizedResponseOptions {
  /** Local ε > 0 (taken exactly as the double given). */
  readonly epsilon: number;
  /** Number of categories k ≥ 2; values are 0..k−1. */
  readonly categories: number;
}

export interface RandomizedResponseMechanism {
  readonly categories: number;
  readonly epsilon: number;
  /** P[report = true value] = e^ε/(e^ε + k − 1) (float, for estimation only; sampling is exact). */
  readonly truthProbability: number;
  readonly event: PrivacyEvent;
  release(value: number): Released<number>;
  /**
   * Unbiased frequency estimates from report counts: n̂_v = (c_v − N·q)/(p − q), q = (1 − p)/(k − 1).
   * (Post-processing: costs nothing.)
   */
  estimateCounts(reportCounts: ArrayLike<number>): Float64Array;
}

const MAX_CATEGORIES = 2 ** 20;

/**
 * @example
 * const rr = createRandomizedResponse({ epsilon: 2, categories: 4 });
 * rr.release(3); // { output: 3 with probability e²/(e² + 3), event: { kind: 'randomizedResponse', epsilon: 2, k: 4 } }
 */
export function createRandomizedResponse(options: RandomizedResponseOptions, random: RandomSource = secureRandom()): RandomizedResponseMechanism {
  const epsilon = requirePositiveFinite('epsilon', options.epsilon);
  const exact = requireRational('epsilon', epsilon, 'positive');
  const k = requireIntegerInRange('categories', options.categories, 2, MAX_CATEGORIES);
  requireRandomSource('random', random);
  const p = 1 / (1 + (k - 1) * Math.exp(-epsilon));
  const q = (1 - p) / (k - 1);
  const keepOtherCandidate = bernoulliExpSamplerFor(random, exact); // Bernoulli(e^(−ε))
  const event: PrivacyEvent = { kind: 'randomizedResponse', epsilon, k };
  return {
    categories: k,
    epsilon,
    truthProbability: p,
    event,
    release(value) {
      requireIntegerInRange('value', value, 0, k - 1);
      for (;;) {
        const candidate = random.uniformBelow(k);
        if (candidate === value || keepOtherCandidate()) {
          return { output: candidate, event };
        }
      }
    },
    estimateCounts(reportCounts) {
      requireFiniteVector('reportCounts', reportCounts, k);
      let total = 0;
      for (let i = 0; i < k; i++) total += reportCounts[i]!;
      const estimates = new Float64Array(k);
      for (let i = 0; i < k; i++) estimates[i] = (reportCounts[i]! - total * q) / (p - q);
      return estimates;
    },
  };
}
