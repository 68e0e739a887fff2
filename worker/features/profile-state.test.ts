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

  it('a refunded or cancelled order does not count as a purchase: frequency, spend and the item are taken back', () => {
    const bought = (id: string, at: number, p: ReturnType<typeof product>, revenue: number): ValidEvent =>
      ({ id, at, path: null, name: 'Order Completed', orderId: id, products: [p], revenue });
    const { state, items } = run([
      bought('o1', 0, product('b', ['Drama'], 5), 5),
      { id: 'r1', at: 1, path: null, name: 'Order Refunded', orderId: 'o1', products: [product('b')], revenue: 5 },
    ]);
    expect(state.activity.orders?.v).toBe(0);
    expect(state.activity.spend?.v).toBe(0);
    expect(items.get('b')?.purchases).toBe(0);
    // Cancelling one of two orders leaves the other.
    const two = run([
      bought('o1', 0, product('a', ['Drama'], 3), 3),
      bought('o2', 0, product('b', ['Drama'], 5), 5),
      { id: 'c2', at: 0, path: null, name: 'Order Cancelled', orderId: 'o2', products: [product('b')], revenue: 5 },
    ]);
    expect(two.state.activity.orders?.v).toBe(1);
    expect(two.state.activity.spend?.v).toBe(3);
    expect(two.items.get('a')?.purchases).toBe(1);
    expect(two.items.get('b')?.purchases).toBe(0);
    // A refund of an order Inkling never saw takes back what there is, never below zero.
    const unknown = run([
      bought('o1', 0, product('a', ['Drama'], 3), 3),
      { id: 'r9', at: 0, path: null, name: 'Order Refunded', orderId: 'o9', products: [product('z')], revenue: 50 },
    ]);
    expect(unknown.state.activity.orders?.v).toBe(0);
    expect(unknown.state.activity.spend?.v).toBe(0);
    expect(unknown.items.get('z')?.purchases).toBe(0);
  });

  it('wishlists, shares, cart views, checkout steps and coupons each change what they should', () => {
    const minute = 60_000;
    const { state, items } = run([
      { id: '1', at: 0, path: null, name: 'Product Added to Wishlist', product: product('w', ['Garden']) },
      { id: '2', at: 0, path: null, name: 'Product Shared', product: product('s', ['Books']) },
      { id: '3', at: 0, path: null, name: 'Wishlist Product Added to Cart', product: product('w') },
      { id: '4', at: 0, path: null, name: 'Product Removed from Wishlist', product: product('w') },
      { id: '5', at: 5 * minute, path: null, name: 'Cart Viewed', orderId: null, products: [], revenue: 0 },
      { id: '6', at: 6 * minute, path: null, name: 'Checkout Step Viewed', orderId: null, step: 1 },
      { id: '7', at: 6 * minute, path: null, name: 'Payment Info Entered', orderId: 'o1', step: 2 },
      { id: '8', at: 6 * minute, path: null, name: 'Coupon Applied', orderId: 'o1', step: null },
      { id: '9', at: 6 * minute, path: null, name: 'Promotion Viewed', orderId: null, step: null },
    ]);
    // Wishlist 1.5 + cart add 2 on Garden (between a view's 1 and a cart add's 2 for the wishlist alone); a share 1.
    expect(state.interests['Garden']?.l).toBe(3.5);
    expect(state.interests['Books']?.l).toBe(1);
    expect(Object.keys(state.interests).sort()).toEqual(['Books', 'Garden']);
    expect(items.get('w')).toMatchObject({ adds: 1, inCart: true, categories: ['Garden'] });
    expect(state.activity.cart).toEqual(['w']);
    expect(state.activity.cartAddedAt['w']).toBe(5 * minute);
    expect(state.activity.checkouts?.v).toBe(2);
    expect(state.activity.orders).toBeUndefined();
    expect(state.eventsApplied).toBe(9);
  });

  it('a cart view puts its lines in the cart and refreshes them', () => {
    const { state, items } = run([
      { id: '1', at: 0, path: null, name: 'Product Added', product: product('a', ['Drama']) },
      { id: '2', at: 1000, path: null, name: 'Cart Viewed', orderId: null, products: [product('a'), product('b', ['Books'])], revenue: 0 },
    ]);
    expect(state.activity.cart).toEqual(['a', 'b']);
    expect(state.activity.cartAddedAt).toEqual({ a: 1000, b: 1000 });
    expect(items.get('b')).toMatchObject({ inCart: true, adds: 0, categories: ['Books'] });
    // A cart view is no new interest: Books has none, Drama only the add's.
    expect(state.interests['Books']).toBeUndefined();
    expect(state.interests['Drama']?.l).toBe(2);
  });

  it('revives a stored profile from an earlier build that lacks newer fields', () => {
    const old = { ...emptyProfile(), propensity: { weights: new Float32Array(9), updates: 3, version: 1 } };
    const revived = reviveProfile(JSON.parse(JSON.stringify({ ...old, propensity: { updates: 3, version: 1, examples: [] } })));
    expect(revived.propensity.examples.size).toBe(0);
    expect(revived.propensity.updates).toBe(3);
  });
});
