/**
 * The catalogue, indexed once per setCatalog() so that recommend() is a tight loop over typed
 * arrays: item categories in CSR form (start offsets + category ids), popularity as a
 * Float32Array, and the item list of every category path prefix precomputed.
 */
import { normaliseCategories } from '../core/events/normalise.js';
import type { CatalogItem } from '../core/protocol/engine-api.js';
import type { PriceBands } from './features/activity.js';

/** Used when the catalogue has no prices: bands for a typical small shop. */
const FALLBACK_PRICE_BANDS: PriceBands = { lowBelow: 10, highAbove: 50 };

export class CatalogIndex {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly categoryNames: readonly string[];
  /** Category path → its id (position in categoryNames). */
  readonly categoryIdOf: ReadonlyMap<string, number>;
  /** Item i has categories categoryIds[categoryStart[i] .. categoryStart[i + 1]). */
  readonly categoryStart: Int32Array;
  readonly categoryIds: Int32Array;
  readonly popularity: Float32Array;
  readonly priceBands: PriceBands;
  private readonly itemsUnder = new Map<string, Int32Array>();
  private readonly categoriesById: ReadonlyMap<string, readonly string[]>;

  constructor(items: readonly CatalogItem[]) {
    const ids: string[] = [];
    const indexOf = new Map<string, number>();
    const categoryIndex = new Map<string, number>();
    const categoryNames: string[] = [];
    const starts: number[] = [0];
    const catIds: number[] = [];
    const popularity: number[] = [];
    const prices: number[] = [];
    const under = new Map<string, number[]>();
    const categoriesById = new Map<string, readonly string[]>();
    for (const item of items) {
      if (indexOf.has(item.id)) continue;
      const index = ids.length;
      ids.push(item.id);
      indexOf.set(item.id, index);
      const categories = normaliseCategories(item.categories);
      categoriesById.set(item.id, categories);
      const prefixes = new Set<string>();
      for (const path of categories) {
        let id = categoryIndex.get(path);
        if (id === undefined) {
          id = categoryNames.length;
          categoryNames.push(path);
          categoryIndex.set(path, id);
        }
        catIds.push(id);
        const segments = path.split('/');
        for (let depth = 1; depth <= segments.length; depth++) prefixes.add(segments.slice(0, depth).join('/'));
      }
      for (const prefix of prefixes) {
        let list = under.get(prefix);
        if (list === undefined) under.set(prefix, (list = []));
        list.push(index);
      }
      starts.push(catIds.length);
      const pop = item.popularity;
      popularity.push(typeof pop === 'number' && Number.isFinite(pop) ? Math.min(1, Math.max(0, pop)) : 0);
      if (typeof item.price === 'number' && Number.isFinite(item.price) && item.price >= 0) prices.push(item.price);
    }
    this.ids = ids;
    this.indexOf = indexOf;
    this.categoryNames = categoryNames;
    this.categoryIdOf = categoryIndex;
    this.categoryStart = Int32Array.from(starts);
    this.categoryIds = Int32Array.from(catIds);
    this.popularity = Float32Array.from(popularity);
    for (const [prefix, list] of under) this.itemsUnder.set(prefix, Int32Array.from(list));
    this.categoriesById = categoriesById;
    this.priceBands = terciles(prices) ?? FALLBACK_PRICE_BANDS;
  }

  get size(): number {
    return this.ids.length;
  }

  categoriesOf(id: string): readonly string[] | undefined {
    return this.categoriesById.get(id);
  }

  /** Items whose category path is `prefix` or lies under it. */
  itemsUnderCategory(prefix: string): Int32Array {
    return this.itemsUnder.get(prefix) ?? new Int32Array(0);
  }
}

function terciles(prices: number[]): PriceBands | null {
  if (prices.length < 3) return null;
  const sorted = [...prices].sort((a, b) => a - b);
  return { lowBelow: sorted[Math.floor(sorted.length / 3)]!, highAbove: sorted[Math.floor((2 * sorted.length) / 3)]! };
}
