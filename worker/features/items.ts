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
  };
}
