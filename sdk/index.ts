/**
 * The package entry (dist/sdk/esm/index.js): `createInkling(options)` for sites that bundle
 * their JavaScript. Same API as `window.inkling`.
 *
 * @example
 * // createInkling imported from the package entry, dist/sdk/esm/index.js
 * const inkling = createInkling({ site: 'shop-1', catalog: '/catalog.json', workerUrl: '/inkling.worker.js' });
 * inkling.track('Product Viewed', { product_id: '42', category: 'Sci-Fi', price: 9.99 });
 * const picks = await inkling.recommend({ k: 5 });
 */
import type { Inkling, InklingOptions } from './api.js';
import { attachAutocapture } from './autocapture/index.js';
import { browserHost } from './browser-host.js';
import { createClient, messageOf } from './client.js';
import { configureFrom, createFacade } from './facade.js';

export type * from './api.js';
export type { CatalogItem, InterestWeight, ContributionReceipt, PrivacyBudgetView, SegmentView } from '../core/protocol/engine-api.js';
export { ECOMMERCE_EVENTS, PAGE_EVENT, ENGAGED_EVENT, type EventName } from '../core/events/names.js';

/** Where the worker is by default: next to the package's dist/sdk/ folder, i.e. ../inkling.worker.js. */
function defaultWorkerUrl(): string | undefined {
  try {
    // Concatenated on purpose: a literal here would make bundlers try to bundle the worker as an asset.
    const file = 'inkling.worker.js';
    return new URL('../' + file, import.meta.url).href;
  } catch {
    return undefined;
  }
}

/** Starts Inkling for one site. Never throws: problems go to `on('error')`. */
export function createInkling(options: InklingOptions): Inkling {
  const client = createClient(
    // A bundling site's own bundler splits what it needs: the captures come bundled, ready at once.
    browserHost(defaultWorkerUrl(), (sink, options) => ({ detach: attachAutocapture(window, sink, options), ready: Promise.resolve() })),
  );
  const api = createFacade(client);
  try {
    configureFrom(client, 'createInkling', () => ({ ...options }));
  } catch (error) {
    client.report({ field: 'options', rule: 'internal', message: messageOf(error), method: 'createInkling' });
  }
  return api;
}
