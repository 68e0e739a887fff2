/**
 * The visitor's recent event sequence, as the next-event model (core/models/next-event.ts) reads
 * it: one entry per meaningful step (what was done, to which categories, when), the newest
 * SEQUENCE_KEPT kept. Steps that only echo another (the page view under a product view, the
 * engaged time and review of a product already viewed, the click before the view) are not
 * recorded, so a burst of tracking calls for one product is one step.
 */
import { assertNever, type ValidEvent } from '../../core/events/event.js';
import type { SequenceAction, SequenceStep } from '../../core/models/next-event.js';

/** Steps kept: enough for the model's training windows; bounded whatever a burst sends. */
export const SEQUENCE_KEPT = 128;
/** Categories kept per step (a product's first three). */
const CATEGORIES_PER_STEP = 3;

export interface SequenceEntry {
  /** Normalised category paths of the step (may be empty: a search). */
  readonly categories: readonly string[];
  readonly action: SequenceAction;
  readonly at: number;
}

/** Oldest first, at most SEQUENCE_KEPT. */
export type SequenceState = SequenceEntry[];

/** The step an event is, or null when it echoes another step or says nothing about what comes next. */
export function sequenceAction(event: ValidEvent): SequenceAction | null {
  switch (event.name) {
    case 'Product Viewed':
      return 'view';
    case 'Product Added':
    case 'Wishlist Product Added to Cart':
      return 'cart';
    case 'Product Added to Wishlist':
      return 'wishlist';
    case 'Order Completed':
      return 'buy';
    case 'Products Searched':
      return 'search';
    case 'Product List Viewed':
    case 'Product List Filtered':
    case 'Product Shared':
    case 'Checkout Started':
      return 'other';
    case 'Product Clicked':
    case 'Product Engaged':
    case 'Product Reviewed':
    case 'Page Viewed':
    case 'Product Removed':
    case 'Product Removed from Wishlist':
    case 'Cart Viewed':
    case 'Cart Shared':
    case 'Checkout Step Viewed':
    case 'Checkout Step Completed':
    case 'Payment Info Entered':
    case 'Promotion Viewed':
    case 'Promotion Clicked':
    case 'Coupon Entered':
    case 'Coupon Applied':
    case 'Coupon Denied':
    case 'Coupon Removed':
    case 'Order Updated':
    case 'Order Refunded':
    case 'Order Cancelled':
      return null;
    default:
      return assertNever(event);
  }
}

/** Appends the event's step (its categories as the caller resolves them), dropping the oldest beyond the cap. */
export function recordStep(state: SequenceState, event: ValidEvent, categories: () => readonly string[]): void {
  const action = sequenceAction(event);
  if (action === null) return;
  state.push({ categories: [...new Set(categories())].slice(0, CATEGORIES_PER_STEP), action, at: event.at });
  if (state.length > SEQUENCE_KEPT) state.splice(0, state.length - SEQUENCE_KEPT);
}

/**
 * The sequence in a model's vocabulary: a category matches by its full path or, failing that, its
 * top level ("Movies/Sci-Fi" → "Movies"); a step with none known keeps its action and time (the
 * model sees "something outside my vocabulary").
 */
export function stepsInVocabulary(state: readonly SequenceEntry[], vocabulary: readonly string[]): SequenceStep[] {
  const index = new Map(vocabulary.map((label, i) => [label.toLowerCase(), i]));
  const find = (category: string): number | undefined => index.get(category.toLowerCase()) ?? index.get(category.split('/')[0]!.toLowerCase());
  return state.map((entry) => ({
    categories: [...new Set(entry.categories.flatMap((c) => { const i = find(c); return i === undefined ? [] : [i]; }))],
    action: entry.action,
    at: entry.at,
  }));
}

/** Categories of the sequence, most recent first, each once: the vocabulary of a model-less prediction. */
export function recentCategories(state: readonly SequenceEntry[]): string[] {
  const seen = new Set<string>();
  for (let i = state.length - 1; i >= 0; i--) for (const c of state[i]!.categories) seen.add(c);
  return [...seen];
}
