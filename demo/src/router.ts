/**
 * Client-side routing with the History API. Navigations use pushState, so Inkling's SPA page
 * tracking (pushState/popstate) is exercised exactly as on a real single-page shop.
 *
 * The new page is drawn first and the URL changed second (and the popstate listener runs in the
 * capture phase, before listeners added later by third-party scripts): whatever watches the
 * navigation sees the page the URL names.
 */

export interface Route {
  readonly name: RouteName;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

export type RouteName = 'home' | 'genre' | 'movie' | 'search' | 'cart' | 'checkout' | 'order' | 'your-data' | 'not-found';

const PATTERNS: readonly (readonly [RouteName, RegExp, readonly string[]])[] = [
  ['home', /^\/$/, []],
  ['genre', /^\/genre\/([^/]+)$/, ['genre']],
  ['movie', /^\/movie\/(\d+)$/, ['id']],
  ['search', /^\/search$/, []],
  ['cart', /^\/cart$/, []],
  ['checkout', /^\/checkout$/, []],
  ['order', /^\/order\/([A-Za-z0-9-]+)$/, ['orderId']],
  ['your-data', /^\/your-data$/, []],
];

export function match(location: Location | URL): Route {
  const query = new URLSearchParams(location.search);
  for (const [name, pattern, keys] of PATTERNS) {
    const found = pattern.exec(location.pathname);
    if (!found) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => (params[key] = decodeURIComponent(found[i + 1] ?? '')));
    return { name, params, query };
  }
  return { name: 'not-found', params: {}, query };
}

export function startRouter(render: (route: Route) => void): (url: string) => void {
  const navigate = (url: string): void => {
    const target = new URL(url, location.href);
    render(match(target));
    if (target.href !== location.href) history.pushState(null, '', target.pathname + target.search);
    window.scrollTo(0, 0);
  };
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.target instanceof Element ? event.target.closest('a[data-link]') : null;
    if (!(anchor instanceof HTMLAnchorElement) || anchor.origin !== location.origin) return;
    event.preventDefault();
    navigate(anchor.href);
  });
  window.addEventListener('popstate', () => render(match(location)), { capture: true });
  render(match(location));
  return navigate;
}
