/**
 * Both shared datasets as event sequences for the next-event experiments (issue 11): one visitor
 * per user, each rating one 'view' step of the rated film's genres, time-ordered (file order
 * breaks ties), each user's last 20 % held out (sim/data.ts heldOutCount: at least one, never all;
 * a user with one event holds out nothing).
 *
 * - ml-latest-small (/work/shared/data/ml-latest-small, 671 users, 100,004 ratings; its README.txt
 *   stays beside it): genres from movies.csv, 19 labels (server/tasks.ts MOVIELENS_GENRES).
 * - MovieTweetings 2013 (/work/shared/data/movietweetings-2013, 21,081 users, 141,695 ratings; MIT,
 *   README/LICENSE/PROVENANCE beside it): genres from items.csv, every genre on ≥ 20 items.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from '../csv.js';
import { heldOutCount } from '../data.js';
import type { SequenceStep } from '../../core/models/next-event.js';
import { MOVIELENS_GENRES } from '../../server/tasks.js';

export const ML_DIR = '/work/shared/data/ml-latest-small';
export const MT_DIR = '/work/shared/data/movietweetings-2013';

export interface SequenceUser {
  /** Every event, oldest first. */
  readonly steps: readonly SequenceStep[];
  /** steps[0, cut) train; steps[cut, end) are held out (each predicted from all before it). */
  readonly cut: number;
}

export interface SequenceDataset {
  readonly name: string;
  readonly vocabulary: readonly string[];
  readonly users: readonly SequenceUser[];
}

interface Rated {
  readonly user: string;
  readonly item: string;
  readonly at: number;
  readonly line: number;
}

function toDataset(name: string, vocabulary: readonly string[], rows: Rated[], genres: ReadonlyMap<string, readonly string[]>): SequenceDataset {
  const index = new Map(vocabulary.map((g, i) => [g, i]));
  const byUser = new Map<string, Rated[]>();
  for (const row of rows) {
    let list = byUser.get(row.user);
    if (!list) byUser.set(row.user, (list = []));
    list.push(row);
  }
  const users: SequenceUser[] = [];
  for (const list of byUser.values()) {
    list.sort((a, b) => a.at - b.at || a.line - b.line);
    const steps = list.map((r): SequenceStep => ({
      categories: (genres.get(r.item) ?? []).flatMap((g) => (index.has(g) ? [index.get(g)!] : [])),
      action: 'view',
      at: r.at,
    }));
    users.push({ steps, cut: steps.length - heldOutCount(steps.length) });
  }
  return { name, vocabulary, users };
}

export function loadMovieLensSequences(dir = ML_DIR): SequenceDataset {
  const movies = parseCsv(readFileSync(join(dir, 'movies.csv'), 'utf8')).slice(1);
  const genres = new Map(movies.map(([id, , g]) => [id ?? '', (g ?? '').split('|')]));
  const ratings = parseCsv(readFileSync(join(dir, 'ratings.csv'), 'utf8')).slice(1).filter((r) => r.length >= 4);
  const rows = ratings.map(([user, item, , t], line) => ({ user: user!, item: item!, at: Number(t) * 1000, line }));
  return toDataset('ml-latest-small', MOVIELENS_GENRES, rows, genres);
}

export function loadMovieTweetingsSequences(dir = MT_DIR): SequenceDataset {
  const items = parseCsv(gunzipSync(readFileSync(join(dir, 'items.csv.gz'))).toString('utf8')).slice(1);
  const genres = new Map(items.map(([id, , g]) => [id ?? '', (g ?? '').split('|').filter((x) => x !== '')]));
  const counts = new Map<string, number>();
  for (const list of genres.values()) for (const g of list) counts.set(g, (counts.get(g) ?? 0) + 1);
  const vocabulary = [...counts.entries()].filter(([, c]) => c >= 20).map(([g]) => g).sort();
  const lines = gunzipSync(readFileSync(join(dir, 'ratings.csv.gz'))).toString('utf8').trim().split('\n');
  const rows = lines.slice(1).map((l, line) => {
    const [user, item, , t] = l.split(',');
    return { user: user!, item: item!, at: Number(t) * 1000, line };
  });
  return toDataset('movietweetings-2013', vocabulary, rows, genres);
}
