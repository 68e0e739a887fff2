/**
 * The `data-inkling-product-*` attributes of a film, in the Segment V2 property names Inkling
 * autocapture reads (product_id, name, category, price). Genres go in as one category path
 * list separated by commas; the engine also knows them from the catalogue.
 */
import type { Movie } from '../catalog.js';

export function productAttributes(movie: Movie): Record<string, string> {
  return {
    'data-inkling-product-id': movie.id,
    'data-inkling-product-name': movie.title,
    'data-inkling-product-category': movie.categories.join(','),
    'data-inkling-product-price': movie.price.toFixed(2),
  };
}
