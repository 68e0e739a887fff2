/** The `Host` of a real page: Worker, location, localStorage, page lifecycle, autocapture. */
import { attachAutocapture } from './autocapture/index.js';
import type { Host } from './client.js';
import { connectEngine } from './worker-client.js';

export function browserHost(defaultWorkerUrl: string | undefined): Host {
  return {
    pageUrl: () => location.href,
    path: () => location.pathname,
    now: Date.now,
    navigator: typeof navigator === 'undefined' ? undefined : navigator,
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
    autocapture: (sink, options) => attachAutocapture(window, sink, options),
    console: typeof console === 'undefined' ? undefined : console,
  };
}
