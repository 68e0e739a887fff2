/**
 * How the page starts the engine inside its Worker. The SDK creates the Worker, wraps it with
 * Comlink as a `WorkerApi` and calls `configure()` once, first; every other call may be sent at
 * once after it (the Worker queues them until the engine is open). Additive to engine-api.ts.
 */
import type { ConsentState, EngineApi } from './engine-api.js';

export interface WorkerConfig {
  /** The site id from `data-site` / `init(site)`; the engine scopes its database by it. */
  readonly site: string;
  /** Absolute URL of the site's catalogue JSON (resolved by the page: a blob: Worker has no base URL). */
  readonly catalogUrl?: string;
  /** The aggregator's base URL (federated rounds; unused until the aggregator exists). */
  readonly endpoint?: string;
  /** The helper aggregator's origin the site pins (`data-helper`): a task naming another helper is refused. */
  readonly helper?: string;
  /**
   * The consent the page starts with when it knows one (a privacy signal, the visitor's remembered
   * choice, the site's configuration); absent, the engine uses what it stored, else `pending`.
   * Later changes arrive through `setConsent`.
   */
  readonly consent?: ConsentState;
  readonly debug: boolean;
  /**
   * The options the site gave (`init()`, `createInkling()`, the script tag's attributes), as plain
   * data: `configure` reports each rule they break (core/protocol/options.ts `checkOptions`) among
   * its `problems`. The page has already read them, falling back to defaults.
   */
  readonly options?: unknown;
}

/** Something the Worker could not do while starting (the catalogue did not load...); the engine still runs. */
export interface BootProblem {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export interface WorkerApi extends EngineApi {
  /** Opens the engine (and loads the catalogue); rejects only when the engine cannot run at all. */
  configure(config: WorkerConfig): Promise<{ readonly problems: readonly BootProblem[] }>;
}
