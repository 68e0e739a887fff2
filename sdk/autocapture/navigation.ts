/**
 * Notices SPA navigation: wraps `history.pushState` / `replaceState` and listens to `popstate`,
 * calling back once per change of path or query (hash-only changes and same-URL replaceState
 * calls are not navigation). The wrappers call the original first, so a page's router behaves
 * exactly as before, and they are removed on detach only if nobody wrapped them after us.
 */
export type NavigationListener = (url: URL) => void;

/** The part of a URL that makes a new page view: path and query, not the hash. */
export function pageKey(url: URL): string {
  return url.pathname + url.search;
}

export function watchNavigation(win: Window, onNavigate: NavigationListener): () => void {
  const history = win.history;
  let lastKey = pageKey(new URL(win.location.href));
  const check = () => {
    const url = new URL(win.location.href);
    const key = pageKey(url);
    if (key === lastKey) return;
    lastKey = key;
    onNavigate(url);
  };

  const originalPush = history.pushState;
  const originalReplace = history.replaceState;
  const wrap = (original: History['pushState']): History['pushState'] =>
    function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      try {
        check();
      } catch {
        // Capturing must never break the page's navigation.
      }
    };
  const wrappedPush = wrap(originalPush);
  const wrappedReplace = wrap(originalReplace);
  history.pushState = wrappedPush;
  history.replaceState = wrappedReplace;
  win.addEventListener('popstate', check);

  return () => {
    if (history.pushState === wrappedPush) history.pushState = originalPush;
    if (history.replaceState === wrappedReplace) history.replaceState = originalReplace;
    win.removeEventListener('popstate', check);
  };
}
