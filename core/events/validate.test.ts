import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, type EventName } from './names.js';
import { validateEvent, STRING_LIMITS, MAX_PRODUCTS_PER_EVENT } from './validate.js';

const now = Date.UTC(2026, 10, 23);
const ok = (raw: unknown) => {
  const result = validateEvent(raw, { now });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.event;
};
const errorsOf = (raw: unknown) => {
  const result = validateEvent(raw, { now });
  if (result.ok) throw new Error('expected errors');
  return result.errors.map((e) => `${e.field}:${e.rule}`);
};
const event = (name: string, properties: unknown, extra: object = {}) => ({ id: 'e1', name, timestamp: now, properties, ...extra });

const line = { product_id: 'p1', category: 'Garden', price: 4, quantity: 2 };
const order = { order_id: 'o1', products: [line] };
/** A payload each event name accepts, as the Segment V2 spec shows it; a Record, so a new name needs one. */
const VALID: Record<EventName, object> = {
  'Products Searched': { query: 'blue shoes' },
  'Product List Viewed': { list_id: 'l1', category: 'Garden', products: [line] },
  'Product List Filtered': { list_id: 'l1', category: 'Garden', filters: [{ type: 'size', value: 'L' }], sorts: [], products: [line] },
  'Promotion Viewed': { promotion_id: 'promo_1', creative: 'top_banner', name: 'Summer', position: 'home_top' },
  'Promotion Clicked': { promotion_id: 'promo_1' },
  'Product Clicked': line,
  'Product Viewed': line,
  'Product Added': { ...line, cart_id: 'c1' },
  'Product Removed': line,
  'Cart Viewed': { cart_id: 'c1', products: [line] },
  'Checkout Started': { ...order, revenue: 8 },
  'Checkout Step Viewed': { checkout_id: 'k1', step: 2, shipping_method: 'Fedex' },
  'Checkout Step Completed': { checkout_id: 'k1', step: 2 },
  'Payment Info Entered': { checkout_id: 'k1', order_id: 'o1', step: 3, payment_method: 'Visa' },
  'Order Updated': { ...order, total: 8 },
  'Order Completed': { ...order, total: 8 },
  'Order Refunded': { order_id: 'o1', total: 8, currency: 'USD' },
  'Order Cancelled': { ...order, total: 8 },
  'Coupon Entered': { order_id: 'o1', cart_id: 'c1', coupon_id: 'SAVE10' },
  'Coupon Applied': { order_id: 'o1', coupon_id: 'SAVE10', discount: 1 },
  'Coupon Denied': { order_id: 'o1', coupon: 'OLD', reason: 'expired' },
  'Coupon Removed': { order_id: 'o1', coupon_id: 'SAVE10' },
  'Product Added to Wishlist': { ...line, wishlist_id: 'w1', wishlist_name: 'Later' },
  'Product Removed from Wishlist': { ...line, wishlist_id: 'w1' },
  'Wishlist Product Added to Cart': { ...line, wishlist_id: 'w1', cart_id: 'c1' },
  'Product Shared': { ...line, share_via: 'email', recipient: 'friend@example.com' },
  'Cart Shared': { cart_id: 'c1', share_via: 'email', products: [line] },
  'Product Reviewed': { ...line, rating: 4, review_body: 'Good' },
  'Page Viewed': { category: 'Garden' },
  'Product Engaged': { ...line, seconds: 40 },
};

describe('validateEvent', () => {
  it('normalises a product view: category path, price to cents, numeric id to string', () => {
    const e = ok(event('Product Viewed', { product_id: 42, category: ' Movies > Sci-Fi |Action', price: 9.999 }));
    expect(e).toMatchObject({ name: 'Product Viewed', id: 'e1', at: now });
    if (e.name !== 'Product Viewed') throw new Error('narrowing');
    expect(e.product).toEqual({ productId: '42', categories: ['Movies/Sci-Fi', 'Action'], price: 10, quantity: 1 });
  });

  it('names field and rule for wrong types and non-finite prices', () => {
    expect(errorsOf(event('Product Viewed', { product_id: '1', price: Number.NaN }))).toEqual(['properties.price:finite']);
    expect(errorsOf(event('Product Viewed', { product_id: '1', price: Infinity }))).toEqual(['properties.price:finite']);
    expect(errorsOf(event('Product Viewed', { product_id: '1', price: '9.99' }))).toEqual(['properties.price:type']);
    expect(errorsOf(event('Product Viewed', { product_id: '1', price: -1 }))).toEqual(['properties.price:range']);
    expect(errorsOf(event('Product Viewed', { price: 1 }))).toEqual(['properties.product_id:required']);
    expect(errorsOf(event('Product Added', { product_id: '1', quantity: 1.5 }))).toEqual(['properties.quantity:integer']);
    expect(errorsOf(event('Product Reviewed', { product_id: '1', rating: 7 }))).toEqual(['properties.rating:range']);
  });

  it('rejects unknown event names, bad ids and timestamps, with a message naming the field', () => {
    const result = validateEvent({ id: 7, name: 'Hack', timestamp: Number.NaN }, { now });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.field}:${e.rule}`)).toEqual(['id:type', 'name:known-event', 'timestamp:finite']);
    expect(result.errors[1]?.message).toMatch(/^name: "Hack" is not an event/);
    expect(errorsOf(event('Product Viewed', { product_id: '1' }, { timestamp: now + 2 * 86_400_000 }))).toEqual(['timestamp:range']);
  });

  it('caps huge strings instead of storing them', () => {
    const huge = 'x'.repeat(1_000_000);
    expect(errorsOf(event('Product Viewed', { product_id: huge }))).toEqual(['properties.product_id:max-length']);
    expect(errorsOf(event('Products Searched', { query: huge }))).toEqual(['properties.query:max-length']);
    expect(errorsOf({ ...event('Page Viewed', {}), id: huge })).toContain('id:max-length');
    expect(STRING_LIMITS.productId).toBeLessThan(1000);
  });

  it('survives cyclic and deep objects, throwing getters and non-objects', () => {
    const cyclic: Record<string, unknown> = { product_id: 'p' };
    cyclic['self'] = cyclic;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    expect(ok(event('Product Viewed', { ...cyclic, deep })).name).toBe('Product Viewed');
    const trap = { get product_id(): string { throw new Error('boom'); } };
    expect(errorsOf(event('Product Viewed', trap))).toContain('properties.product_id:readable');
    expect(errorsOf(null)).toEqual(['event:plain-object']);
    expect(errorsOf(event('Product Viewed', [1, 2]))).toEqual(['properties:plain-object']);
    expect(errorsOf(event('Order Completed', { products: [cyclic, cyclic, 'x'] }))).toEqual(['properties.products[2]:plain-object']);
  });

  it('validates order lines and sums revenue when no total is given', () => {
    const e = ok(event('Order Completed', { order_id: 'o1', products: [{ product_id: 'a', price: 2.5, quantity: 2 }, { product_id: 'b', price: 1 }] }));
    if (e.name !== 'Order Completed') throw new Error('narrowing');
    expect(e.revenue).toBe(6);
    expect(e.orderId).toBe('o1');
    expect(errorsOf(event('Order Completed', { products: [{ product_id: 'a', price: Number.NaN }] }))).toEqual(['properties.products[0].price:finite']);
    const many = Array.from({ length: MAX_PRODUCTS_PER_EVENT + 1 }, (_, i) => ({ product_id: String(i) }));
    expect(errorsOf(event('Order Completed', { products: many }))).toEqual(['properties.products:max-items']);
  });

  it('accepts every Segment V2 e-commerce name with a valid payload', () => {
    for (const name of EVENT_NAMES) expect(ok(event(name, VALID[name])).name).toBe(name);
    expect(ok(event('Product Added to Wishlist', VALID['Product Added to Wishlist']))).toMatchObject({
      product: { productId: 'p1', categories: ['Garden'], price: 4, quantity: 2 },
    });
    expect(ok(event('Payment Info Entered', { order_id: 7, step: 3 }))).toMatchObject({ orderId: '7', step: 3 });
    expect(ok(event('Checkout Step Viewed', {}))).toMatchObject({ orderId: null, step: null });
    // A refund's amount is its total; a bare one (the whole order) takes back no spend it cannot name.
    expect(ok(event('Order Refunded', VALID['Order Refunded']))).toMatchObject({ orderId: 'o1', products: [], revenue: 8 });
    expect(ok(event('Order Cancelled', { order_id: 'o1', products: [line] }))).toMatchObject({ revenue: 8 });
    // Promotion and coupon details are not read, so custom or odd values there cannot reject the event.
    expect(ok(event('Promotion Clicked', { promotion_id: { nested: true }, position: Number.NaN })).name).toBe('Promotion Clicked');
  });

  it('names the field and rule of bad payloads of the newer events', () => {
    expect(errorsOf(event('Product Added to Wishlist', { price: 3 }))).toEqual(['properties.product_id:required']);
    expect(errorsOf(event('Product Shared', { product_id: 'p', price: Number.NaN }))).toEqual(['properties.price:finite']);
    expect(errorsOf(event('Wishlist Product Added to Cart', { product_id: 'p', quantity: 0 }))).toEqual(['properties.quantity:range']);
    expect(errorsOf(event('Checkout Step Viewed', { step: 0 }))).toEqual(['properties.step:range']);
    expect(errorsOf(event('Checkout Step Completed', { step: 1.5 }))).toEqual(['properties.step:integer']);
    expect(errorsOf(event('Payment Info Entered', { step: '2' }))).toEqual(['properties.step:type']);
    expect(errorsOf(event('Coupon Applied', { order_id: 1.5 }))).toEqual(['properties.order_id:integer']);
    expect(errorsOf(event('Order Refunded', { order_id: 'o1', total: -8 }))).toEqual(['properties.total:range']);
    expect(errorsOf(event('Order Cancelled', { revenue: 'lots' }))).toEqual(['properties.revenue:type']);
    expect(errorsOf(event('Cart Viewed', { products: [{ price: 1 }] }))).toEqual(['properties.products[0].product_id:required']);
    expect(errorsOf(event('Cart Shared', { products: 'all' }))).toEqual(['properties.products:type']);
    expect(errorsOf(event('Product List Filtered', { category: 5 }))).toEqual(['properties.category:type']);
    const result = validateEvent(event('Checkout Step Viewed', { step: 0 }), { now });
    expect(result.ok ? '' : result.errors[0]?.message).toBe('properties.step: must be between 1 and 100, got 0');
  });

  it('normalises search text and extracts terms', () => {
    const e = ok(event('Products Searched', { query: '  The   MATRIX\u0000 Reloaded ' }));
    if (e.name !== 'Products Searched') throw new Error('narrowing');
    expect(e.query).toBe('the matrix reloaded');
    expect(e.terms).toEqual(['matrix', 'reloaded']);
  });
});
