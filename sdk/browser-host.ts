/** The `Host` of a real page: Worker, location, localStorage, page lifecycle, autocapture. */
import type { Host } from './client.js';
import { connectEngine } from './worker-client.js';

/** `autocapture`: bundled (the ESM entry) or fetched as a plugin file (the script-tag loader). */
export function browserHost(defaultWorkerUrl: string | undefined, autocapture: Host['autocapture']): Host {
  return {
    pageUrl: () => location.href,
    path: () => location.pathname,
    now: Date.now,
    // A page always has these (the Host allows their absence for Node tests).
    navigator,
    storage: () => {
      try {
        return window.localStorage;
      } catch {
        // Reading localStorage throws where storage is blocked (sandboxed iframes, some settings).
        return undefined;
      }
    },
    defaultWorkerUrl,
    connect: connectEngine,
    onHidden(flush) {
      const onVisibility = () => {
        if (document.visibilityState === 'hidden') flush();
      };
      document.addEventListener('visibilitychange', onVisibility);
      window.addEventListener('pagehide', flush);
      return () => {
        document.removeEventListener('visibilitychange', onVisibility);
        window.removeEventListener('pagehide', flush);
      };
    },
    autocapture,
    console,
  };
}
