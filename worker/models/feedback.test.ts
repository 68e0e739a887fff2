import { describe, expect, it } from 'vitest';
import { aggregateFeedback, feedbackWeight } from './feedback.js';
import { checkMfShape, mfParameterLength, mfShapeFromSpecs, mfTensorSpecs, splitMfParameters } from './mf-layout.js';
import { scoreAll, topK } from './mf-score.js';
import { computeUpdate, l2Norm } from './update.js';

describe('feedback', () => {
  it('orders confidence order > cart > view, and ratings above 3 stars add to a consumed item', () => {
    expect(feedbackWeight({ item: 0, kind: 'order' })).toBeGreaterThan(feedbackWeight({ item: 0, kind: 'cart' }));
    expect(feedbackWeight({ item: 0, kind: 'cart' })).toBeGreaterThan(feedbackWeight({ item: 0, kind: 'view' }));
    expect(feedbackWeight({ item: 0, kind: 'rating', rating: 5 })).toBe(3);
    expect(feedbackWeight({ item: 0, kind: 'rating', rating: 1 })).toBe(1);
    expect(() => feedbackWeight({ item: 0, kind: 'rating', rating: 7 })).toThrow(/rating/);
  });

  it('merges repeated actions per item with a log2(1 + total) confidence, rows ascending', () => {
    const merged = aggregateFeedback([{ item: 4, kind: 'view' }, { item: 1, kind: 'order' }, { item: 4, kind: 'cart' }], 10);
    expect(merged).toEqual([{ item: 1, weight: Math.log2(5) }, { item: 4, weight: 2 }]);
    expect(() => aggregateFeedback([{ item: 10, kind: 'view' }], 10)).toThrow(/catalogue row/);
  });
});

describe('MF layout, scores and updates', () => {
  it('round-trips the blob header and splits the flat vector as [embeddings, bias]', () => {
    const shape = { nItems: 3, dim: 2 };
    expect(mfShapeFromSpecs(mfTensorSpecs(shape))).toEqual(shape);
    expect(mfParameterLength(shape)).toBe(9);
    expect(() => mfShapeFromSpecs([{ name: 'weights', shape: [3, 2] }])).toThrow(/item_embeddings, item_bias/);
    expect(() => checkMfShape({ nItems: 3, dim: 0 })).toThrow(/dim/);
    const flat = Float32Array.from([1, 0, 0, 1, 1, 1, 0.5, -0.5, 0]);
    const { itemEmbeddings, itemBias } = splitMfParameters(shape, flat);
    expect(Array.from(itemEmbeddings)).toEqual([1, 0, 0, 1, 1, 1]);
    expect(Array.from(itemBias)).toEqual([0.5, -0.5, 0]);
    // u = (2, 1): scores 2 + 0.5, 1 − 0.5, 3 + 0.
    const scores = scoreAll(Float32Array.from([2, 1]), flat, shape);
    expect(Array.from(scores)).toEqual([2.5, 0.5, 3]);
    expect(topK(scores, 2)).toEqual([2, 0]);
    expect(topK(scores, 2, new Set([2]))).toEqual([0, 1]);
  });

  it('computes the dense delta and its norm, refusing mismatched layouts', () => {
    const update = computeUpdate(Float32Array.from([1, 2, 3]), Float32Array.from([1, 5, -1]));
    expect(Array.from(update)).toEqual([0, 3, -4]);
    expect(l2Norm(update)).toBe(5);
    expect(() => computeUpdate(new Float32Array(2), new Float32Array(3))).toThrow(/same length/);
  });
});
