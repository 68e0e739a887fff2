/**
 * The Worker's entry (built to dist/sdk/inkling.worker.js): opens the engine of worker/engine.ts
 * when the page calls `configure()`, loads the site's catalogue off the main thread, and exposes
 * the whole as a `WorkerApi` with Comlink.
 *
 * It answers only its own page: a dedicated Worker receives messages only from the document
 * that created it (and from ports that document hands out, which the SDK never does), and Comlink
 * is told to accept only this origin's messages rather than its default "*".
 */
import * as Comlink from 'comlink';
import type { CatalogItem, ConsentState, RawEvent, RecommendOptions } from '../core/protocol/engine-api.js';
import type { BootProblem, WorkerApi, WorkerConfig } from '../core/protocol/worker-boot.js';
import { createEngine, type Engine } from './engine.js';

/** The catalogue file is `CatalogItem[]` or `{ items: CatalogItem[] }` (what demo/ emits). */
export function catalogItemsOf(json: unknown): readonly CatalogItem[] {
  const items: unknown = Array.isArray(json) ? json : typeof json === 'object' && json !== null && 'items' in json ? json.items : undefined;
  if (!Array.isArray(items)) throw new RangeError('catalog: the JSON must be an array of items or { items: [...] }');
  return items;
}

export interface WorkerApiDeps {
  /** Opens the engine; tests pass an IDBFactory of fake-indexeddb through it. */
  readonly open: (config: WorkerConfig) => Promise<Engine>;
  readonly fetchJson: (url: string) => Promise<unknown>;
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

const defaultDeps: WorkerApiDeps = {
  open: (config) => createEngine({ site: config.site, ...(config.consent !== undefined ? { consent: config.consent } : {}) }),
  fetchJson,
};

/** The object the page talks to: every method waits for `configure()` to have opened the engine. */
export function createWorkerApi(deps: WorkerApiDeps = defaultDeps): WorkerApi {
  let opened: Promise<Engine> | null = null;
  const engine = (): Promise<Engine> => opened ?? Promise.reject(new Error('the Inkling Worker was used before configure()'));

  return {
    async configure(config: WorkerConfig) {
      if (opened) throw new Error('the Inkling Worker is already configured');
      const problems: BootProblem[] = [];
      const opening = (async () => {
        const instance = await deps.open(config);
        if (config.catalogUrl !== undefined) {
          try {
            await instance.setCatalog(catalogItemsOf(await deps.fetchJson(config.catalogUrl)));
          } catch (error) {
            problems.push({ field: 'options.catalog', rule: 'loadable', message: `the catalogue could not be loaded: ${error instanceof Error ? error.message : String(error)}` });
          }
        }
        return instance;
      })();
      opened = opening;
      await opening;
      return { problems };
    },
    setConsent: async (state: ConsentState) => (await engine()).setConsent(state),
    ingest: async (events: readonly RawEvent[]) => (await engine()).ingest(events),
    recommend: async (options: RecommendOptions) => (await engine()).recommend(options),
    profile: async () => (await engine()).profile(),
    exportAll: async () => (await engine()).exportAll(),
    forget: async () => (await engine()).forget(),
    setCatalog: async (items: readonly CatalogItem[]) => (await engine()).setCatalog(items),
  };
}

/** True only inside a dedicated Worker (so Node tests can import createWorkerApi). */
function inDedicatedWorker(): boolean {
  return typeof self !== 'undefined' && typeof Reflect.get(self, 'importScripts') === 'function' && !('document' in self);
}

if (inDedicatedWorker()) {
  // Messages from the owning page carry an empty origin in a dedicated Worker; a page of another
  // origin cannot reach this Worker at all, so '' and our own origin are the only ones allowed.
  // The project type-checks against the DOM lib, where `self` is a Window; this adapter is the
  // dedicated Worker's postMessage(message, { transfer }) seen through that type.
  const endpoint: Comlink.Endpoint = {
    postMessage: (message, transfer) => self.postMessage(message, { transfer: transfer ?? [] }),
    addEventListener: (type, listener, options) => self.addEventListener(type, listener, options),
    removeEventListener: (type, listener, options) => self.removeEventListener(type, listener, options),
  };
  Comlink.expose(createWorkerApi(), endpoint, ['', self.location.origin]);
}
