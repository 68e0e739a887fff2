/**
 * The storefront's shell (dist/demo/index.html) as the aggregator serves it. The built shop's
 * script tag says `data-endpoint=""`: hosted on a static server it has no aggregator, and sends
 * nothing (test/e2e/network-privacy proves it). Served by an aggregator (`npm start`), the shop
 * should take part in federated learning with that aggregator, so the attribute becomes "/":
 * the SDK resolves it against the page, i.e. this origin. A tag that already names an endpoint
 * is left alone.
 *
 * @example pointStorefrontAtThisAggregator('<script data-endpoint="">') === '<script data-endpoint="/">'
 */
export function pointStorefrontAtThisAggregator(html: string): string {
  return html.replace(/(<script\b[^>]*\bdata-site="[^"]*"[^>]*\bdata-endpoint=)""/, '$1"/"');
}
