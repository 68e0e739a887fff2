/**
 * The profile's tuning constants. The half-lives and the short-term blend weight were chosen by
 * measurement (bench/interest-halflife.bench.ts; table in worker/features/README.md), not guessed.
 */
import type { EventName } from '../../core/events/names.js';
import type { HalfLives } from './decay.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Short-term (session-scale) and long-term half-lives of category interests. */
export const DEFAULT_HALF_LIVES: HalfLives = { shortMs: MINUTE, longMs: 365 * DAY };

/** Weight of the short-term share when interests are blended for ranking and recommending. */
export const DEFAULT_SHORT_TERM_WEIGHT = 0.5;

/**
 * Interest weight of one event on its product's categories, relative to a product view.
 * Ratings were measured (bench table "Rating → weight rule"): counting every rating like one view
 * predicted the next genre best, and letting low ratings subtract interest was clearly worse, so
 * a review weighs 1 whatever its stars. The cart and order weights cannot be measured on
 * MovieLens (no carts): they follow the usual implicit-feedback ordering view < add < buy, and are
 * kept modest so that one order does not erase a session of browsing. Wishlists and shares sit in
 * the same ordering (not measurable either): saving for later is more than a look, less than
 * putting in the cart. Removals weigh 0, not less: subtracting interest measured worse for low
 * ratings, and the add's interest decays anyway. Every event has a weight (0: it changes no
 * interest), so a new event name cannot be forgotten here.
 */
export const EVENT_INTEREST_WEIGHTS = {
  'Product Viewed': 1,
  'Product Clicked': 0.5,
  'Product Added': 2,
  /** Moving a saved product into the cart is a cart add. */
  'Wishlist Product Added to Cart': 2,
  'Product Removed': 0,
  'Product Added to Wishlist': 1.5,
  'Product Removed from Wishlist': 0,
  /** Sharing is often for someone else's taste: a view's worth, per product shared. */
  'Product Shared': 1,
  'Cart Shared': 1,
  'Product Reviewed': 1,
  /** The cart's products already counted when they were added. */
  'Cart Viewed': 0,
  'Checkout Started': 0,
  'Order Completed': 3,
  /**
   * A refund or cancellation takes back the order's purchase and spend (profile-state.ts), not its
   * interest: the visitor chose those categories, which is what interests record. An update sends
   * the order's new state, not a difference, so it adds nothing.
   */
  'Order Refunded': 0,
  'Order Cancelled': 0,
  'Order Updated': 0,
  /** Per 30 engaged seconds, capped at 2 (a long dwell means interest, but not unboundedly). */
  'Product Engaged': 1,
  /** Browsing a category page or a list: a weaker signal than opening a product. */
  'Product List Viewed': 0.25,
  'Product List Filtered': 0.25,
  'Page Viewed': 0.25,
  'Products Searched': 0,
  /** No product: only session and checkout activity (profile-state.ts). */
  'Checkout Step Viewed': 0,
  'Checkout Step Completed': 0,
  'Payment Info Entered': 0,
  'Promotion Viewed': 0,
  'Promotion Clicked': 0,
  'Coupon Entered': 0,
  'Coupon Applied': 0,
  'Coupon Denied': 0,
  'Coupon Removed': 0,
} as const satisfies Record<EventName, number>;

/** Keyword weight of one search. */
export const SEARCH_KEYWORD_WEIGHT = 1;
/** Interests below this (in view-equivalents) are pruned from the stored table. */
export const INTEREST_PRUNE_FLOOR = 1e-4;
