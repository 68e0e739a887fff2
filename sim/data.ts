/**
 * MovieLens ml-latest-small as the simulator sees it: the catalogue (which items the model ranks,
 * in the model's row order), and each user's history in time order, split into what the device
 * learns from (the first 80 %) and what the evaluation holds out (the last 20 %).
 *
 * Splitting by time per user, not at random, is what a deployed recommender faces: it must
 * predict what a visitor does next from what they did before.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvRecords } from './csv.js';
import { storefrontProducts, type ProductProperties } from './storefront-products.js';

export const DEFAULT_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'data', 'ml-latest-small');

/** Fraction of each user's interactions (the most recent ones) held out for evaluation. */
export const HELD_OUT_FRACTION = 0.2;

export interface Movie {
  /** MovieLens movieId as a string: the storefront's product_id. */
  readonly id: string;
  readonly title: string;
  readonly genres: readonly string[];
}

export interface Interaction {
  readonly itemId: string;
  /** Stars, 0.5–5. */
  readonly rating: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

export interface UserHistory {
  readonly userId: number;
  /** The first 80 % in time order: what the device has seen. */
  readonly train: readonly Interaction[];
  /** The last 20 % in time order, restricted to catalogue items: what evaluation asks for. */
  readonly heldOut: readonly Interaction[];
}

/** The items the model ranks, in the model's row order (row i of the item embedding = ids[i]). */
export interface Catalogue {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly movies: ReadonlyMap<string, Movie>;
  /**
   * What the storefront sends about each rated film (`Product Viewed` properties, every genre in
   * `category`), computed by the storefront's own code (storefront-products.ts); empty when the
   * catalogue was built without the MovieLens files.
   */
  readonly products: ReadonlyMap<string, ProductProperties>;
}

export interface Dataset {
  readonly catalogue: Catalogue;
  readonly users: readonly UserHistory[];
}

export interface LoadOptions {
  readonly dataDir?: string;
  /**
   * The model's item list in row order, when the model restricts or orders the catalogue itself
   * (e.g. the global model's own item list). Default: every movie with at least `minRatings`
   * ratings, in ascending movieId order.
   */
  readonly catalogueIds?: readonly string[];
  /** Used only without `catalogueIds`. Default 1 (every rated movie). */
  readonly minRatings?: number;
  /** Keep only these users (ascending userId order is kept). Default: all. */
  readonly userIds?: readonly number[];
  /** Keep at most this many users, the first by userId. Default: all. */
  readonly maxUsers?: number;
}

interface RatingRow {
  readonly userId: number;
  readonly interaction: Interaction;
  /** Position in the file: the tie-breaker for equal timestamps, so the order is deterministic. */
  readonly line: number;
}

function parseNumber(value: string, field: string, line: number): number {
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) throw new RangeError(`ratings.csv line ${line + 2}: ${field} "${value}" is not a finite number`);
  return n;
}

export function readMovies(dataDir: string): Movie[] {
  const records = readCsvRecords(readFileSync(join(dataDir, 'movies.csv'), 'utf8'), ['movieId', 'title', 'genres'], 'movies.csv');
  return records.map((r) => ({
    id: r.movieId ?? '',
    title: r.title ?? '',
    genres: (r.genres ?? '').split('|').filter((g) => g !== '' && g !== '(no genres listed)'),
  }));
}

function readRatings(dataDir: string): RatingRow[] {
  const records = readCsvRecords(readFileSync(join(dataDir, 'ratings.csv'), 'utf8'), ['userId', 'movieId', 'rating', 'timestamp'], 'ratings.csv');
  return records.map((r, line) => ({
    userId: parseNumber(r.userId ?? '', 'userId', line),
    line,
    interaction: {
      itemId: r.movieId ?? '',
      rating: parseNumber(r.rating ?? '', 'rating', line),
      timestamp: parseNumber(r.timestamp ?? '', 'timestamp', line) * 1000,
    },
  }));
}

/** Number of the most recent interactions held out: 20 %, at least one, never all. */
export function heldOutCount(historyLength: number): number {
  if (historyLength < 2) return 0;
  return Math.min(historyLength - 1, Math.max(1, Math.round(historyLength * HELD_OUT_FRACTION)));
}

/**
 * Splits one user's interactions: stable sort by time, the last 20 % held out. Held-out items
 * outside the catalogue are dropped (the model cannot rank them), as are held-out items the user
 * already has in training (a re-rating is not a discovery).
 */
export function splitHistory(
  userId: number,
  interactions: readonly Interaction[],
  inCatalogue: (itemId: string) => boolean,
): UserHistory {
  const ordered = interactions.map((interaction, i) => ({ interaction, i }));
  ordered.sort((a, b) => a.interaction.timestamp - b.interaction.timestamp || a.i - b.i);
  const sorted = ordered.map((o) => o.interaction);
  const cut = sorted.length - heldOutCount(sorted.length);
  const train = sorted.slice(0, cut);
  const trainItems = new Set(train.map((t) => t.itemId));
  const heldOut = sorted.slice(cut).filter((t) => inCatalogue(t.itemId) && !trainItems.has(t.itemId));
  return { userId, train, heldOut };
}

export function buildCatalogue(movies: readonly Movie[], ids: readonly string[], products: ReadonlyMap<string, ProductProperties> = new Map()): Catalogue {
  const byId = new Map(movies.map((m) => [m.id, m]));
  const indexOf = new Map<string, number>();
  ids.forEach((id, i) => {
    if (indexOf.has(id)) throw new RangeError(`catalogueIds: item "${id}" appears twice (each item is one model row)`);
    indexOf.set(id, i);
  });
  return { ids, indexOf, movies: byId, products };
}

/** Each catalogue row's public categories (its film's genres; none when the film is unknown), in row order. */
export function catalogueCategories(catalogue: Catalogue): string[][] {
  return catalogue.ids.map((id) => [...(catalogue.movies.get(id)?.genres ?? [])]);
}

/** Loads the catalogue and every user's split history. */
export function loadDataset(options: LoadOptions = {}): Dataset {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const movies = readMovies(dataDir);
  const ratings = readRatings(dataDir);

  let ids = options.catalogueIds;
  if (!ids) {
    const minRatings = options.minRatings ?? 1;
    if (!Number.isInteger(minRatings) || minRatings < 0) throw new RangeError(`minRatings must be a non-negative integer, got ${minRatings}`);
    const counts = new Map<string, number>();
    for (const r of ratings) counts.set(r.interaction.itemId, (counts.get(r.interaction.itemId) ?? 0) + 1);
    ids = movies
      .filter((m) => (counts.get(m.id) ?? 0) >= minRatings)
      .map((m) => m.id)
      .sort((a, b) => Number(a) - Number(b));
  }
  const catalogue = buildCatalogue(movies, ids, storefrontProducts(dataDir));

  const byUser = new Map<number, Interaction[]>();
  for (const r of ratings) {
    let list = byUser.get(r.userId);
    if (!list) byUser.set(r.userId, (list = []));
    list.push(r.interaction);
  }
  let userIds = [...byUser.keys()].sort((a, b) => a - b);
  if (options.userIds) {
    const wanted = new Set(options.userIds);
    userIds = userIds.filter((u) => wanted.has(u));
  }
  if (options.maxUsers !== undefined) {
    if (!Number.isInteger(options.maxUsers) || options.maxUsers < 1) throw new RangeError(`maxUsers must be a positive integer, got ${options.maxUsers}`);
    userIds = userIds.slice(0, options.maxUsers);
  }
  const users = userIds.map((u) => splitHistory(u, byUser.get(u) ?? [], (id) => catalogue.indexOf.has(id)));
  return { catalogue, users };
}
