/**
 * The popularity baseline: every user gets the items most often interacted with in the training
 * data, minus their own. It needs no model and no personal data beyond counts, so anything
 * personalised must beat it clearly to be worth its privacy cost.
 */
import type { Dataset } from '../data.js';
import type { Scorer } from '../metrics.js';

/** Training-interaction counts per catalogue row (held-out interactions are never counted). */
export function popularityCounts(dataset: Dataset): Float64Array {
  const counts = new Float64Array(dataset.catalogue.ids.length);
  for (const user of dataset.users) {
    for (const t of user.train) {
      const row = dataset.catalogue.indexOf.get(t.itemId);
      if (row !== undefined) counts[row] += 1;
    }
  }
  return counts;
}

/** The same score for every user: the training count. */
export function popularityScorer(dataset: Dataset): Scorer {
  const counts = popularityCounts(dataset);
  return () => counts;
}
