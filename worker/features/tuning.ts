/**
 * The profile's tuning constants. The half-lives and the short-term blend weight were chosen by
 * measurement (bench/interest-halflife.bench.ts; table in worker/features/README.md), not guessed.
 */
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
 * kept modest so that one order does not erase a session of browsing.
 */
export const EVENT_INTEREST_WEIGHTS = {
  'Product Viewed': 1,
  'Product Clicked': 0.5,
  'Product Added': 2,
  'Product Removed': 0,
  'Product Reviewed': 1,
  'Checkout Started': 0,
  'Order Completed': 3,
  /** Per 30 engaged seconds, capped at 2 (a long dwell means interest, but not unboundedly). */
  'Product Engaged': 1,
  /** Browsing a category page or a list: a weaker signal than opening a product. */
  'Product List Viewed': 0.25,
  'Page Viewed': 0.25,
  'Products Searched': 0,
} as const;

/** Keyword weight of one search. */
export const SEARCH_KEYWORD_WEIGHT = 1;
/** Interests below this (in view-equivalents) are pruned from the stored table. */
export const INTEREST_PRUNE_FLOOR = 1e-4;
