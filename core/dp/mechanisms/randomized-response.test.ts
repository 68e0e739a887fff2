import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { createRandomizedResponse } from './randomized-response.js';

describe('k-ary randomized response', () => {
  it('reports the truth with probability e^ε/(e^ε + k − 1) and the others uniformly (40,000 seeded draws, 5 standard errors)', () => {
    const rr = createRandomizedResponse({ epsilon: 1.5, categories: 5 }, createSeededRandomSourceForTestsOnly(1));
    const p = Math.exp(1.5) / (Math.exp(1.5) + 4);
    expect(rr.truthProbability).toBeCloseTo(p, 14);
    const n = 40_000;
    const counts = new Array<number>(5).fill(0);
    expect(rr.release(2).event).toEqual({ kind: 'randomizedResponse', epsilon: 1.5, k: 5 });
    for (let i = 0; i < n; i++) counts[rr.release(2).output]!++;
    const q = (1 - p) / 4;
    counts.forEach((c, v) => {
      const expected = v === 2 ? p : q;
      expect(Math.abs(c / n - expected)).toBeLessThan(5 * Math.sqrt((expected * (1 - expected)) / n));
    });
    // Debiasing recovers the true histogram (all n users had value 2).
    const estimates = rr.estimateCounts(counts);
    expect(Math.abs(estimates[2]! - n)).toBeLessThan(0.05 * n);
    expect(Math.abs(estimates[0]!)).toBeLessThan(0.05 * n);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => createRandomizedResponse({ epsilon: 0, categories: 3 })).toThrow(/^epsilon must be a finite number > 0/);
    expect(() => createRandomizedResponse({ epsilon: 1, categories: 1 })).toThrow(/^categories must be an integer in \[2, /);
    const rr = createRandomizedResponse({ epsilon: 1, categories: 3 });
    expect(() => rr.release(3)).toThrow(/^value must be an integer in \[0, 2\]; got 3/);
    expect(() => rr.estimateCounts([1, 2])).toThrow(/^reportCounts.length must be 3/);
  });
});
