/**
 * Exact discrete Laplace sampler: P[Y = y] ∝ exp(−|y|/b) on the integers, for a rational scale
 * b > 0 (CKS20 Algorithm 2). Adding it to an integer query of L1 sensitivity Δ gives (Δ/b)-DP,
 * exactly as the continuous Laplace mechanism, without the floating-point leaks of Mironov 2012.
 */
import { requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { geometricBigKernel, geometricKernel } from './geometric.js';
import { MAX_NOISE_SCALE, type IntegerSampler } from './integer-sampler.js';
import type { RationalLike } from './rational.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Discrete Laplace of scale b = t/s (safe integers s, t ≥ 1): a geometric magnitude with ratio
 * e^(−s/t) and a fair sign, rejecting "−0" so that 0 is not counted twice (CKS20 Alg. 2).
 */
export function discreteLaplaceKernel(random: RandomSource, s: number, t: number): number {
  for (;;) {
    const magnitude = geometricKernel(random, s, t);
    const negative = random.nextBit() === 1;
    if (negative && magnitude === 0) continue;
    return negative ? -magnitude : magnitude;
  }
}

export function discreteLaplaceBigKernel(random: RandomSource, s: bigint, t: bigint): number {
  for (;;) {
    const magnitude = geometricBigKernel(random, s, t);
    const negative = random.nextBit() === 1;
    if (negative && magnitude === 0n) continue;
    return Number(negative ? -magnitude : magnitude);
  }
}

export interface DiscreteLaplaceOptions {
  /** The scale b (a number is taken exactly as the double it is). */
  readonly scale: RationalLike;
}

/**
 * A prepared exact discrete Laplace sampler.
 * @example createDiscreteLaplaceSampler({ scale: 10 }).sample()
 */
export function createDiscreteLaplaceSampler(options: DiscreteLaplaceOptions, random: RandomSource = secureRandom()): IntegerSampler {
  const scale = requireRational('scale', options.scale, 'positive', MAX_NOISE_SCALE);
  requireRandomSource('random', random);
  // b = t/s: t is the numerator, s the denominator.
  const sBig = scale.denominator;
  const tBig = scale.numerator;
  const fast = sBig <= BigInt(MAX_SAFE) && tBig <= BigInt(MAX_SAFE);
  const s = Number(sBig);
  const t = Number(tBig);
  const sample = fast ? () => discreteLaplaceKernel(random, s, t) : () => discreteLaplaceBigKernel(random, sBig, tBig);
  return {
    sample,
    fill(target) {
      for (let i = 0; i < target.length; i++) target[i] = sample();
    },
  };
}

/** One exact discrete Laplace sample of scale b (see createDiscreteLaplaceSampler). */
export function sampleDiscreteLaplace(scale: RationalLike, random: RandomSource = secureRandom()): number {
  return createDiscreteLaplaceSampler({ scale }, random).sample();
}
