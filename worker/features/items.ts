import type { CatalogItem } from '../../core/protocol/engine-api.js';
import type { ItemIntent } from './intent-evidence.js';
/**
 * What this visitor did with each product: the `items` store, one record per product id.
 * Recommendations read it to exclude what was bought; the "Your data" panel shows it.
 */
export interface ItemRecord {
  readonly id: string;
  categories: readonly string[];
  price: number | null;
  views: number;
  lastViewedAt: number | null;
  adds: number;
  inCart: boolean;
  purchases: number;
  lastPurchasedAt: number | null;
  rating: number | null;
  engagedSeconds: number;
  /** When purchase intent counted this product, and whether as bought (intent.ts); absent on records from before it. */
  intent?: ItemIntent | null;
}

export function emptyItem(id: string): ItemRecord {
  return {
    id,
    categories: [],
    price: null,
    views: 0,
    lastViewedAt: null,
    adds: 0,
    inCart: false,
    purchases: 0,
    lastPurchasedAt: null,
    rating: null,
    engagedSeconds: 0,
    intent: null,
  };
}

/**
 * The items this visitor has met, as a catalogue, for a site without a catalogue file: ids and
 * categories came with the events. Their popularity prior is the visitor's own attention (views,
 * cart adds, engaged half-minutes), scaled so the most attended item has 1: among equally
 * interesting items, the one looked at most comes first. Items without categories are left out
 * (nothing to score them on).
 */
export function catalogueOfSeenItems(items: Iterable<ItemRecord>): CatalogItem[] {
  const attended = [...items].filter((item) => item.categories.length > 0);
  const attention = (item: ItemRecord) => item.views + 2 * item.adds + item.engagedSeconds / 30;
  const most = Math.max(1e-9, ...attended.map(attention));
  return attended.map((item) => ({
    id: item.id,
    categories: item.categories,
    popularity: attention(item) / most,
    ...(item.price === null ? {} : { price: item.price }),
  }));
}
