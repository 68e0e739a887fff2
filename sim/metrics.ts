/**
 * Top-N evaluation by full ranking: every catalogue item is scored for every user (no sampled
 * candidate set, which inflates numbers — Krichene & Rendle 2020), the user's training items are
 * excluded, and the top 10 are compared with the held-out items.
 *
 * - HR@10: the share of users with at least one held-out item in their top 10.
 * - NDCG@10: binary relevance, DCG = Σ 1/log2(rank + 1) over hits in the top 10, divided by the
 *   ideal DCG of min(10, |held out|) hits; averaged over users.
 * Users without held-out items in the catalogue are not counted.
 */
import type { Dataset, UserHistory } from './data.js';

export const DEFAULT_K = 10;

/** Scores every catalogue row for one user (higher is better). Length = catalogue size. */
export type Scorer = (user: UserHistory, userIndex: number) => Float32Array | Float64Array;

export interface RankingQuality {
  readonly hitRate: number;
  readonly ndcg: number;
  /** Users evaluated (those with at least one held-out catalogue item). */
  readonly users: number;
  readonly k: number;
}

/**
 * The k best rows, best first, skipping `excluded`. Ties go to the lower row index, so a
 * ranking is deterministic. O(n·k), fine for k = 10.
 */
export function topK(scores: ArrayLike<number>, excluded: ReadonlySet<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (excluded.has(i)) continue;
    const s = scores[i];
    if (Number.isNaN(s)) throw new RangeError(`scores[${i}] is NaN (a model produced a non-number)`);
    if (best.length === k && s <= scores[best[k - 1]]) continue;
    let at = best.length;
    while (at > 0 && s > scores[best[at - 1]]) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** 1 when any relevant row is in `ranked`, else 0. */
export function hitAt(ranked: readonly number[], relevant: ReadonlySet<number>): number {
  return ranked.some((r) => relevant.has(r)) ? 1 : 0;
}

/** NDCG of one ranked list with binary relevance; the ideal puts min(k, |relevant|) hits first. */
export function ndcgAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((row, rank) => {
    if (relevant.has(row)) dcg += 1 / Math.log2(rank + 2);
  });
  let ideal = 0;
  for (let rank = 0; rank < Math.min(k, relevant.size); rank++) ideal += 1 / Math.log2(rank + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Rows of the user's training items: never recommended back to them. */
export function trainingRows(dataset: Dataset, user: UserHistory): Set<number> {
  const rows = new Set<number>();
  for (const t of user.train) {
    const row = dataset.catalogue.indexOf.get(t.itemId);
    if (row !== undefined) rows.add(row);
  }
  return rows;
}

export function heldOutRows(dataset: Dataset, user: UserHistory): Set<number> {
  const rows = new Set<number>();
  for (const t of user.heldOut) {
    const row = dataset.catalogue.indexOf.get(t.itemId);
    if (row !== undefined) rows.add(row);
  }
  return rows;
}

/** HR@k and NDCG@k of a scorer over every user with held-out items. */
export function evaluateRanking(dataset: Dataset, scorer: Scorer, k: number = DEFAULT_K): RankingQuality {
  let hits = 0;
  let ndcg = 0;
  let users = 0;
  dataset.users.forEach((user, userIndex) => {
    const relevant = heldOutRows(dataset, user);
    if (relevant.size === 0) return;
    const scores = scorer(user, userIndex);
    if (scores.length !== dataset.catalogue.ids.length) {
      throw new RangeError(`scorer returned ${scores.length} scores for user ${user.userId}; the catalogue has ${dataset.catalogue.ids.length} items`);
    }
    const ranked = topK(scores, trainingRows(dataset, user), k);
    hits += hitAt(ranked, relevant);
    ndcg += ndcgAt(ranked, relevant, k);
    users++;
  });
  return { hitRate: users ? hits / users : 0, ndcg: users ? ndcg / users : 0, users, k };
}
