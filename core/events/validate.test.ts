import { describe, expect, it } from 'vitest';
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

  it('normalises search text and extracts terms', () => {
    const e = ok(event('Products Searched', { query: '  The   MATRIX\u0000 Reloaded ' }));
    if (e.name !== 'Products Searched') throw new Error('narrowing');
    expect(e.query).toBe('the matrix reloaded');
    expect(e.terms).toEqual(['matrix', 'reloaded']);
  });
});
