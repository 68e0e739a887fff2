/**
 * What the storefront tells Inkling about a film, computed by the storefront's own code, so a
 * simulated visitor sends exactly what a browser on the shop sends and the two cannot drift apart
 * (they did: the simulator once sent only a film's first genre, the shop all of them, and the DP
 * category histogram it seeded put Action on top where Drama leads):
 * 1. the film's shop record from the build's catalogue generator (demo/build/catalog.ts: the title
 *    as the shop shows it, every MovieLens genre as a category, the price tier), for every rated
 *    film (minRatings 1: the shop lists those with 8 ratings or more, but simulated users rated
 *    the others too);
 * 2. the `data-inkling-product-*` attributes the product page carries (demo/src/ui/product-attributes.ts);
 * 3. the `Product Viewed` properties SDK autocapture reads from them (sdk/autocapture/product-attributes.ts):
 *    product_id, category (the genres joined by commas), name, price.
 */
import { buildCatalog, type ShopMovie } from '../demo/build/catalog.js';
import { productAttributes } from '../demo/src/ui/product-attributes.js';
import { productProperties } from '../sdk/autocapture/product-attributes.js';

export type ProductProperties = Readonly<Record<string, unknown>>;

/** A film's `Product Viewed` properties, as autocapture reads them off its product page. */
export function viewedProperties(movie: ShopMovie): ProductProperties {
  const attributes = productAttributes(movie);
  const properties = productProperties((name) => attributes[name] ?? null);
  if (properties === null) throw new RangeError(`film ${JSON.stringify(movie.id)}: the product page would carry no data-inkling-product-id`);
  return properties;
}

/**
 * `Product Reviewed` as the product page's rating widget tracks it (demo/src/views/movie.ts:
 * product_id, name, category, rating; no price), from the same film's viewed properties.
 */
export function reviewedProperties(viewed: ProductProperties, rating: number): ProductProperties {
  const { product_id, name, category } = viewed;
  return { product_id, ...(name !== undefined ? { name } : {}), ...(category !== undefined ? { category } : {}), rating };
}

/** Every rated film's `Product Viewed` properties, by MovieLens movieId. */
export function storefrontProducts(dataDir: string): ReadonlyMap<string, ProductProperties> {
  return new Map(buildCatalog(dataDir, 1).map((movie) => [movie.id, viewedProperties(movie)]));
}
