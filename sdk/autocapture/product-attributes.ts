/**
 * Reading product facts from markup. The attribute names are the site's contract:
 *
 *   data-inkling-product-id="42"            (required)
 *   data-inkling-product-category="Sci-Fi"  (the same category format as the catalogue)
 *   data-inkling-product-price="9.99"
 *   data-inkling-product-name="Alien (1979)"
 *   data-inkling-product-quantity="2"
 *
 * Pure over an attribute reader, so it is tested without a DOM. Numbers are passed as the
 * number they parse to (NaN included): the engine's validation names the field if one is wrong.
 */
export type ReadAttribute = (name: string) => string | null;

export const PRODUCT_ID_ATTRIBUTE = 'data-inkling-product-id';
export const PRODUCT_SELECTOR = `[${PRODUCT_ID_ATTRIBUTE}]`;

export function productProperties(read: ReadAttribute): Record<string, unknown> | null {
  const id = read(PRODUCT_ID_ATTRIBUTE);
  if (id === null || id.trim() === '') return null;
  const properties: Record<string, unknown> = { product_id: id.trim() };
  const category = read('data-inkling-product-category');
  if (category !== null && category.trim() !== '') properties.category = category.trim();
  const name = read('data-inkling-product-name');
  if (name !== null && name.trim() !== '') properties.name = name.trim();
  const price = read('data-inkling-product-price');
  if (price !== null && price.trim() !== '') properties.price = Number(price);
  const quantity = read('data-inkling-product-quantity');
  if (quantity !== null && quantity.trim() !== '') properties.quantity = Number(quantity);
  return properties;
}

export function productOf(element: Element): Record<string, unknown> | null {
  return productProperties((name) => element.getAttribute(name));
}
