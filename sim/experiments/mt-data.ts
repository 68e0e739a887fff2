/**
 * MovieTweetings 2013 (/work/shared/data/movietweetings-2013, MIT, Simon Dooms; read in place, its
 * README/LICENSE/PROVENANCE stay beside the data) as an ExperimentData for the fast experiments
 * (issue 9, part 5): 21,081 users, most with 1–5 ratings: every user is a device.
 *
 * - Catalogue: items.csv's titles and genres; the items with ≥ `minRatings` ratings in the whole file (default 5: 3,464 items holding
 *   90 % of the 141,695 ratings; an item rated fewer than 5 times cannot be learnt collaboratively and
 *   would only add unlearnable held-out targets to a full ranking), ascending IMDb id.
 * - Split per user in time order (file order breaks ties): the last 20 %, at least one, held out;
 *   a user with ONE rating holds it out and trains on nothing (a cold device: it still takes part in
 *   every round with an all-zero statistics vector plus its noise share). Held-out items outside the
 *   catalogue or already in training are dropped (as sim/data.ts does).
 * - Device positives exactly as worker/models/feedback.ts derives them from the storefront's events
 *   (sim/population.ts replays each rating as a 'view' + a 'rating'): per item total
 *   Σ (1 + 1 + max(0, stars − 3)), weight log2(1 + total), stars = max(0.5, rating/2) (0–10 → 0.5–5).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from '../csv.js';
import { buildCatalogue, type Interaction as Rating, type Movie, type UserHistory } from '../data.js';
import type { ExperimentData } from './common.js';

export const MT_DIR = '/work/shared/data/movietweetings-2013';

export interface MtData extends ExperimentData {
  /** Users (dataset order) with at least one training item in the catalogue. */
  readonly warm: readonly boolean[];
}

export function loadMovieTweetings(minRatings = 5, dir = MT_DIR): MtData {
  const lines = gunzipSync(readFileSync(`${dir}/ratings.csv.gz`)).toString('utf8').trim().split('\n');
  if (lines[0] !== 'userId,itemId,rating,timestamp,category') throw new Error(`unexpected header ${lines[0]}`);
  const byUser = new Map<number, Rating[]>();
  const counts = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const [u, item, r, t] = lines[i]!.split(',');
    const userId = Number(u);
    let list = byUser.get(userId);
    if (!list) byUser.set(userId, (list = []));
    list.push({ itemId: item!, rating: Number(r), timestamp: Number(t) * 1000 });
    counts.set(item!, (counts.get(item!) ?? 0) + 1);
  }
  const ids = [...counts.entries()].filter(([, c]) => c >= minRatings).map(([id]) => id).sort((a, b) => Number(a) - Number(b));
  const catalogue = buildCatalogue(readItems(dir), ids);
  const users: UserHistory[] = [];
  const interactions: { item: number; weight: number }[][] = [];
  const warm: boolean[] = [];
  for (const userId of [...byUser.keys()].sort((a, b) => a - b)) {
    const ordered = byUser.get(userId)!.map((r, i) => ({ r, i })).sort((a, b) => a.r.timestamp - b.r.timestamp || a.i - b.i).map((o) => o.r);
    const held = ordered.length === 1 ? 1 : Math.min(ordered.length - 1, Math.max(1, Math.round(ordered.length * 0.2)));
    const train = ordered.slice(0, ordered.length - held);
    const trainItems = new Set(train.map((t) => t.itemId));
    const heldOut = ordered.slice(ordered.length - held).filter((t) => catalogue.indexOf.has(t.itemId) && !trainItems.has(t.itemId));
    users.push({ userId, train, heldOut });
    const totals = new Map<number, number>();
    for (const t of train) {
      const row = catalogue.indexOf.get(t.itemId);
      if (row === undefined) continue;
      const stars = Math.max(0.5, t.rating / 2);
      totals.set(row, (totals.get(row) ?? 0) + 2 + Math.max(0, stars - 3));
    }
    const mine = [...totals.entries()].sort((a, b) => a[0] - b[0]).map(([item, total]) => ({ item, weight: Math.log1p(total) / Math.LN2 }));
    interactions.push(mine);
    warm.push(mine.length > 0);
  }
  return { dataset: { catalogue, users }, nItems: ids.length, interactions, warm };
}

/** items.csv.gz: IMDb id, title, genres ('|'-separated). */
function readItems(dir: string): Movie[] {
  const rows = parseCsv(gunzipSync(readFileSync(`${dir}/items.csv.gz`)).toString('utf8'));
  if (rows[0]?.join(',') !== 'itemId,title,genres') throw new Error(`unexpected items.csv header ${rows[0]?.join(',')}`);
  return rows.slice(1).filter((r) => r.length >= 3).map(([id, title, genres]) => ({ id: id!, title: title!, genres: genres!.split('|').filter((g) => g !== '') }));
}
