/**
 * Recency, frequency and monetary figures, price band and engaged time. Frequency and monetary
 * value decay with the long half-life (a purchase two years ago says little about today); the
 * price band is a decayed average of the prices the visitor looked at.
 */
import { addDecayed, readDecayed, type Decayed } from './decay.js';

export interface ActivityState {
  firstSeenAt: number | null;
  lastEventAt: number | null;
  lastPurchaseAt: number | null;
  /** Decayed count of orders. */
  orders: Decayed | undefined;
  /** Decayed revenue of orders. */
  spend: Decayed | undefined;
  /** Decayed count of product views, all time. */
  views: Decayed | undefined;
  /** Decayed sum of viewed prices and the decayed count of priced views, for the average. */
  priceSum: Decayed | undefined;
  priceCount: Decayed | undefined;
  /**
   * Short-term (session-scale) decayed counts of all events, searches and checkout activity
   * (checkouts started, their steps, payment info entered), for the propensity model.
   */
  session: Decayed | undefined;
  searches: Decayed | undefined;
  checkouts: Decayed | undefined;
  /** Seconds on product pages while visible and focused (not decayed: it is a fact shown to the visitor). */
  engagedSeconds: number;
  /** Product ids now in the cart (added, not removed, not yet bought), oldest first. */
  cart: string[];
  /** When each cart item was last added (absent in profiles stored before carts aged out: read as lastEventAt). */
  cartAddedAt: Record<string, number>;
}

/**
 * Carts age out. Most carts are abandoned without a `Product Removed` (sites rarely send one when a
 * session simply ends), so an item left in the cart stays "in the cart" only for the usual
 * abandoned-cart window, and its pull on recommend() halves every day meanwhile: a cart from last
 * week must not take the first slot for ever.
 */
export const CART_MAX_AGE_MS = 3 * 86_400_000;
export const CART_NUDGE_HALF_LIFE_MS = 86_400_000;

/** The cart at `now`: each item younger than CART_MAX_AGE_MS with its nudge weight 2^(−age / 1 day), in (0, 1]. */
export function cartAt(state: ActivityState, now: number): Map<string, number> {
  const fresh = new Map<string, number>();
  for (const id of state.cart) {
    const added = state.cartAddedAt?.[id] ?? state.lastEventAt ?? now;
    const age = Math.max(0, now - added);
    if (age < CART_MAX_AGE_MS) fresh.set(id, Math.pow(2, -age / CART_NUDGE_HALF_LIFE_MS));
  }
  return fresh;
}

export function emptyActivity(): ActivityState {
  return {
    firstSeenAt: null,
    lastEventAt: null,
    lastPurchaseAt: null,
    orders: undefined,
    spend: undefined,
    views: undefined,
    priceSum: undefined,
    priceCount: undefined,
    session: undefined,
    searches: undefined,
    checkouts: undefined,
    engagedSeconds: 0,
    cart: [],
    cartAddedAt: {},
  };
}

export function touch(state: ActivityState, at: number, shortHalfLifeMs: number): void {
  state.session = addDecayed(state.session, 1, at, shortHalfLifeMs);
  if (state.firstSeenAt === null || at < state.firstSeenAt) state.firstSeenAt = at;
  if (state.lastEventAt === null || at > state.lastEventAt) state.lastEventAt = at;
}

export function recordView(state: ActivityState, price: number | null, at: number, halfLifeMs: number): void {
  state.views = addDecayed(state.views, 1, at, halfLifeMs);
  if (price !== null) {
    state.priceSum = addDecayed(state.priceSum, price, at, halfLifeMs);
    state.priceCount = addDecayed(state.priceCount, 1, at, halfLifeMs);
  }
}

export function recordOrder(state: ActivityState, revenue: number, at: number, halfLifeMs: number): void {
  state.orders = addDecayed(state.orders, 1, at, halfLifeMs);
  state.spend = addDecayed(state.spend, revenue, at, halfLifeMs);
  if (state.lastPurchaseAt === null || at > state.lastPurchaseAt) state.lastPurchaseAt = at;
}

/**
 * Takes back one order of `revenue` (refunded or cancelled), so it counts neither in frequency nor
 * in monetary value. Orders are not stored, so the order itself is not looked up: a refund of an
 * order made before Inkling came, or a cancellation and a refund of the same order, take back
 * whatever is left, never below zero. The order's own value has decayed a little by then (1.3 %
 * a week at the one-year half-life), so a refund soon after it leaves exactly zero.
 */
export function undoOrder(state: ActivityState, revenue: number, at: number, halfLifeMs: number): void {
  const floored = (score: Decayed): Decayed => ({ v: Math.max(0, score.v), at: score.at });
  state.orders = floored(addDecayed(state.orders, -1, at, halfLifeMs));
  state.spend = floored(addDecayed(state.spend, -revenue, at, halfLifeMs));
}

export function addToCart(state: ActivityState, productId: string, at: number): void {
  state.cartAddedAt ??= {};
  // Items past the abandoned-cart window leave for good: the stored cart stays what cartAt() reads.
  const stale = [...state.cart].filter((id) => !cartAt(state, at).has(id));
  for (const id of stale) removeFromCart(state, id);
  if (!state.cart.includes(productId)) state.cart.push(productId);
  state.cartAddedAt[productId] = Math.max(state.cartAddedAt[productId] ?? at, at);
  // The cart is a handful of ids; a cap keeps a hostile loop of adds from growing it.
  if (state.cart.length > 200) removeFromCart(state, state.cart[0]!);
}

export function removeFromCart(state: ActivityState, productId: string): void {
  state.cart = state.cart.filter((id) => id !== productId);
  if (state.cartAddedAt) delete state.cartAddedAt[productId];
}

/** Thresholds between the low/mid/high price bands: the catalogue's terciles, or fixed fallbacks. */
export interface PriceBands {
  readonly lowBelow: number;
  readonly highAbove: number;
}

export interface RfmView {
  readonly recencyDays: number | null;
  readonly frequency: number;
  readonly monetary: number;
  readonly priceBand: 'low' | 'mid' | 'high' | null;
  readonly averagePrice: number | null;
  readonly engagedSeconds: number;
}

export function readRfm(state: ActivityState, now: number, halfLifeMs: number, bands: PriceBands): RfmView {
  const count = readDecayed(state.priceCount, now, halfLifeMs);
  const averagePrice = count > 1e-9 ? readDecayed(state.priceSum, now, halfLifeMs) / count : null;
  const priceBand =
    averagePrice === null ? null : averagePrice < bands.lowBelow ? 'low' : averagePrice > bands.highAbove ? 'high' : 'mid';
  return {
    recencyDays: state.lastEventAt === null ? null : Math.max(0, (now - state.lastEventAt) / 86_400_000),
    frequency: readDecayed(state.orders, now, halfLifeMs),
    monetary: readDecayed(state.spend, now, halfLifeMs),
    priceBand,
    averagePrice,
    engagedSeconds: state.engagedSeconds,
  };
}
