/**
 * Slow tier: uniformity of the secure source on each of its paths. Every test: 10^6 draws per run,
 * chi-square at α = 10⁻³ per run (Wilson–Hilferty critical value), majority of 3 runs, so a correct
 * source falsely fails with probability ≈ 3·10⁻⁶ per test.
 */
import { describe, expect, it } from 'vitest';
import { fitsPmf } from './samplers/goodness-of-fit.testkit.js';
import { secureRandom } from './random.js';

describe('secure random source: chi-square uniformity (10^6 draws × majority of 3)', () => {
  const random = secureRandom();
  it('uniformBelow(37), 32-bit rejection path', () => {
    const result = fitsPmf(() => random.uniformBelow(37), () => 1 / 37, 0, 36);
    expect(result.passed, JSON.stringify(result.runs)).toBe(true);
  });
  it('uniformBelow(3·2^40 + 1), 53-bit path, bucketed by thirds', () => {
    const n = 3 * 2 ** 40 + 1;
    // Buckets [0, 2^40), [2^40, 2^41), [2^41, n): probabilities 2^40/n, 2^40/n, (2^40+1)/n.
    const result = fitsPmf(() => Math.min(2, Math.floor(random.uniformBelow(n) / 2 ** 40)), (k) => (k === 2 ? 2 ** 40 + 1 : 2 ** 40) / n, 0, 2);
    expect(result.passed, JSON.stringify(result.runs)).toBe(true);
  });
  it('uniformBelowBigInt(5·2^70), BigInt path, bucketed by fifths', () => {
    const unit = 2n ** 70n;
    const result = fitsPmf(() => Number(random.uniformBelowBigInt(5n * unit) / unit), () => 1 / 5, 0, 4);
    expect(result.passed, JSON.stringify(result.runs)).toBe(true);
  });
  it('bits', () => {
    const result = fitsPmf(() => random.nextBit(), () => 1 / 2, 0, 1);
    expect(result.passed, JSON.stringify(result.runs)).toBe(true);
  });
});
