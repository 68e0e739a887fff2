import { describe, expect, it } from 'vitest';
import { CatalogIndex } from './catalog-index.js';
import type { InterestShare } from './features/interests.js';
import { recommend, type RecommendContext } from './recommend.js';

const index = new CatalogIndex([
  { id: 'a', categories: ['Movies/Sci-Fi'], popularity: 0.2, price: 5 },
  { id: 'b', categories: ['Movies/Sci-Fi', 'Movies/Action'], popularity: 0.9, price: 15 },
  { id: 'c', categories: ['Movies/Drama'], popularity: 0.5, price: 30 },
  { id: 'd', categories: ['Books/Sci-Fi'], popularity: 1 },
  { id: 'a', categories: ['duplicate id is ignored'] },
]);

const context = (interests: InterestShare[], extra: Partial<RecommendContext> = {}): RecommendContext => ({
  interests,
  shortTermWeight: 0.5,
  bought: new Set(),
  cart: new Map(),
  ...extra,
});

describe('CatalogIndex', () => {
  it('indexes categories, prefixes and price terciles', () => {
    expect(index.size).toBe(4);
    expect([...index.itemsUnderCategory('Movies')]).toEqual([0, 1, 2]);
    expect([...index.itemsUnderCategory('Movies/Sci-Fi')]).toEqual([0, 1]);
    expect(index.itemsUnderCategory('Nope')).toHaveLength(0);
    expect(index.priceBands).toEqual({ lowBelow: 15, highAbove: 30 });
  });
});

describe('recommend', () => {
  const sciFi: InterestShare[] = [{ category: 'Movies/Sci-Fi', shortTerm: 1, longTerm: 0.2 }, { category: 'Movies/Drama', shortTerm: 0, longTerm: 0.8 }];

  it('ranks by blended interest plus popularity and says why', () => {
    const recs = recommend(index, { k: 4 }, context(sciFi));
    // a: 0.6 + 0.15·0.2; b: 0.6/√2 + 0.15·0.9; c: 0.4 + 0.15·0.5; d: 0.15·1 (interest blend 0.5/0.5).
    expect(recs.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(recs.map((r) => r.score)).toEqual([0.6 + 0.03, 0.6 / Math.SQRT2 + 0.135, 0.4 + 0.075, 0.15].map((x) => expect.closeTo(x, 6)));
    expect(recs.map((r) => r.reason)).toEqual([
      'because you viewed Movies/Sci-Fi',
      'because you viewed Movies/Sci-Fi',
      'because you often look at Movies/Drama',
      'popular in the shop',
    ]);
    expect(recs[0]!.score).toBeGreaterThan(recs[1]!.score);
  });

  it('blends a trained next-event model\'s next-category probabilities into the category part', () => {
    // Interest blend: Sci-Fi 0.6, Drama 0.4; the model: Drama 0.9. Half and half: Sci-Fi 0.3, Drama 0.65:
    // c 0.65 + 0.15·0.5; b 0.3/√2 + 0.15·0.9; a 0.3 + 0.15·0.2 (Drama now leads; without the model a led).
    const recs = recommend(index, { k: 3 }, context(sciFi, { nextCategories: [{ category: 'Movies/Drama', probability: 0.9 }, { category: 'Unknown', probability: 0.1 }] }));
    expect(recs.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(recs[0]!.score).toBeCloseTo(0.65 + 0.075, 6);
  });

  it('excludes bought and excluded items, filters by category and candidates, respects k', () => {
    expect(recommend(index, { k: 10, exclude: ['c'] }, context(sciFi, { bought: new Set(['a']) })).map((r) => r.id)).toEqual(['b', 'd']);
    expect(recommend(index, { category: 'Movies/Sci-Fi' }, context(sciFi)).map((r) => r.id)).toEqual(['a', 'b']);
    expect(recommend(index, { candidates: ['d', 'c', 'zzz'] }, context(sciFi)).map((r) => r.id)).toEqual(['c', 'd']);
    expect(recommend(index, { candidates: ['d', 'c'], category: 'Books' }, context(sciFi)).map((r) => r.id)).toEqual(['d']);
    expect(recommend(index, { k: 1 }, context(sciFi))).toHaveLength(1);
  });

  it('nudges cart items and blends an extra scorer with its reason', () => {
    expect(recommend(index, { k: 1 }, context([], { cart: new Map([['c', 1]]) }))[0]).toMatchObject({ id: 'c', reason: 'because it is in your cart' });
    const extra = { scores: new Float32Array([0, 0, 0, 1]), weight: 2, reason: 'because people like you liked it' };
    expect(recommend(index, { k: 1 }, context(sciFi, { extra }))[0]).toMatchObject({ id: 'd', reason: 'because people like you liked it' });
  });

  it('rejects bad options with a RangeError naming the field', () => {
    expect(() => recommend(index, { k: 1.5 }, context([]))).toThrow(/^k: must be an integer/);
    expect(() => recommend(index, { k: 1000 }, context([]))).toThrow(RangeError);
    expect(() => recommend(index, JSON.parse('{"candidates":[1]}'), context([]))).toThrow(/^candidates\[0\]: /);
  });
});
