import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { createDiscreteLaplaceSampler, sampleDiscreteLaplace } from './discrete-laplace.js';

describe('discrete Laplace sampler (CKS20 Algorithm 2)', () => {
  it('is symmetric with variance 2e^(−1/b)/(1 − e^(−1/b))² (40,000 seeded draws, tolerance 5 standard errors)', () => {
    const random = createSeededRandomSourceForTestsOnly(4);
    const n = 40_000;
    for (const scale of [1, 10, 7 / 3, { numerator: 3n * 2n ** 60n, denominator: 2n ** 60n + 1n }]) {
      const b = typeof scale === 'number' ? scale : Number(scale.numerator) / Number(scale.denominator);
      const q = Math.exp(-1 / b);
      const variance = (2 * q) / (1 - q) ** 2;
      const sampler = createDiscreteLaplaceSampler({ scale }, random);
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const y = sampler.sample();
        sum += y;
        squares += y * y;
      }
      expect(Math.abs(sum / n)).toBeLessThan(5 * Math.sqrt(variance / n));
      // sd of y² ≤ √(E y⁴); E y⁴ ≈ 6·variance² for a Laplace-like tail: tolerance 5·√(6/n)·variance.
      expect(Math.abs(squares / n - variance)).toBeLessThan(5 * Math.sqrt(6 / n) * variance);
    }
  });

  it('fills arrays and validates its scale', () => {
    const target = new Int32Array(100);
    createDiscreteLaplaceSampler({ scale: 50 }, createSeededRandomSourceForTestsOnly(5)).fill(target);
    expect(new Set(target).size).toBeGreaterThan(10);
    expect(() => sampleDiscreteLaplace(0)).toThrow(/^scale must be > 0/);
    expect(() => sampleDiscreteLaplace(2 ** 40)).toThrow(/^scale must be > 0 and ≤ 4294967296/);
  });
});
