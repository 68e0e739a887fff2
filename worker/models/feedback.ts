/**
 * Implicit feedback → the weighted positives the MF model learns from. One place decides how much
 * a view, a cart add, an order or a rating says about a visitor's taste, so the browser engine and
 * the simulator train on exactly the same signal.
 */

/** What the visitor did with a catalogue item, as far as the recommender cares. */
export type FeedbackKind = 'view' | 'click' | 'engaged' | 'cart' | 'order' | 'rating';

export interface Feedback {
  /** Row of the item in the shared catalogue (never an id: ids stay in the engine's store). */
  readonly item: number;
  readonly kind: FeedbackKind;
  /** Stars in [0.5, 5]; only for kind 'rating'. */
  readonly rating?: number;
}

/** One positive item with its confidence weight (> 0). */
export interface Interaction {
  readonly item: number;
  readonly weight: number;
}

/**
 * Confidence of one action. An order says more than a cart add, which says more than a view
 * (the usual implicit-feedback ordering of Hu, Koren & Volinsky 2008). Any rating means the item
 * was consumed (a positive for "what will they look at next"); stars above 3 add confidence.
 */
export function feedbackWeight(feedback: Feedback): number {
  switch (feedback.kind) {
    case 'view':
    case 'click':
      return 1;
    case 'engaged':
      return 1.5;
    case 'cart':
      return 2;
    case 'order':
      return 4;
    case 'rating': {
      const stars = feedback.rating;
      if (stars === undefined || !Number.isFinite(stars) || stars < 0.5 || stars > 5) {
        throw new RangeError(`rating feedback needs rating in [0.5, 5]; got ${String(stars)}`);
      }
      return 1 + Math.max(0, stars - 3);
    }
    default: {
      const unreachable: never = feedback.kind;
      throw new RangeError(`unknown feedback kind ${String(unreachable)}`);
    }
  }
}

/**
 * Sums the feedback per item and compresses it with log1p so a hundred views of one item do not
 * drown everything else (confidence grows, but slowly). Returns items in ascending row order.
 */
export function aggregateFeedback(feedback: readonly Feedback[], nItems: number): Interaction[] {
  const totals = new Map<number, number>();
  for (const f of feedback) {
    if (!Number.isInteger(f.item) || f.item < 0 || f.item >= nItems) {
      throw new RangeError(`feedback item must be a catalogue row in [0, ${nItems}); got ${f.item}`);
    }
    totals.set(f.item, (totals.get(f.item) ?? 0) + feedbackWeight(f));
  }
  return [...totals.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([item, total]) => ({ item, weight: Math.log1p(total) / Math.LN2 }));
}
