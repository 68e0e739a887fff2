import { describe, expect, it } from 'vitest';
import { emptyItem } from '../features/items.js';
import { interactionsFromItems } from './item-feedback.js';

describe('interactionsFromItems', () => {
  it('turns the engine’s item records into weighted rows, skipping items outside the model', () => {
    const rowOf = new Map([['m1', 0], ['m2', 1]]);
    const viewed = { ...emptyItem('m1'), views: 3 };
    const bought = { ...emptyItem('m2'), views: 1, adds: 1, purchases: 1, rating: 5 };
    const unknown = { ...emptyItem('not-in-model'), views: 9 };
    const untouched = emptyItem('m1-copy');
    const result = interactionsFromItems([viewed, bought, unknown, untouched], rowOf, 2);
    expect(result.map((r) => r.item)).toEqual([0, 1]);
    // m1: 3 views → log2(1 + 3) = 2; m2: view 1 + cart 2 + order 4 + 5★ rating 3 = 10 → log2(11).
    expect(result[0]!.weight).toBeCloseTo(2, 12);
    expect(result[1]!.weight).toBeCloseTo(Math.log2(11), 12);
  });
});
