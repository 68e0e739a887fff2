/**
 * Slow tier: exact Bernoulli samplers against their PMF. Each test: 10^6 draws per run, chi-square
 * at α = 10⁻³ per run, majority of 3 runs: false-failure probability ≈ 3·10⁻⁶ per test.
 * (With 10^6 draws a probability error of 0.5% of p ≈ 1/3 is detected with near certainty.)
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { sampleBernoulli, sampleBernoulliExp } from './bernoulli.js';
import { fitsPmf } from './goodness-of-fit.testkit.js';
import type { RationalLike } from './rational.js';

const random = secureRandom();
const asInt = (b: boolean): number => (b ? 1 : 0);

describe('Bernoulli samplers: chi-square goodness of fit (10^6 draws × majority of 3)', () => {
  const cases: readonly [string, RationalLike, number][] = [
    ['p = 1/3', { numerator: 1n, denominator: 3n }, 1 / 3],
    ['p = (2^70)/(3·2^70 + 1), BigInt path', { numerator: 2n ** 70n, denominator: 3n * 2n ** 70n + 1n }, 1 / 3],
  ];
  for (const [name, p, value] of cases) {
    it(`Bernoulli(${name})`, () => {
      const result = fitsPmf(() => asInt(sampleBernoulli(p, random)), (k) => (k === 1 ? value : 1 - value), 0, 1);
      expect(result.passed, JSON.stringify(result.runs)).toBe(true);
    });
  }
  const gammas: readonly [string, RationalLike, number][] = [
    ['1/3', { numerator: 1n, denominator: 3n }, 1 / 3],
    ['5/2 (whole part + fraction)', { numerator: 5n, denominator: 2n }, 5 / 2],
    ['(2^64 + 1)/2^63 ≈ 2, BigInt path', { numerator: 2n ** 64n + 1n, denominator: 2n ** 63n }, 2],
  ];
  for (const [name, gamma, value] of gammas) {
    it(`Bernoulli(exp(−γ)), γ = ${name}`, () => {
      const p = Math.exp(-value);
      const result = fitsPmf(() => asInt(sampleBernoulliExp(gamma, random)), (k) => (k === 1 ? p : 1 - p), 0, 1);
      expect(result.passed, JSON.stringify(result.runs)).toBe(true);
    });
  }
});
