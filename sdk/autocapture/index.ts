/**
 * Automatic capture, each part switchable (`autocapture` option / `data-autocapture`): page views
 * with SPA navigation, product views and clicks, cart and order buttons, searches, engaged time.
 * Runs once the DOM is ready, then on every navigation a moment after the URL changes (so the
 * new view has rendered).
 */
import type { CaptureSink } from '../client.js';
import type { ResolvedOptions } from '../options.js';
import { attachClicks } from './clicks.js';
import { watchNavigation } from './navigation.js';
import { attachProductPage } from './product-page.js';
import { attachSearch } from './search.js';

/** How long after a pushState the new view is read (routers render after changing the URL). */
const SPA_SETTLE_MS = 50;

export function attachAutocapture(win: Window, sink: CaptureSink, options: ResolvedOptions): () => void {
  const { pageviews, products, cart, search, engagement } = options.autocapture;
  const detachers: (() => void)[] = [];
  const onPage: ((url: URL) => void)[] = [];

  if (pageviews) {
    onPage.push((url) => {
      const referrer = win.document.referrer;
      sink.page({ path: url.pathname, title: win.document.title, ...(referrer ? { referrer } : {}) });
    });
  }
  if (search) {
    const capture = attachSearch(win, sink, options.searchParam);
    onPage.push(capture.onPage);
    detachers.push(capture.detach);
  }
  if (products || engagement) {
    const capture = attachProductPage(win, sink, { views: products, engagement });
    onPage.push(() => capture.onPage());
    detachers.push(capture.detach);
  }
  if (products || cart) detachers.push(attachClicks(win, sink, { products, cart }, sink.warn));
  if (onPage.length === 0) return () => detachers.forEach((detach) => detach());

  const runPage = (url: URL) => {
    for (const handler of onPage) {
      try {
        handler(url);
      } catch (error) {
        sink.warn('autocapture', 'internal', `a capture failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const initial = () => runPage(new URL(win.location.href));
  if (win.document.readyState === 'loading') {
    win.document.addEventListener('DOMContentLoaded', initial, { once: true });
    detachers.push(() => win.document.removeEventListener('DOMContentLoaded', initial));
  } else initial();
  detachers.push(
    watchNavigation(win, (url) => {
      clearTimeout(settleTimer);
      settleTimer = setTimeout(() => runPage(url), SPA_SETTLE_MS);
    }),
  );
  detachers.push(() => clearTimeout(settleTimer));
  return () => detachers.forEach((detach) => detach());
}
