import { describe, expect, it } from 'vitest';
import type { ValidEvent } from '../../core/events/event.js';
import { applyBatch, emptyProfile, ItemDrafts, reviveProfile } from './profile-state.js';

const halfLives = { shortMs: 60_000, longMs: 365 * 86_400_000 };
const product = (productId: string, categories: string[] | null = null, price: number | null = null) => ({ productId, categories, price, quantity: 1 });

function run(events: ValidEvent[], catalog: Record<string, string[]> = {}) {
  const state = emptyProfile();
  const drafts = new ItemDrafts(() => undefined);
  applyBatch(state, events, { halfLives, catalogCategories: (id) => catalog[id], item: drafts.get });
  return { state, items: drafts.touched };
}

describe('applyBatch', () => {
  it('takes categories from the event, else from the catalogue, and records items', () => {
    const { state, items } = run(
      [
        { id: '1', at: 0, path: null, name: 'Product Viewed', product: product('a', ['Sci-Fi'], 9.99) },
        { id: '2', at: 1, path: null, name: 'Product Added', product: product('b') },
        { id: '3', at: 2, path: null, name: 'Product Engaged', product: product('a'), seconds: 90 },
        { id: '4', at: 3, path: null, name: 'Products Searched', query: 'space opera', terms: ['space', 'opera'] },
      ],
      { b: ['Drama'] },
    );
    expect(Object.keys(state.interests).sort()).toEqual(['Drama', 'Sci-Fi']);
    expect(items.get('a')).toMatchObject({ views: 1, price: 9.99, engagedSeconds: 90, categories: ['Sci-Fi'] });
    expect(items.get('b')).toMatchObject({ adds: 1, inCart: true, categories: ['Drama'] });
    expect(state.activity.cart).toEqual(['b']);
    expect(Object.keys(state.keywords.terms)).toEqual(['space', 'opera']);
    expect(state.eventsApplied).toBe(4);
  });

  it('an order empties the cart, counts the purchase and the spend', () => {
    const { state, items } = run([
      { id: '1', at: 0, path: null, name: 'Product Added', product: product('b', ['Drama'], 5) },
      { id: '2', at: 1, path: null, name: 'Order Completed', orderId: 'o', products: [product('b', null, 5)], revenue: 5 },
    ]);
    expect(state.activity.cart).toEqual([]);
    expect(items.get('b')).toMatchObject({ purchases: 1, inCart: false });
    expect(state.activity.spend?.v).toBe(5);
  });

  it('revives a stored profile from an earlier build that lacks newer fields', () => {
    const old = { ...emptyProfile(), propensity: { weights: new Float32Array(9), updates: 3, version: 1 } };
    const revived = reviveProfile(JSON.parse(JSON.stringify({ ...old, propensity: { updates: 3, version: 1, examples: [] } })));
    expect(revived.propensity.examples.size).toBe(0);
    expect(revived.propensity.updates).toBe(3);
  });
});
