/**
 * Exact geometric sampler: P[Y = y] = (1 − e^(−γ))·e^(−γy) for y = 0, 1, 2, … and rational γ = s/t > 0.
 * This is the core of CKS20 Algorithm 2: X = U + t·V with U uniform on {0..t−1} kept with
 * probability e^(−U/t) and V ~ Geometric(e^(−1)) is geometric with ratio e^(−1/t); ⌊X/s⌋ then has
 * ratio e^(−s/t). Every step is an integer operation.
 */
import { requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { bernoulliExpAtMostOneKernel, bernoulliExpMinusOneKernel } from './bernoulli.js';
import type { RationalLike } from './rational.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Geometric with γ = s/t for safe integers s, t ≥ 1 (falls back to BigInt if X leaves the safe range). */
export function geometricKernel(random: RandomSource, s: number, t: number): number {
  for (;;) {
    const u = random.uniformBelow(t);
    if (!bernoulliExpAtMostOneKernel(random, u, t)) continue;
    let v = 0;
    while (bernoulliExpMinusOneKernel(random)) v++;
    const x = u + t * v;
    if (x > MAX_SAFE) return Number((BigInt(u) + BigInt(t) * BigInt(v)) / BigInt(s));
    return s === 1 ? x : (x - (x % s)) / s;
  }
}

export function geometricBigKernel(random: RandomSource, s: bigint, t: bigint): bigint {
  for (;;) {
    const u = random.uniformBelowBigInt(t);
    // Bernoulli(exp(−u/t)) with u < t: Algorithm 1, γ ≤ 1 branch, in BigInt.
    let keep = true;
    if (u !== 0n) {
      for (let k = 1n; ; k++) {
        if (!(random.uniformBelowBigInt(t * k) < u)) {
          keep = (k & 1n) === 1n;
          break;
        }
      }
    }
    if (!keep) continue;
    let v = 0n;
    while (bernoulliExpMinusOneKernel(random)) v++;
    return (u + t * v) / s;
  }
}

/** Chooses the number kernel when s and t are safe integers. */
export function geometricOfRational(random: RandomSource, s: bigint, t: bigint): bigint | number {
  if (s <= BigInt(MAX_SAFE) && t <= BigInt(MAX_SAFE)) return geometricKernel(random, Number(s), Number(t));
  return geometricBigKernel(random, s, t);
}

/**
 * One exact sample of the geometric distribution P[Y = y] = (1 − e^(−γ))·e^(−γy), y ≥ 0, γ > 0 rational.
 * @example sampleGeometric(0.5) // mean 1/(e^0.5 − 1) ≈ 1.54
 */
export function sampleGeometric(gamma: RationalLike, random: RandomSource = secureRandom()): number {
  const r = requireRational('gamma', gamma, 'positive');
  requireRandomSource('random', random);
  // γ = numerator/denominator = s/t.
  return Number(geometricOfRational(random, r.numerator, r.denominator));
}
