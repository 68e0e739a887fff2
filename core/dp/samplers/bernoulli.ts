/**
 * Exact Bernoulli samplers: Bernoulli(p) for rational p, and Bernoulli(exp(−γ)) for rational γ ≥ 0
 * (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential Privacy", Algorithm 1).
 * Only integer comparisons of uniform integers: no floating point touches a probability.
 *
 * The `*Kernel` functions are the unvalidated hot paths used by the other samplers; their
 * number variants require safe-integer arguments and switch to BigInt where a product would
 * leave the safe range.
 */
import { requireRandomSource, requireRational } from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import type { Rational, RationalLike } from './rational.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function bernoulliRationalBigKernel(random: RandomSource, numerator: bigint, denominator: bigint): boolean {
  return random.uniformBelowBigInt(denominator) < numerator;
}

/** Bernoulli(exp(−1)): Algorithm 1 with γ = 1 (its first trial, Bernoulli(1/1), always succeeds). */
export function bernoulliExpMinusOneKernel(random: RandomSource): boolean {
  for (let k = 2; ; k++) {
    if (random.uniformBelow(k) !== 0) return (k & 1) === 1;
  }
}

/**
 * Bernoulli(exp(−n/d)) for 0 ≤ n ≤ d (γ ∈ [0, 1]): draw A_k ~ Bernoulli(γ/k) for k = 1, 2, … until
 * the first failure at K; return whether K is odd. P[K odd] = Σ (−γ)^j / j! = exp(−γ) (CKS20 Alg. 1).
 */
export function bernoulliExpAtMostOneKernel(random: RandomSource, n: number, d: number): boolean {
  if (n === 0) return true;
  for (let k = 1; ; k++) {
    const dk = d * k;
    const success = dk <= MAX_SAFE
      ? random.uniformBelow(dk) < n
      : random.uniformBelowBigInt(BigInt(d) * BigInt(k)) < BigInt(n);
    if (!success) return (k & 1) === 1;
  }
}

/**
 * Bernoulli(exp(−num/den)) for safe integers num ≥ 0, den ≥ 1: ⌊γ⌋ independent Bernoulli(exp(−1))
 * trials that must all succeed, then one Bernoulli(exp(−(γ − ⌊γ⌋))) (CKS20 Alg. 1, γ > 1 branch).
 */
export function bernoulliExpKernel(random: RandomSource, num: number, den: number): boolean {
  const remainder = num % den; // exact for safe integers
  const whole = (num - remainder) / den;
  for (let i = 0; i < whole; i++) {
    if (!bernoulliExpMinusOneKernel(random)) return false;
  }
  return bernoulliExpAtMostOneKernel(random, remainder, den);
}

export function bernoulliExpBigKernel(random: RandomSource, num: bigint, den: bigint): boolean {
  const whole = num / den;
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExpMinusOneKernel(random)) return false;
  }
  const n = num % den;
  if (n === 0n) return true;
  for (let k = 1n; ; k++) {
    if (!(random.uniformBelowBigInt(den * k) < n)) return (k & 1n) === 1n;
  }
}

const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/** Picks the number kernel when both parts are safe integers, else the BigInt one. */
export function bernoulliExpOfRational(random: RandomSource, num: bigint, den: bigint): boolean {
  if (num <= MAX_SAFE_BIG && den <= MAX_SAFE_BIG) return bernoulliExpKernel(random, Number(num), Number(den));
  return bernoulliExpBigKernel(random, num, den);
}

/** A prepared Bernoulli(exp(−γ)) for a fixed validated γ (kernel chosen once). */
export function bernoulliExpSamplerFor(random: RandomSource, gamma: Rational): () => boolean {
  const { numerator, denominator } = gamma;
  if (numerator <= MAX_SAFE_BIG && denominator <= MAX_SAFE_BIG) {
    const num = Number(numerator);
    const den = Number(denominator);
    return () => bernoulliExpKernel(random, num, den);
  }
  return () => bernoulliExpBigKernel(random, numerator, denominator);
}

/**
 * One exact Bernoulli(p) sample for a rational p ∈ [0, 1]. A number p is taken as the exact value of
 * the double (see rationalFromFiniteNumber).
 * @example sampleBernoulli({ numerator: 1n, denominator: 3n }) // true with probability exactly 1/3
 */
export function sampleBernoulli(p: RationalLike, random: RandomSource = secureRandom()): boolean {
  const r = requireRational('p', p, 'probability');
  requireRandomSource('random', random);
  return bernoulliRationalBigKernel(random, r.numerator, r.denominator);
}

/**
 * One exact Bernoulli(exp(−γ)) sample for a rational γ ≥ 0 (CKS20 Algorithm 1).
 * @example sampleBernoulliExp(1) // true with probability exp(−1)
 */
export function sampleBernoulliExp(gamma: RationalLike, random: RandomSource = secureRandom()): boolean {
  const r = requireRational('gamma', gamma, 'nonNegative');
  requireRandomSource('random', random);
  return bernoulliExpOfRational(random, r.numerator, r.denominator);
}
