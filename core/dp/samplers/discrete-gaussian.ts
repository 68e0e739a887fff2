/**
 * Exact discrete Gaussian sampler: P[Y = y] ∝ exp(−y²/2σ²) on the integers, for rational σ²
 * (CKS20 Algorithm 3). Propose Y from the discrete Laplace of integer scale t = ⌊σ⌋ + 1 and accept
 * with probability exp(−(|Y| − σ²/t)² / 2σ²), itself an exact Bernoulli(exp(−γ)) with rational γ.
 * Adding it to an integer query of L2 sensitivity Δ gives ρ-zCDP with ρ = Δ²/2σ² (CKS20: at integer shift μ its Rényi divergence of order α is ≤ αμ²/2σ², as for the continuous Gaussian; independent coordinates add up).
 *
 * Speed: with σ² = a/b, γ = (|Y|·t·b − a)² / (2·a·b·t²) is a ratio of integers. While those stay
 * below 2^53 everything runs on plain numbers; past that, per sample, on BigInt.
 */
import { requireNumberInRange, requirePositiveFinite, requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { bernoulliExpBigKernel, bernoulliExpKernel } from './bernoulli.js';
import { discreteLaplaceKernel } from './discrete-laplace.js';
import { MAX_NOISE_SCALE, type IntegerSampler } from './integer-sampler.js';
import { integerSquareRoot, rationalFromFiniteNumber, type Rational, type RationalLike } from './rational.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * σ as a number (its square is taken exactly: the double σ = p/q gives σ² = p²/q², so σ = 10 gives
 * σ² = 100 and σ = 0.1 the square of the double nearest 0.1), or σ² directly as an exact rational.
 */
export type DiscreteGaussianOptions = { readonly sigma: number } | { readonly sigmaSquared: RationalLike };

/** σ² as a reduced rational, validated (0 < σ ≤ MAX_NOISE_SCALE). */
export function discreteGaussianVariance(options: DiscreteGaussianOptions): Rational {
  if ('sigma' in options) {
    const sigma = requireNumberInRange('sigma', options.sigma, 0, MAX_NOISE_SCALE);
    if (sigma === 0) requirePositiveFinite('sigma', sigma);
    const r = rationalFromFiniteNumber(sigma);
    return { numerator: r.numerator * r.numerator, denominator: r.denominator * r.denominator };
  }
  return requireRational('sigmaSquared', options.sigmaSquared, 'positive', MAX_NOISE_SCALE * MAX_NOISE_SCALE);
}

/**
 * A prepared exact discrete Gaussian sampler.
 * @example createDiscreteGaussianSampler({ sigma: 10 }).sample()
 */
export function createDiscreteGaussianSampler(options: DiscreteGaussianOptions, random: RandomSource = secureRandom()): IntegerSampler {
  const { numerator: aBig, denominator: bBig } = discreteGaussianVariance(options);
  requireRandomSource('random', random);
  // t = ⌊σ⌋ + 1 = ⌊√⌊a/b⌋⌋ + 1 (⌊√x⌋ = ⌊√⌊x⌋⌋ for x ≥ 0): exact, no float square root.
  const tBig = integerSquareRoot(aBig / bBig) + 1n;
  const tbBig = tBig * bBig;
  const denBig = 2n * aBig * bBig * tBig * tBig;
  const t = Number(tBig);
  const a = Number(aBig);
  const tb = Number(tbBig);
  const den = Number(denBig);
  const numbersExact = aBig <= BigInt(MAX_SAFE) && tbBig <= BigInt(MAX_SAFE) && denBig <= BigInt(MAX_SAFE);

  const sample = (): number => {
    for (;;) {
      const y = discreteLaplaceKernel(random, 1, t);
      const absY = y < 0 ? -y : y;
      if (numbersExact) {
        const scaled = absY * tb;
        if (scaled <= MAX_SAFE) {
          const diff = scaled - a;
          const num = diff * diff;
          if (num <= MAX_SAFE) {
            if (bernoulliExpKernel(random, num, den)) return y;
            continue;
          }
        }
      }
      const diffBig = BigInt(absY) * tbBig - aBig;
      if (bernoulliExpBigKernel(random, diffBig * diffBig, denBig)) return y;
    }
  };
  return {
    sample,
    fill(target) {
      for (let i = 0; i < target.length; i++) target[i] = sample();
    },
  };
}

/** One exact discrete Gaussian sample (see createDiscreteGaussianSampler). */
export function sampleDiscreteGaussian(options: DiscreteGaussianOptions, random: RandomSource = secureRandom()): number {
  return createDiscreteGaussianSampler(options, random).sample();
}
