/**
 * Validation of one raw event, in one place. Everything the page hands over is `unknown` until it
 * passes here; what comes out is a normalised ValidEvent or a list of field-level errors, each
 * naming the field, the rule it broke and a sentence for a developer.
 *
 * Hostile input is expected: wrong types, NaN/Infinity, huge strings, cyclic or deep objects,
 * throwing getters, unknown event names. Only known fields are read (never a generic walk), so a
 * cycle or a deep object elsewhere in `properties` costs nothing and cannot hang validation.
 */
import type { FieldError } from '../protocol/engine-api.js';
import type { OrderEvent, ProductInteractionName, ProductRef, ValidEvent } from './event.js';
import { isEventName, type EventName } from './names.js';
import { MAX_PRICE, normaliseCategories, normalisePrice, normaliseQuery, queryTerms } from './normalise.js';

/** Length caps on strings, in UTF-16 code units. A longer value is an error, not silently cut. */
export const STRING_LIMITS = {
  eventId: 128,
  name: 64,
  path: 2048,
  productId: 256,
  orderId: 256,
  /** Raw category text before normalisation ("Movies/Sci-Fi|Action"). */
  category: 1024,
  /** Raw query text before normalisation. */
  query: 1024,
} as const;

/** Products listed in one order or list event. */
export const MAX_PRODUCTS_PER_EVENT = 200;
/** Items of one kind in one order line. */
export const MAX_QUANTITY = 10_000;
/** Engaged time of one event: a day is already implausible. */
export const MAX_ENGAGED_SECONDS = 86_400;
/** Checkout step numbers: a checkout has a handful of steps, a hundred is already a typo or an attack. */
export const MAX_CHECKOUT_STEP = 100;
/** Clock skew tolerated between the page and the engine. */
export const MAX_FUTURE_SKEW_MS = 24 * 3600 * 1000;

export type ValidationResult =
  | { readonly ok: true; readonly event: ValidEvent }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export interface ValidateOptions {
  /** The engine's clock, for the timestamp range check. */
  readonly now: number;
}

/** Collects errors for one event; `field` is a dotted path such as `properties.products[2].price`. */
class ErrorSink {
  readonly errors: FieldError[] = [];
  constructor(readonly eventId: string) {}
  add(field: string, rule: string, message: string): void {
    this.errors.push({ eventId: this.eventId, field, rule, message: `${field}: ${message}` });
  }
}

/** Own property of an object, or undefined; a throwing getter or Proxy trap counts as unreadable. */
function read(sink: ErrorSink, value: object, key: string, field: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  } catch {
    sink.add(field, 'readable', 'could not be read (a getter threw)');
    return undefined;
  }
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `a ${typeof value}`;
}

function stringField(
  sink: ErrorSink,
  value: unknown,
  field: string,
  maxLength: number,
  required: boolean,
): string | null {
  if (value === undefined || value === null) {
    if (required) sink.add(field, 'required', 'is required');
    return null;
  }
  if (typeof value !== 'string') {
    sink.add(field, 'type', `must be a string, got ${describe(value)}`);
    return null;
  }
  if (value.length > maxLength) {
    sink.add(field, 'max-length', `must be at most ${maxLength} characters, got ${value.length}`);
    return null;
  }
  if (required && value.trim().length === 0) {
    sink.add(field, 'non-empty', 'must not be empty');
    return null;
  }
  return value;
}

/** Ids may be strings or finite integers (many shops use numeric SKUs); both become strings. */
function idField(sink: ErrorSink, value: unknown, field: string, maxLength: number, required: boolean): string | null {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      sink.add(field, 'integer', `must be a string or a safe integer, got ${value}`);
      return null;
    }
    return String(value);
  }
  const text = stringField(sink, value, field, maxLength, required);
  return text === null ? null : text.trim();
}

function numberField(
  sink: ErrorSink,
  value: unknown,
  field: string,
  range: { min: number; max: number; integer?: boolean },
  required: boolean,
): number | null {
  if (value === undefined || value === null) {
    if (required) sink.add(field, 'required', 'is required');
    return null;
  }
  if (typeof value !== 'number') {
    sink.add(field, 'type', `must be a number, got ${describe(value)}`);
    return null;
  }
  if (!Number.isFinite(value)) {
    sink.add(field, 'finite', `must be a finite number, got ${value}`);
    return null;
  }
  if (range.integer === true && !Number.isInteger(value)) {
    sink.add(field, 'integer', `must be an integer, got ${value}`);
    return null;
  }
  if (value < range.min || value > range.max) {
    sink.add(field, 'range', `must be between ${range.min} and ${range.max}, got ${value}`);
    return null;
  }
  return value;
}

function categoriesField(sink: ErrorSink, value: unknown, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    if (value.length > 64) {
      sink.add(field, 'max-items', `must list at most 64 categories, got ${value.length}`);
      return null;
    }
    const texts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const text = stringField(sink, value[i], `${field}[${i}]`, STRING_LIMITS.category, false);
      if (text !== null) texts.push(text);
    }
    return normaliseCategories(texts);
  }
  const text = stringField(sink, value, field, STRING_LIMITS.category, false);
  return text === null ? null : normaliseCategories(text);
}

function productRef(sink: ErrorSink, value: unknown, field: string): ProductRef | null {
  if (!isPlainObject(value)) {
    sink.add(field, 'plain-object', `must be a plain object, got ${describe(value)}`);
    return null;
  }
  const before = sink.errors.length;
  const productId = idField(sink, read(sink, value, 'product_id', `${field}.product_id`), `${field}.product_id`, STRING_LIMITS.productId, true);
  const categories = categoriesField(sink, read(sink, value, 'category', `${field}.category`), `${field}.category`);
  const price = numberField(sink, read(sink, value, 'price', `${field}.price`), `${field}.price`, { min: 0, max: MAX_PRICE }, false);
  const quantity = numberField(
    sink,
    read(sink, value, 'quantity', `${field}.quantity`),
    `${field}.quantity`,
    { min: 1, max: MAX_QUANTITY, integer: true },
    false,
  );
  if (sink.errors.length > before || productId === null) return null;
  return {
    productId,
    categories: categories !== null && categories.length > 0 ? categories : null,
    price: price === null ? null : normalisePrice(price),
    quantity: quantity ?? 1,
  };
}

function productsField(sink: ErrorSink, value: unknown, field: string, required: boolean): ProductRef[] {
  if (value === undefined || value === null) {
    if (required) sink.add(field, 'required', 'is required');
    return [];
  }
  if (!Array.isArray(value)) {
    sink.add(field, 'type', `must be an array, got ${describe(value)}`);
    return [];
  }
  if (value.length > MAX_PRODUCTS_PER_EVENT) {
    sink.add(field, 'max-items', `must list at most ${MAX_PRODUCTS_PER_EVENT} products, got ${value.length}`);
    return [];
  }
  const out: ProductRef[] = [];
  for (let i = 0; i < value.length; i++) {
    const ref = productRef(sink, value[i], `${field}[${i}]`);
    if (ref !== null) out.push(ref);
  }
  return out;
}

function orderRevenue(products: readonly ProductRef[], total: number | null): number {
  if (total !== null) return normalisePrice(total);
  let sum = 0;
  for (const p of products) sum += (p.price ?? 0) * p.quantity;
  return normalisePrice(sum);
}

/**
 * Validates and normalises one raw event. Unknown properties are ignored (Segment allows custom
 * properties); known ones must have the spec's type and a sane range.
 *
 * @example
 * const result = validateEvent({ id: 'e1', name: 'Product Viewed', timestamp: Date.now(),
 *   properties: { product_id: '42', category: 'Sci-Fi', price: 9.99 } }, { now: Date.now() });
 * if (!result.ok) console.log(result.errors[0].field, result.errors[0].rule);
 */
export function validateEvent(raw: unknown, options: ValidateOptions): ValidationResult {
  if (!isPlainObject(raw)) {
    const sink = new ErrorSink('');
    sink.add('event', 'plain-object', `must be a plain object, got ${describe(raw)}`);
    return { ok: false, errors: sink.errors };
  }
  const probe = new ErrorSink('');
  const rawId = read(probe, raw, 'id', 'id');
  const sink = new ErrorSink(typeof rawId === 'string' ? rawId.slice(0, STRING_LIMITS.eventId) : '');
  sink.errors.push(...probe.errors);
  const id = stringField(sink, rawId, 'id', STRING_LIMITS.eventId, true);

  const rawName = read(sink, raw, 'name', 'name');
  let name: EventName | null = null;
  const nameText = stringField(sink, rawName, 'name', STRING_LIMITS.name, true);
  if (nameText !== null) {
    if (isEventName(nameText)) name = nameText;
    else sink.add('name', 'known-event', `"${nameText}" is not an event Inkling knows (Segment V2 e-commerce names)`);
  }

  const at = numberField(
    sink,
    read(sink, raw, 'timestamp', 'timestamp'),
    'timestamp',
    { min: 0, max: options.now + MAX_FUTURE_SKEW_MS },
    true,
  );
  const path = stringField(sink, read(sink, raw, 'path', 'path'), 'path', STRING_LIMITS.path, false);

  const rawProperties = read(sink, raw, 'properties', 'properties');
  let properties: object = {};
  if (rawProperties !== undefined && rawProperties !== null) {
    if (isPlainObject(rawProperties)) properties = rawProperties;
    else sink.add('properties', 'plain-object', `must be a plain object, got ${describe(rawProperties)}`);
  }
  if (id === null || name === null || at === null || sink.errors.length > 0) return { ok: false, errors: sink.errors };

  const base = { id, at, path };
  const event = validateByName(sink, name, base, properties);
  if (event === null || sink.errors.length > 0) return { ok: false, errors: sink.errors };
  return { ok: true, event };
}

function prop(sink: ErrorSink, properties: object, key: string): unknown {
  return read(sink, properties, key, `properties.${key}`);
}

function orderIdField(sink: ErrorSink, properties: object): string | null {
  return idField(sink, prop(sink, properties, 'order_id'), 'properties.order_id', STRING_LIMITS.orderId, false);
}

function validateByName(
  sink: ErrorSink,
  name: EventName,
  base: { id: string; at: number; path: string | null },
  properties: object,
): ValidEvent | null {
  switch (name) {
    case 'Product Viewed':
    case 'Product Clicked':
    case 'Product Added':
    case 'Product Removed':
    case 'Product Added to Wishlist':
    case 'Product Removed from Wishlist':
    case 'Wishlist Product Added to Cart':
    case 'Product Shared': {
      const product = productRef(sink, properties, 'properties');
      const interaction: ProductInteractionName = name;
      return product === null ? null : { ...base, name: interaction, product };
    }
    case 'Product Reviewed': {
      const product = productRef(sink, properties, 'properties');
      const rating = numberField(sink, prop(sink, properties, 'rating'), 'properties.rating', { min: 0, max: 5 }, true);
      return product === null || rating === null ? null : { ...base, name, product, rating };
    }
    case 'Product Engaged': {
      const product = productRef(sink, properties, 'properties');
      const seconds = numberField(
        sink,
        prop(sink, properties, 'seconds'),
        'properties.seconds',
        { min: 0, max: MAX_ENGAGED_SECONDS },
        true,
      );
      return product === null || seconds === null ? null : { ...base, name, product, seconds };
    }
    case 'Products Searched': {
      const text = stringField(sink, prop(sink, properties, 'query'), 'properties.query', STRING_LIMITS.query, true);
      if (text === null) return null;
      const query = normaliseQuery(text);
      return { ...base, name, query, terms: queryTerms(query) };
    }
    case 'Product List Viewed':
    case 'Product List Filtered': {
      const categories = categoriesField(sink, prop(sink, properties, 'category'), 'properties.category') ?? [];
      const products = productsField(sink, prop(sink, properties, 'products'), 'properties.products', false);
      return { ...base, name, categories, products };
    }
    case 'Cart Viewed':
    case 'Cart Shared':
    case 'Checkout Started':
    case 'Order Updated':
    case 'Order Completed':
    case 'Order Refunded':
    case 'Order Cancelled': {
      const orderId = orderIdField(sink, properties);
      // A completed order without lines says nothing about what was bought; the others may omit
      // them (a refund of the whole order, a cart view the site sends bare).
      const products = productsField(sink, prop(sink, properties, 'products'), 'properties.products', name === 'Order Completed');
      // Orders send `revenue`, refunds and cancellations `total`: an error names the one sent.
      const revenue = prop(sink, properties, 'revenue');
      const totalKey = revenue === undefined || revenue === null ? 'total' : 'revenue';
      const rawTotal = totalKey === 'revenue' ? revenue : prop(sink, properties, 'total');
      const total = numberField(sink, rawTotal, `properties.${totalKey}`, { min: 0, max: MAX_PRICE }, false);
      const order: OrderEvent = { ...base, name, orderId, products, revenue: orderRevenue(products, total) };
      return order;
    }
    case 'Checkout Step Viewed':
    case 'Checkout Step Completed':
    case 'Payment Info Entered': {
      const orderId = orderIdField(sink, properties);
      const step = numberField(sink, prop(sink, properties, 'step'), 'properties.step', { min: 1, max: MAX_CHECKOUT_STEP, integer: true }, false);
      return { ...base, name, orderId, step };
    }
    case 'Coupon Entered':
    case 'Coupon Applied':
    case 'Coupon Denied':
    case 'Coupon Removed':
      return { ...base, name, orderId: orderIdField(sink, properties), step: null };
    // Promotions carry no property the features read (promotion id, creative, position).
    case 'Promotion Viewed':
    case 'Promotion Clicked':
      return { ...base, name, orderId: null, step: null };
    case 'Page Viewed': {
      const categories = categoriesField(sink, prop(sink, properties, 'category'), 'properties.category') ?? [];
      return { ...base, name, categories };
    }
    default: {
      const unhandled: never = name;
      throw new TypeError(`unhandled event name ${String(unhandled)}`);
    }
  }
}
