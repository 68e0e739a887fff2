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

/** Attribute suffix → property name, and whether the value is a number. */
const FIELDS: readonly [suffix: string, property: string, numeric: boolean][] = [
  ['category', 'category', false],
  ['name', 'name', false],
  ['price', 'price', true],
  ['quantity', 'quantity', true],
];

export function productProperties(read: ReadAttribute): Record<string, unknown> | null {
  const id = read(PRODUCT_ID_ATTRIBUTE)?.trim();
  if (!id) return null;
  const properties: Record<string, unknown> = { product_id: id };
  for (const [suffix, property, numeric] of FIELDS) {
    const value = read(`data-inkling-product-${suffix}`)?.trim();
    if (value) properties[property] = numeric ? Number(value) : value;
  }
  return properties;
}

export function productOf(element: Element): Record<string, unknown> | null {
  return productProperties((name) => element.getAttribute(name));
}
