/**
 * The engine's per-item records (worker/features/items.ts) → the MF model's weighted positives,
 * as catalogue rows. Items outside the model's catalogue are skipped (the model cannot learn them).
 */
import type { ItemRecord } from '../features/items.js';
import { aggregateFeedback, type Feedback, type Interaction } from '../models/feedback.js';

/** Product pages read for at least this long count as engaged (a deliberate look, not a bounce). */
const ENGAGED_SECONDS = 30;

/** @example const interactions = interactionsFromItems(engineItems, rowOf, catalogueIds.length); */
export function interactionsFromItems(items: Iterable<ItemRecord>, rowOf: ReadonlyMap<string, number>, nItems: number): Interaction[] {
  const feedback: Feedback[] = [];
  for (const record of items) {
    const item = rowOf.get(record.id);
    if (item === undefined) continue;
    const repeat = (kind: Feedback['kind'], times: number): void => {
      // Capped: past a few dozen, repetitions add nothing (aggregateFeedback compresses with log2 anyway).
      for (let i = 0; i < Math.min(times, 64); i++) feedback.push({ item, kind });
    };
    repeat('view', record.views);
    repeat('cart', record.adds);
    repeat('order', record.purchases);
    if (record.engagedSeconds >= ENGAGED_SECONDS) feedback.push({ item, kind: 'engaged' });
    if (record.rating !== null && record.rating >= 0.5 && record.rating <= 5) feedback.push({ item, kind: 'rating', rating: record.rating });
  }
  return aggregateFeedback(feedback, nItems);
}
