/**
 * recommend() v0 on the device: a content score from the visitor's category interests (short- and
 * long-term shares blended), plus a popularity prior and a nudge for what is in the cart, minus
 * what was bought or excluded. A model trained elsewhere (the federated matrix factorisation)
 * plugs in as an ExtraScorer whose scores are blended in with its own weight and reason.
 *
 * Cost: O(catalogue × categories per item) additions over typed arrays and an O(n log k) top-k;
 * about 0.3 ms for ~9k films (bench/recommend.bench.ts).
 */
import { STRING_LIMITS } from '../core/events/validate.js';
import type { CatalogItem, Recommendation, RecommendOptions } from '../core/protocol/engine-api.js';
import type { CatalogIndex } from './catalog-index.js';
import type { InterestShare } from './features/interests.js';

/**
 * Once the device has a trained next-event model, the category part of the score is this blend of
 * the interest shares and the model's next-category probabilities (sim/experiments/next-event.ts
 * prints the blend's next-genre hit rates beside each part's).
 */
export const NEXT_CATEGORY_BLEND = 0.5;

/** Weight of the site's popularity prior (in [0, 1]) against interest shares (which sum to ≤ 1). */
export const POPULARITY_WEIGHT = 0.15;
/** Items just put in the cart, not yet bought, get this bonus ("complete the purchase"); it fades with the cart's age. */
export const CART_BONUS = 0.3;
export const DEFAULT_K = 10;
export const MAX_K = 100;
export const MAX_CANDIDATES = 50_000;
/** Bounds on an item described in full in `candidates`: the same as on an event's product. */
const MAX_ITEM_ID_LENGTH = STRING_LIMITS.productId;
const MAX_ITEM_CATEGORIES = 64;
const MAX_CATEGORY_TEXT = STRING_LIMITS.category;

/** A second opinion on every catalogue item, e.g. the federated model's predicted affinity. */
export interface ExtraScorer {
  /** The reason shown when this scorer contributes most, e.g. "because visitors with similar taste liked it". */
  readonly reason: string;
  /** Blend weight of its scores against the interest score. */
  readonly weight: number;
  /** Scores aligned with `itemIds` (same length), roughly in [0, 1]; NaN means "no opinion". */
  score(request: { readonly itemIds: readonly string[]; readonly now: number }): Float32Array | Promise<Float32Array>;
}

export interface RecommendContext {
  readonly interests: readonly InterestShare[];
  readonly shortTermWeight: number;
  readonly bought: ReadonlySet<string>;
  /** The trained next-event model's next-category probabilities, when the device has one (blended in by NEXT_CATEGORY_BLEND). */
  readonly nextCategories?: readonly { readonly category: string; readonly probability: number }[];
  /** Items in the cart with their nudge weight in (0, 1] (features/activity.ts cartAt: it fades and ages out). */
  readonly cart: ReadonlyMap<string, number>;
  /** The extra scorer's scores for the whole catalogue in index order, with its weight and reason. */
  readonly extra?: { readonly scores: Float32Array; readonly weight: number; readonly reason: string };
}

export interface CheckedRecommendOptions {
  readonly k: number;
  /** The candidates as ids (items described in full included). */
  readonly candidateIds: readonly string[] | undefined;
  /** The candidates the caller described in full, checked. */
  readonly describedItems: readonly CatalogItem[];
}

/** Checks options in one place; a bad option is a RangeError naming it and the rule. */
export function checkRecommendOptions(options: RecommendOptions): CheckedRecommendOptions {
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new RangeError(`k: must be an integer from 1 to ${MAX_K}, got ${String(k)}`);
  const exclude: unknown = options.exclude;
  if (exclude !== undefined) {
    checkList('exclude', exclude);
    if (exclude.some((id) => typeof id !== 'string')) throw new RangeError('exclude: must contain only item ids (strings)');
  }
  const candidates: unknown = options.candidates;
  let candidateIds: string[] | undefined;
  const describedItems: CatalogItem[] = [];
  if (candidates !== undefined) {
    checkList('candidates', candidates);
    candidateIds = candidates.map((candidate, i) => {
      if (typeof candidate === 'string') return candidate;
      const item = checkDescribedItem(candidate, `candidates[${i}]`);
      describedItems.push(item);
      return item.id;
    });
  }
  if (options.category !== undefined && typeof options.category !== 'string') throw new RangeError('category: must be a string');
  return { k, candidateIds, describedItems };
}

function checkList(field: string, list: unknown): asserts list is unknown[] {
  if (!Array.isArray(list)) throw new RangeError(`${field}: must be an array`);
  if (list.length > MAX_CANDIDATES) throw new RangeError(`${field}: must list at most ${MAX_CANDIDATES} items, got ${list.length}`);
}

/** An item described in full: `{ id, categories, price?, popularity? }`, as in a catalogue file. */
function checkDescribedItem(value: unknown, field: string): CatalogItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError(`${field}: must be an item id (a string) or an item { id, categories }`);
  const { id, categories, price, popularity } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ITEM_ID_LENGTH) throw new RangeError(`${field}.id: must be a string of 1 to ${MAX_ITEM_ID_LENGTH} characters`);
  const list = typeof categories === 'string' ? [categories] : categories ?? [];
  if (!Array.isArray(list) || list.length > MAX_ITEM_CATEGORIES || list.some((c) => typeof c !== 'string' || c.length > MAX_CATEGORY_TEXT)) {
    throw new RangeError(`${field}.categories: must be a string or an array of at most ${MAX_ITEM_CATEGORIES} strings of at most ${MAX_CATEGORY_TEXT} characters`);
  }
  if (price !== undefined && (typeof price !== 'number' || !Number.isFinite(price) || price < 0)) throw new RangeError(`${field}.price: must be a finite number ≥ 0`);
  if (popularity !== undefined && (typeof popularity !== 'number' || !(popularity >= 0 && popularity <= 1))) throw new RangeError(`${field}.popularity: must be a number from 0 to 1`);
  return { id, categories: list as string[], ...(price === undefined ? {} : { price }), ...(popularity === undefined ? {} : { popularity }) };
}

export function recommend(index: CatalogIndex, options: RecommendOptions, context: RecommendContext): Recommendation[] {
  const { k, candidateIds } = checkRecommendOptions(options);
  const categoryCount = index.categoryNames.length;
  const blend = new Float32Array(categoryCount);
  const fromShortTerm = new Uint8Array(categoryCount);
  for (const share of context.interests) {
    const id = index.categoryIdOf.get(share.category);
    if (id === undefined) continue;
    const short = context.shortTermWeight * share.shortTerm;
    const long = (1 - context.shortTermWeight) * share.longTerm;
    blend[id] = short + long;
    fromShortTerm[id] = short >= long ? 1 : 0;
  }
  if (context.nextCategories !== undefined) {
    for (let c = 0; c < categoryCount; c++) blend[c]! *= 1 - NEXT_CATEGORY_BLEND;
    for (const next of context.nextCategories) {
      const id = index.categoryIdOf.get(next.category);
      if (id !== undefined) blend[id]! += NEXT_CATEGORY_BLEND * next.probability;
    }
  }

  const blocked = new Uint8Array(index.size);
  for (const id of context.bought) block(index, blocked, id);
  for (const id of options.exclude ?? []) block(index, blocked, id);

  // The items to score: the candidates, or one category's precomputed list, or (null) all of them.
  let pool: ArrayLike<number> | null = null;
  if (candidateIds !== undefined) {
    const indices: number[] = [];
    for (const id of candidateIds) {
      const i = index.indexOf.get(id);
      if (i !== undefined) indices.push(i);
    }
    pool = indices;
  } else if (options.category !== undefined) {
    pool = index.itemsUnderCategory(options.category);
  }
  const inCategory = candidateIds !== undefined && options.category !== undefined ? new Set(index.itemsUnderCategory(options.category)) : null;

  const top = new TopK(k);
  const { categoryStart, categoryIds, popularity } = index;
  const extra = context.extra;
  const cartIndex = new Map<number, number>();
  for (const [id, weight] of context.cart) {
    const i = index.indexOf.get(id);
    if (i !== undefined) cartIndex.set(i, weight);
  }
  const count = pool === null ? index.size : pool.length;
  for (let p = 0; p < count; p++) {
    const i = pool === null ? p : pool[p]!;
    if (blocked[i] === 1 || (inCategory !== null && !inCategory.has(i))) continue;
    const start = categoryStart[i]!;
    const end = categoryStart[i + 1]!;
    let interest = 0;
    for (let c = start; c < end; c++) interest += blend[categoryIds[c]!]!;
    // Dividing by √(categories) keeps many-genre items from winning on breadth alone.
    if (end > start) interest /= Math.sqrt(end - start);
    let score = interest + POPULARITY_WEIGHT * popularity[i]!;
    score += CART_BONUS * (cartIndex.get(i) ?? 0);
    if (extra !== undefined) {
      const e = extra.scores[i]!;
      if (!Number.isNaN(e)) score += extra.weight * e;
    }
    top.offer(i, score);
  }

  return top.sorted().map(({ index: i, score }) => ({
    id: index.ids[i]!,
    score,
    reason: explain(index, i, blend, fromShortTerm, cartIndex.has(i), context.extra),
  }));
}

function block(index: CatalogIndex, blocked: Uint8Array, id: string): void {
  const i = index.indexOf.get(id);
  if (i !== undefined) blocked[i] = 1;
}

/** The reason in words, from the largest contribution to the item's score. */
function explain(
  index: CatalogIndex,
  i: number,
  blend: Float32Array,
  fromShortTerm: Uint8Array,
  inCart: boolean,
  extra: RecommendContext['extra'],
): string {
  if (inCart) return 'because it is in your cart';
  let best = -1;
  let bestValue = 0;
  for (let c = index.categoryStart[i]!; c < index.categoryStart[i + 1]!; c++) {
    const category = index.categoryIds[c]!;
    if (blend[category]! > bestValue) {
      bestValue = blend[category]!;
      best = category;
    }
  }
  const extraValue = extra === undefined ? 0 : extra.weight * (extra.scores[i] ?? 0);
  if (extra !== undefined && extraValue > bestValue) return extra.reason;
  if (best < 0) return 'popular in the shop';
  const name = index.categoryNames[best]!;
  return fromShortTerm[best] === 1 ? `because you viewed ${name}` : `because you often look at ${name}`;
}

/** The k best (index, score) pairs, kept sorted by insertion: k is small, so this beats a heap. */
class TopK {
  private readonly indices: number[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}
  offer(index: number, score: number): void {
    const n = this.scores.length;
    if (n === this.k && score <= this.scores[n - 1]!) return;
    let at = n;
    while (at > 0 && this.scores[at - 1]! < score) at--;
    this.scores.splice(at, 0, score);
    this.indices.splice(at, 0, index);
    if (this.scores.length > this.k) {
      this.scores.pop();
      this.indices.pop();
    }
  }
  sorted(): { index: number; score: number }[] {
    return this.indices.map((index, i) => ({ index, score: this.scores[i]! }));
  }
}
