import { describe, expect, it } from 'vitest';
import { addKeywords, emptyKeywords, hashTerm, KEYWORD_HASH_DIM, KEYWORD_TERMS_KEPT, keywordVector, topKeywords } from './keywords.js';

const H = 86_400_000;

describe('keywords', () => {
  it('hashes terms into a fixed-size signed vector and keeps top terms in clear text', () => {
    const state = emptyKeywords();
    addKeywords(state, ['matrix', 'reloaded'], 1, 0, H);
    addKeywords(state, ['matrix'], 1, 0, H);
    const vector = keywordVector(state, 0, H);
    expect(vector).toHaveLength(KEYWORD_HASH_DIM);
    const { bucket, sign } = hashTerm('matrix');
    expect(vector[bucket]).toBeCloseTo(sign * 2 + (hashTerm('reloaded').bucket === bucket ? hashTerm('reloaded').sign : 0), 6);
    expect(topKeywords(state, H, H, 5)).toEqual([{ term: 'matrix', weight: 1 }, { term: 'reloaded', weight: 0.5 }]);
  });

  it('keeps at most KEYWORD_TERMS_KEPT terms, evicting the weakest', () => {
    const state = emptyKeywords();
    addKeywords(state, ['strong'], 5, 0, H);
    for (let i = 0; i < KEYWORD_TERMS_KEPT + 10; i++) addKeywords(state, [`t${i}`], 1, i, H);
    expect(Object.keys(state.terms)).toHaveLength(KEYWORD_TERMS_KEPT);
    expect(state.terms['strong']).toBeDefined();
  });
});
