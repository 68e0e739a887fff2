/**
 * On each page: `Product Viewed` for a product page (an element with `data-inkling-product-page`
 * and the product attributes, on itself or a descendant), `Product List Viewed` for each `data-inkling-list` element, and
 * engaged time on the product page (`Product Engaged`, counted only while the page is visible
 * and focused; sent when the visitor leaves the product, hides the tab or leaves the page).
 */
import type { EcommerceEventName, ENGAGED_EVENT } from '../../core/events/names.js';
import type { CaptureSink } from '../client.js';
import { EngagementClock, engagedSeconds } from './engagement-clock.js';
import { PRODUCT_SELECTOR, productOf } from './product-attributes.js';

const PRODUCT_VIEWED: EcommerceEventName = 'Product Viewed';
/** Literals typed by names.ts (importing its values would bundle its lists into the loader). */
const PRODUCT_ENGAGED: typeof ENGAGED_EVENT = 'Product Engaged';
const LIST_VIEWED: EcommerceEventName = 'Product List Viewed';
/** A list view names at most this many products (the first ones shown). */
const MAX_LIST_PRODUCTS = 50;
/** SPA views often render a moment after the URL changes; look again once after this delay. */
const RETRY_MS = 1000;

/** The product page's marker; `data-inkling-product-detail` is accepted as a synonym. */
export const PRODUCT_PAGE_SELECTOR = '[data-inkling-product-page], [data-inkling-product-detail]';

export interface ProductPageCapture {
  onPage(): void;
  detach(): void;
}

export function attachProductPage(win: Window, sink: CaptureSink, switches: { views: boolean; engagement: boolean }): ProductPageCapture {
  const doc = win.document;
  const clock = new EngagementClock();
  let engagedProduct: Record<string, unknown> | null = null;
  let pageGeneration = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const attentive = () => doc.visibilityState === 'visible' && doc.hasFocus();
  const sendEngagement = () => {
    if (!engagedProduct) return;
    const seconds = engagedSeconds(clock.take(Date.now()));
    if (seconds === null) return;
    const { product_id, category } = engagedProduct;
    sink.track(PRODUCT_ENGAGED, { product_id, ...(category !== undefined ? { category } : {}), seconds });
  };

  const detectProduct = (): boolean => {
    const marker = doc.querySelector(PRODUCT_PAGE_SELECTOR);
    if (!marker) return false;
    const holder = marker.matches(PRODUCT_SELECTOR) ? marker : marker.querySelector(PRODUCT_SELECTOR);
    const product = holder ? productOf(holder) : null;
    if (!product) return false;
    if (switches.views) sink.track(PRODUCT_VIEWED, product);
    if (switches.engagement) {
      engagedProduct = product;
      if (attentive()) clock.resume(Date.now());
    }
    return true;
  };

  const detectLists = () => {
    for (const list of doc.querySelectorAll('[data-inkling-list]')) {
      const products = [...list.querySelectorAll(PRODUCT_SELECTOR)]
        .slice(0, MAX_LIST_PRODUCTS)
        .map((element) => productOf(element))
        .filter((product) => product !== null);
      if (products.length === 0) continue;
      const category = list.getAttribute('data-inkling-list-category');
      sink.track(LIST_VIEWED, { list_id: list.getAttribute('data-inkling-list') || 'list', ...(category ? { category } : {}), products });
    }
  };

  const onPage = () => {
    // Leaving the previous product (SPA navigation) ends its engagement.
    sendEngagement();
    engagedProduct = null;
    clock.take(Date.now());
    clock.pause(Date.now());
    clearTimeout(retryTimer);
    const generation = ++pageGeneration;
    if (switches.views) detectLists();
    if (!detectProduct()) {
      retryTimer = setTimeout(() => {
        if (generation === pageGeneration) detectProduct();
      }, RETRY_MS);
    }
  };

  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') {
      clock.pause(Date.now());
      sendEngagement();
    } else if (engagedProduct && attentive()) clock.resume(Date.now());
  };
  const onFocus = () => {
    if (engagedProduct && attentive()) clock.resume(Date.now());
  };
  const onBlur = () => clock.pause(Date.now());
  const onPageHide = () => {
    clock.pause(Date.now());
    sendEngagement();
  };

  if (switches.engagement) {
    doc.addEventListener('visibilitychange', onVisibility);
    win.addEventListener('focus', onFocus);
    win.addEventListener('blur', onBlur);
    win.addEventListener('pagehide', onPageHide);
  }
  return {
    onPage,
    detach() {
      clearTimeout(retryTimer);
      doc.removeEventListener('visibilitychange', onVisibility);
      win.removeEventListener('focus', onFocus);
      win.removeEventListener('blur', onBlur);
      win.removeEventListener('pagehide', onPageHide);
    },
  };
}
