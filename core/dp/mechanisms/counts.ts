/**
 * Counts and histograms with exact integer noise (the central-DP mechanisms of the aggregator and
 * of any device-side count):
 *   - discrete Laplace of scale b = Δ₁/ε: pure ε-DP (event `pureDp`). We report pureDp rather than
 *     `laplace` because dp_accounting's Laplace RDP curve is derived for the continuous Laplace;
 *     pure ε-DP is what CKS20 prove for the discrete one and is conservative for any accountant.
 *   - discrete Gaussian of σ: ρ-zCDP with ρ = Δ₂²/2σ² (event `zcdp`, CKS20).
 * Sensitivity comes from contribution bounds: one person (add/remove adjacency) changes at most
 * `maxContributedBins` bins (L0) by at most `maxContributionPerBin` each (L∞), so
 * Δ₁ = L0·L∞ and Δ₂ = √L0·L∞. Enforcing those bounds on the raw data is the caller's duty: the
 * mechanism cannot see who contributed what.
 */
import type { PrivacyEvent, Released } from '../events.js';
import { requireIntegerInRange, requireIntegerVector, requireOneOf, requirePositiveFinite, requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { createDiscreteGaussianSampler } from '../samplers/discrete-gaussian.js';
import { createDiscreteLaplaceSampler } from '../samplers/discrete-laplace.js';
import type { IntegerSampler } from '../samplers/integer-sampler.js';
import { MAX_NOISE_SCALE } from '../samplers/integer-sampler.js';
import { discreteGaussianRho } from './zcdp.js';

export type CountNoise =
  /** Pure ε-DP; the Laplace scale is Δ₁/ε, computed exactly from the double ε. */
  | { readonly kind: 'discreteLaplace'; readonly epsilon: number }
  /** ρ-zCDP with ρ = Δ₂²/2σ²; σ is the discrete Gaussian's scale parameter. */
  | { readonly kind: 'discreteGaussian'; readonly sigma: number };

export interface HistogramMechanismOptions {
  readonly bins: number;
  readonly noise: CountNoise;
  /** L0 bound: how many bins one person may change (default 1). */
  readonly maxContributedBins?: number;
  /** L∞ bound: by how much one person may change one bin (default 1). */
  readonly maxContributionPerBin?: number;
}

export interface HistogramMechanism {
  readonly bins: number;
  readonly l1Sensitivity: number;
  readonly l2Sensitivity: number;
  /** The cost of one release (the same event every release returns). */
  readonly event: PrivacyEvent;
  /** Adds independent noise to every bin. */
  release(counts: ArrayLike<number>): Released<readonly number[]>;
}

export interface CountMechanismOptions {
  readonly noise: CountNoise;
  /** How much one person can change the count (default 1). */
  readonly sensitivity?: number;
}

export interface CountMechanism {
  readonly sensitivity: number;
  readonly event: PrivacyEvent;
  release(count: number): Released<number>;
}

/** Largest |count| accepted: keeps count + noise a safe integer. */
const MAX_COUNT = 2 ** 50;
const MAX_BINS = 2 ** 24;
const MAX_BOUND = 2 ** 20;

/**
 * @example
 * const histogram = createHistogramMechanism({ bins: 3, noise: { kind: 'discreteLaplace', epsilon: 1 } });
 * const { output, event } = histogram.release([10, 0, 4]); // event: { kind: 'pureDp', epsilon: 1 }
 */
export function createHistogramMechanism(options: HistogramMechanismOptions, random: RandomSource = secureRandom()): HistogramMechanism {
  const bins = requireIntegerInRange('bins', options.bins, 1, MAX_BINS);
  const l0 = requireIntegerInRange('maxContributedBins', options.maxContributedBins ?? 1, 1, bins);
  const lInf = requireIntegerInRange('maxContributionPerBin', options.maxContributionPerBin ?? 1, 1, MAX_BOUND);
  requireRandomSource('random', random);
  const l1Sensitivity = l0 * lInf;
  const l2SensitivitySquared = l0 * lInf * lInf;
  const noise = options.noise;
  requireOneOf('noise.kind', noise.kind, ['discreteLaplace', 'discreteGaussian']);

  let sampler: IntegerSampler;
  let event: PrivacyEvent;
  switch (noise.kind) {
    case 'discreteLaplace': {
      requirePositiveFinite('noise.epsilon', noise.epsilon);
      const epsilon = requireRational('noise.epsilon', noise.epsilon, 'positive');
      // b = Δ₁/ε exactly: ε = p/q gives b = Δ₁·q/p, so the released ε is exactly the double given.
      const scale = { numerator: BigInt(l1Sensitivity) * epsilon.denominator, denominator: epsilon.numerator };
      requireRational('noise.epsilon (as Laplace scale Δ₁/ε)', scale, 'positive', MAX_NOISE_SCALE);
      sampler = createDiscreteLaplaceSampler({ scale }, random);
      event = { kind: 'pureDp', epsilon: noise.epsilon };
      break;
    }
    case 'discreteGaussian': {
      const sigma = requirePositiveFinite('noise.sigma', noise.sigma);
      sampler = createDiscreteGaussianSampler({ sigma }, random);
      event = { kind: 'zcdp', rho: discreteGaussianRho(l2SensitivitySquared, sigma) };
      break;
    }
    default: {
      const unreachable: never = noise;
      throw new RangeError(`noise.kind is not supported: ${JSON.stringify(unreachable)}`);
    }
  }

  return {
    bins,
    l1Sensitivity,
    l2Sensitivity: Math.sqrt(l2SensitivitySquared),
    event,
    release(counts) {
      requireIntegerVector('counts', counts, MAX_COUNT, bins);
      const output = new Array<number>(bins);
      for (let i = 0; i < bins; i++) output[i] = counts[i]! + sampler.sample();
      return { output, event };
    },
  };
}

/**
 * A single noisy count (a one-bin histogram).
 * @example createCountMechanism({ noise: { kind: 'discreteGaussian', sigma: 5 } }).release(42)
 */
export function createCountMechanism(options: CountMechanismOptions, random: RandomSource = secureRandom()): CountMechanism {
  const sensitivity = requireIntegerInRange('sensitivity', options.sensitivity ?? 1, 1, MAX_BOUND);
  const histogram = createHistogramMechanism({ bins: 1, noise: options.noise, maxContributionPerBin: sensitivity }, random);
  return {
    sensitivity,
    event: histogram.event,
    release(count) {
      requireIntegerInRange('count', count, -MAX_COUNT, MAX_COUNT);
      const released = histogram.release([count]);
      return { output: released.output[0]!, event: released.event };
    },
  };
}
