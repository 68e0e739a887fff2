/**
 * Starting the engine's Worker and talking to it (rpc.ts speaks Comlink's protocol).
 *
 * Browsers only start a Worker from a same-origin URL. When the worker script lives on another
 * origin (the loader on a CDN), the page starts a `blob:` module Worker whose only line imports
 * the real one; that import is cross-origin, so the CDN must send CORS headers, and the page's
 * CSP must allow `worker-src blob:` (see sdk/README.md).
 */
import { remoteEngine, type RemoteCall } from './rpc.js';

export type WorkerSource =
  | { readonly kind: 'same-origin'; readonly url: string }
  /** `url`: the module the blob: shim imports. */
  | { readonly kind: 'blob-shim'; readonly url: string };

/** Pure: which way a worker at `workerUrl` can be started from a page at `pageUrl`. */
export function chooseWorkerSource(workerUrl: string, pageUrl: string): WorkerSource {
  const url = new URL(workerUrl, pageUrl);
  return url.origin === new URL(pageUrl).origin ? { kind: 'same-origin', url: url.href } : { kind: 'blob-shim', url: url.href };
}

/** The module text of the blob shim: a static import, so the Worker's errors surface as its own. */
export function blobShimSource(moduleUrl: string): string {
  return `import ${JSON.stringify(moduleUrl)};`;
}

export interface EngineConnection {
  /** Calls the engine; settles (rejects) also when the Worker fails, so no answer is awaited forever. */
  readonly call: RemoteCall;
  /** Rejects when the Worker fails to load or crashes. */
  readonly failure: Promise<never>;
  terminate(): void;
}

function startWorker(source: WorkerSource): Worker {
  const options: WorkerOptions = { type: 'module', name: 'inkling' };
  switch (source.kind) {
    case 'same-origin':
      return new Worker(source.url, options);
    case 'blob-shim':
      // Not revoked: the Worker may still be fetching it; one small blob per page is the cost.
      return new Worker(URL.createObjectURL(new Blob([blobShimSource(source.url)], { type: 'text/javascript' })), options);
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

export function connectEngine(source: WorkerSource): EngineConnection {
  let worker: Worker;
  try {
    worker = startWorker(source);
  } catch (error) {
    // A CSP whose worker-src allows blob: but not this URL throws SecurityError at once.
    if (source.kind !== 'same-origin') throw error;
    worker = startWorker({ kind: 'blob-shim', url: source.url });
  }
  let fail!: (reason: Error) => void;
  const failure = new Promise<never>((_, reject) => (fail = reject));
  // Observed by the client; this keeps a failure nobody waits for from being "unhandled".
  failure.catch(() => {});
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fail(new Error(`the Worker failed: ${event.message || 'not loaded (check the worker URL and worker-src)'}`));
  });
  return {
    call: remoteEngine(worker, failure),
    failure,
    terminate() {
      fail(new Error('the Worker was stopped'));
      worker.terminate();
    },
  };
}
