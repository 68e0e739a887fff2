/**
 * The Worker's entry (built to dist/sdk/inkling.worker.js): when the page calls `configure()`, it
 * loads the site's catalogue off the main thread, opens the engine of worker/engine.ts (with the
 * federated client of worker/federated/wire.ts when an aggregator is configured), and exposes the
 * whole as a `WorkerApi` with Comlink.
 *
 * It answers only its own page: a dedicated Worker receives messages only from the document
 * that created it (and from ports that document hands out, which the SDK never does), and Comlink
 * is told to accept only this origin's messages rather than its default "*".
 */
import * as Comlink from 'comlink';
import type { CatalogItem, ConsentState, RawEvent, RecommendOptions } from '../core/protocol/engine-api.js';
import { checkOptions } from '../core/protocol/options.js';
import type { BootProblem, WorkerApi, WorkerConfig } from '../core/protocol/worker-boot.js';
import { createEngine, type Engine } from './engine.js';
import type { FederatedWiring } from './federated/wire.js';

/** The catalogue file is `CatalogItem[]` or `{ items: CatalogItem[] }` (what demo/ emits). */
export function catalogItemsOf(json: unknown): readonly CatalogItem[] {
  const items: unknown = Array.isArray(json) ? json : typeof json === 'object' && json !== null && 'items' in json ? json.items : undefined;
  if (!Array.isArray(items)) throw new RangeError('catalog: the JSON must be an array of items or { items: [...] }');
  return items;
}

/** An opened engine, and what to tell the rest of the Worker on each ingest (the trainer waits for quiet). */
export interface OpenedEngine {
  readonly engine: Engine;
  readonly onIngest?: () => void;
}

export interface WorkerApiDeps {
  /** Opens the engine (and what runs beside it); tests pass an IDBFactory of fake-indexeddb through it. */
  readonly open: (config: WorkerConfig, catalog: readonly CatalogItem[] | undefined, problems: BootProblem[]) => Promise<OpenedEngine>;
  readonly fetchJson: (url: string) => Promise<unknown>;
}

/** Rebuilt SDKs re-measure the tfjs backends (worker/training/backend.ts caches per version). */
const SDK_VERSION = '0.1.0';

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * In the browser: the engine, and with an aggregator (`data-endpoint`) and a catalogue, the
 * federated client beside it (worker/federated/wire.ts). Federated learning failing to start
 * never stops the engine; it is reported.
 */
async function openInWorker(config: WorkerConfig, catalog: readonly CatalogItem[] | undefined, problems: BootProblem[]): Promise<OpenedEngine> {
  let federated: FederatedWiring | undefined;
  if (config.endpoint !== undefined) {
    if (catalog === undefined) {
      problems.push({ field: 'options.catalog', rule: 'required', message: 'federated learning needs the catalogue (data-catalog) beside data-endpoint; it is off' });
    } else {
      try {
        // Its own chunk: a site without an aggregator never downloads the federated client.
        const { startFederatedLearning } = await import('./federated/wire.js');
        federated = await startFederatedLearning({
          site: config.site,
          endpoint: config.endpoint.replace(/\/+$/, ''),
          ...(config.helper !== undefined ? { pinnedHelper: config.helper.replace(/\/+$/, '') } : {}),
          catalogueIds: catalog.map((item) => item.id),
          sdkVersion: SDK_VERSION,
          // How often and after how much quiet the trainer runs: worker/federated/wire.ts's defaults.
          // tfjs's .wasm files are published next to inkling.worker.js (sdk/vite.config.ts copies them).
          wasmPaths: new URL(/* @vite-ignore */ './', import.meta.url).href,
          ...(config.debug ? { onError: (error: unknown) => console.warn('[inkling worker]', error) } : {}),
        });
      } catch (error) {
        problems.push({ field: 'options.endpoint', rule: 'federated', message: `federated learning is off: ${messageOf(error)}` });
      }
    }
  }
  const engine = await createEngine({
    site: config.site,
    ...(config.consent !== undefined ? { consent: config.consent } : {}),
    ...(federated ? federated.engineOptions : {}),
  });
  federated?.attach(engine);
  return { engine, ...(federated ? { onIngest: federated.touch } : {}) };
}

const defaultDeps: WorkerApiDeps = { open: openInWorker, fetchJson };

/** The object the page talks to: every method waits for `configure()` to have opened the engine. */
export function createWorkerApi(deps: WorkerApiDeps = defaultDeps): WorkerApi {
  let opened: Promise<OpenedEngine> | null = null;
  const engine = async (): Promise<Engine> => {
    if (!opened) throw new Error('the Inkling Worker was used before configure()');
    return (await opened).engine;
  };

  return {
    async configure(config: WorkerConfig) {
      if (opened) throw new Error('the Inkling Worker is already configured');
      // The page read its options leniently (its loader stays small); the rules are checked here.
      const problems: BootProblem[] = checkOptions(config.options);
      const opening = (async () => {
        let catalog: readonly CatalogItem[] | undefined;
        if (config.catalogUrl !== undefined) {
          try {
            catalog = catalogItemsOf(await deps.fetchJson(config.catalogUrl)).filter((item) => typeof item?.id === 'string');
          } catch (error) {
            problems.push({ field: 'options.catalog', rule: 'loadable', message: `the catalogue could not be loaded: ${messageOf(error)}` });
          }
        }
        const result = await deps.open(config, catalog, problems);
        if (catalog !== undefined) await result.engine.setCatalog(catalog);
        return result;
      })();
      opened = opening;
      await opening;
      return { problems };
    },
    setConsent: async (state: ConsentState) => (await engine()).setConsent(state),
    ingest: async (events: readonly RawEvent[]) => {
      const result = await (await engine()).ingest(events);
      (await opened)?.onIngest?.();
      return result;
    },
    recommend: async (options: RecommendOptions) => (await engine()).recommend(options),
    profile: async () => (await engine()).profile(),
    segment: async () => (await engine()).segment(),
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
