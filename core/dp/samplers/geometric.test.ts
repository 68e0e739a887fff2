import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { sampleGeometric } from './geometric.js';

describe('geometric sampler', () => {
  it('has mean e^(−γ)/(1 − e^(−γ)) (40,000 seeded draws, tolerance 5 standard errors)', () => {
    const random = createSeededRandomSourceForTestsOnly(3);
    const n = 40_000;
    for (const gamma of [0.1, 1, 1.5, { numerator: 2n ** 64n, denominator: 5n * 2n ** 64n + 3n }]) {
      const g = typeof gamma === 'number' ? gamma : Number(gamma.numerator) / Number(gamma.denominator);
      const q = Math.exp(-g);
      const mean = q / (1 - q);
      const sd = Math.sqrt(q) / (1 - q);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const y = sampleGeometric(gamma, random);
        expect(Number.isInteger(y) && y >= 0).toBe(true);
        sum += y;
      }
      expect(Math.abs(sum / n - mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
    }
  });

  it('rejects γ ≤ 0', () => {
    expect(() => sampleGeometric(0)).toThrow(/^gamma must be > 0/);
    expect(() => sampleGeometric({ numerator: -1n, denominator: 2n })).toThrow(/^gamma must be > 0/);
  });
});
