import { describe, expect, it } from 'vitest';
import { evaluateRanking, hitAt, ndcgAt, topK } from './metrics.js';
import { loadDataset } from './data.js';
import { writeTinyDataset } from './fixtures.js';
import { popularityCounts, popularityScorer } from './baselines/popularity.js';

describe('topK', () => {
  it('returns the best rows first, skips excluded rows, and breaks ties by the lower row', () => {
    const scores = new Float32Array([0.5, 0.9, 0.1, 0.9, 0.7, 0.2]);
    expect(topK(scores, new Set(), 3)).toEqual([1, 3, 4]);
    expect(topK(scores, new Set([1, 4]), 3)).toEqual([3, 0, 5]);
    expect(topK(scores, new Set(), 10)).toEqual([1, 3, 4, 0, 5, 2]);
  });

  it('refuses NaN scores rather than ranking them silently', () => {
    expect(() => topK([1, Number.NaN], new Set(), 1)).toThrow(/scores\[1\] is NaN/);
  });
});

describe('hitAt and ndcgAt on a hand-made ranking', () => {
  it('count one hit at rank 2 of two relevant items', () => {
    const ranked = [5, 3, 9];
    const relevant = new Set([3, 7]);
    expect(hitAt(ranked, relevant)).toBe(1);
    // DCG = 1/log2(3); ideal = 1/log2(2) + 1/log2(3).
    const expected = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(ndcgAt(ranked, relevant, 10)).toBeCloseTo(expected, 12);
    expect(hitAt(ranked, new Set([8]))).toBe(0);
    expect(ndcgAt(ranked, new Set([5]), 10)).toBe(1);
  });
});

describe('evaluateRanking', () => {
  it('scores popularity on the tiny data set by hand', () => {
    const dataset = loadDataset({ dataDir: writeTinyDataset() });
    // Training counts: item 1 ×3, item 2 ×3, item 3 ×2, item 4 ×1 (held-out ratings not counted).
    expect([...popularityCounts(dataset)]).toEqual([3, 3, 2, 1]);
    // Only user 1 has a held-out item (4); their training items 1, 2, 3 are excluded, so 4 ranks first.
    expect(evaluateRanking(dataset, popularityScorer(dataset))).toEqual({ hitRate: 1, ndcg: 1, users: 1, k: 10 });
    // With k = 1 and item 4 scored below everything, the excluded items cannot push it out.
    const worst = evaluateRanking(dataset, () => new Float32Array([9, 9, 9, -1]), 1);
    expect(worst.hitRate).toBe(1);
  });

  it('rejects a scorer whose length is not the catalogue size', () => {
    const dataset = loadDataset({ dataDir: writeTinyDataset() });
    expect(() => evaluateRanking(dataset, () => new Float32Array(3))).toThrow(/catalogue has 4 items/);
  });
});
