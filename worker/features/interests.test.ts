import { describe, expect, it } from 'vitest';
import { addInterest, interestShares, pruneInterests, type InterestTable } from './interests.js';

const MIN = 60_000;
const halfLives = { shortMs: MIN, longMs: 365 * 86_400_000 };

describe('interests', () => {
  it('splits an item’s weight over its categories and reports shares', () => {
    const table: InterestTable = {};
    addInterest(table, ['A', 'B'], 1, 0, halfLives);
    addInterest(table, ['A'], 1, 0, halfLives);
    const shares = interestShares(table, 0, halfLives, 0.5);
    expect(shares.map((s) => [s.category, s.shortTerm])).toEqual([['A', 0.75], ['B', 0.25]]);
  });

  it('drifts: after switching from A to B the short term follows B first, the long term later', () => {
    const table: InterestTable = {};
    let t = 0;
    for (let i = 0; i < 10; i++) addInterest(table, ['A'], 1, (t += 30_000), halfLives);
    for (let i = 0; i < 3; i++) addInterest(table, ['B'], 1, (t += 30_000), halfLives);
    const shares = Object.fromEntries(interestShares(table, t, halfLives, 0.5).map((s) => [s.category, s]));
    expect(shares['B']!.shortTerm).toBeGreaterThan(shares['A']!.shortTerm);
    expect(shares['A']!.longTerm).toBeGreaterThan(shares['B']!.longTerm);
    for (let i = 0; i < 20; i++) addInterest(table, ['B'], 1, (t += 30_000), halfLives);
    const later = Object.fromEntries(interestShares(table, t, halfLives, 0.5).map((s) => [s.category, s]));
    expect(later['B']!.longTerm).toBeGreaterThan(later['A']!.longTerm);
  });

  it('keeps short-term shares exact and ordered after any silence (18 h at a 1-minute half-life is 2^−1080)', () => {
    const table: InterestTable = {};
    addInterest(table, ['A'], 1, 0, halfLives);
    addInterest(table, ['B'], 1, MIN, halfLives);
    addInterest(table, ['B'], 1, MIN, halfLives);
    for (const silence of [0, 18 * 60 * MIN, 30 * 86_400_000]) {
      const shares = interestShares(table, MIN + silence, halfLives, 0.5);
      // B: 2 at t = 1 min; A: 1 at t = 0, i.e. ½ as of 1 min. Short-term shares 4/5 and 1/5 whenever read.
      expect(shares.map((s) => s.category)).toEqual(['B', 'A']);
      expect(shares[0]!.shortTerm).toBeCloseTo(0.8, 12);
      expect(shares[1]!.shortTerm).toBeCloseTo(0.2, 12);
    }
  });

  it('floors negative interest at zero and prunes what has faded', () => {
    const table: InterestTable = {};
    addInterest(table, ['A'], 1, 0, halfLives);
    addInterest(table, ['B'], -1, 0, halfLives);
    expect(interestShares(table, 0, halfLives, 0.5).map((s) => s.category)).toEqual(['A']);
    pruneInterests(table, 1e15, { shortMs: MIN, longMs: MIN }, 1e-4);
    expect(Object.keys(table)).toEqual([]);
  });
});
