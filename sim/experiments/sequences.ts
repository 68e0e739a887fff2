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

/** One rating as the file has it. */
export interface Rated {
  readonly user: string;
  readonly item: string;
  readonly rating: number;
  /** ms since the epoch. */
  readonly at: number;
  /** Row in the file: breaks timestamp ties. */
  readonly line: number;
}

/** A dataset's ratings and each item's genres (the rest of the experiments derive what they need). */
export interface RatingFile {
  readonly rows: readonly Rated[];
  readonly genres: ReadonlyMap<string, readonly string[]>;
}

/** Each user's ratings in time order (file order breaks ties), users in order of first appearance. */
export function ratingsByUser(rows: readonly Rated[]): Rated[][] {
  const byUser = new Map<string, Rated[]>();
  for (const row of rows) {
    let list = byUser.get(row.user);
    if (!list) byUser.set(row.user, (list = []));
    list.push(row);
  }
  const users = [...byUser.values()];
  for (const list of users) list.sort((a, b) => a.at - b.at || a.line - b.line);
  return users;
}

/** ml-latest-small's ratings.csv and movies.csv (genres without "(no genres listed)"). */
export function readMovieLensRatings(dir = ML_DIR): RatingFile {
  const movies = parseCsv(readFileSync(join(dir, 'movies.csv'), 'utf8')).slice(1);
  const genres = new Map(movies.map(([id, , g]) => [id ?? '', (g ?? '').split('|').filter((x) => x !== '' && x !== '(no genres listed)')]));
  const ratings = parseCsv(readFileSync(join(dir, 'ratings.csv'), 'utf8')).slice(1).filter((r) => r.length >= 4);
  const rows = ratings.map(([user, item, rating, t], line) => ({ user: user!, item: item!, rating: Number(rating), at: Number(t) * 1000, line }));
  return { rows, genres };
}

/** MovieTweetings 2013's ratings.csv.gz and items.csv.gz. */
export function readMovieTweetingsRatings(dir = MT_DIR): RatingFile {
  const items = parseCsv(gunzipSync(readFileSync(join(dir, 'items.csv.gz'))).toString('utf8')).slice(1);
  const genres = new Map(items.map(([id, , g]) => [id ?? '', (g ?? '').split('|').filter((x) => x !== '')]));
  const lines = gunzipSync(readFileSync(join(dir, 'ratings.csv.gz'))).toString('utf8').trim().split('\n');
  const rows = lines.slice(1).map((l, line) => {
    const [user, item, rating, t] = l.split(',');
    return { user: user!, item: item!, rating: Number(rating), at: Number(t) * 1000, line };
  });
  return { rows, genres };
}

function toDataset(name: string, vocabulary: readonly string[], { rows, genres }: RatingFile): SequenceDataset {
  const index = new Map(vocabulary.map((g, i) => [g, i]));
  const users: SequenceUser[] = [];
  for (const list of ratingsByUser(rows)) {
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
  return toDataset('ml-latest-small', MOVIELENS_GENRES, readMovieLensRatings(dir));
}

export function loadMovieTweetingsSequences(dir = MT_DIR): SequenceDataset {
  const file = readMovieTweetingsRatings(dir);
  const counts = new Map<string, number>();
  for (const list of file.genres.values()) for (const g of list) counts.set(g, (counts.get(g) ?? 0) + 1);
  const vocabulary = [...counts.entries()].filter(([, c]) => c >= 20).map(([g]) => g).sort();
  return toDataset('movietweetings-2013', vocabulary, file);
}
