/**
 * The SDK's runtime: configuration, consent, the event queue and the engine connection. The
 * browser specifics (Worker, DOM, localStorage) come in through `Host`, so the same class runs
 * in Node tests against the real engine.
 *
 * Every public method is wrapped by facade.ts so nothing throws into the page; this class
 * reports problems through `report()` and never throws on bad input itself. Private members are
 * `#private` so the minifier can shorten them (the loader's budget is 6 KB gzipped).
 */
import type { ConsentState, ProfileView, RawEvent, Recommendation, RecommendOptions } from '../core/protocol/engine-api.js';
import type { WorkerApi, WorkerConfig } from '../core/protocol/worker-boot.js';
import type { PAGE_EVENT } from '../core/events/names.js';
import type { ErrorReport, InklingEventName, Listener } from './api.js';
import { isAutomatedBrowser, type NavigatorLike } from './automation.js';
import { DEFAULT_CLONE_LIMITS, toCloneSafe } from './clone-safe.js';
import { consentMemory, privacySignalSet, resolveInitialConsent, type ConsentMemory, type KeyValueStorage, type PrivacySignals } from './consent.js';
import { Emitter } from './emitter.js';
import { EventBuffer, MAX_HELD_EVENTS, scheduler, type QueuedEvent } from './event-buffer.js';
import { createIdSource } from './ids.js';
import { optionsToCheck, resolveOptions, type ResolvedOptions } from './options.js';
import { chooseWorkerSource, type EngineConnection, type WorkerSource } from './worker-client.js';

/** What the client needs from its surroundings. */
export interface Host {
  /** The page's URL: relative `catalog` and `workerUrl` resolve against it. */
  pageUrl(): string;
  /** The current path, stamped on each event (kept on the device). */
  path(): string | undefined;
  now(): number;
  readonly navigator: (NavigatorLike & PrivacySignals) | undefined;
  storage(): KeyValueStorage | undefined;
  /** Where the worker script is when `workerUrl` is not configured (next to the loader). */
  readonly defaultWorkerUrl: string | undefined;
  connect(source: WorkerSource): EngineConnection;
  /** Calls `flush` when the page is hidden or left; returns the detach function. */
  onHidden(flush: () => void): () => void;
  /** Starts the automatic captures (at once, or once their plugin file has arrived). */
  autocapture(sink: CaptureSink, options: ResolvedOptions): CaptureHandle;
  readonly console: Pick<Console, 'warn'> | undefined;
}

/** What autocapture may do: `track`/`page` without the checks it cannot fail, and report markup mistakes. */
export interface CaptureSink {
  track(name: string, properties: Record<string, unknown>): void;
  page(properties: Record<string, unknown>): void;
  warn(field: string, rule: string, message: string): void;
}

/** Running captures: `ready` settles once they listen (never rejects; problems go to the sink). */
export interface CaptureHandle {
  detach(): void;
  readonly ready: Promise<void>;
}

type Mode =
  /** No site yet (script tag without data-site): events are held, up to MAX_HELD_EVENTS. */
  | 'unconfigured'
  | 'running'
  /** Consent denied, opted out, an automated browser, or the Worker failed: everything is dropped. */
  | 'stopped';

const MAX_EVENT_NAME_LENGTH = 128;
/** The name `page()` records (a literal here: importing names.ts's values would bundle its lists). */
const PAGE_VIEWED: typeof PAGE_EVENT = 'Page Viewed';
/** `recommend({ candidates })` may list a whole catalogue. */
const RECOMMEND_CLONE_LIMITS = { ...DEFAULT_CLONE_LIMITS, maxItems: 50_000 };
const NO_SITE = 'none yet: set data-site or call init(site)';
const MUST_BE_OBJECT = 'must be an object';
/** Events per ingest message: under the engine's per-call limit (worker/engine.ts maxBatch, 1,000). */
const MAX_BATCH = 500;

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}

/**
 * The engine rejects with RangeErrors that start with the field ("k: must be an integer..."):
 * that field names the report.
 */
function engineReport(method: string, prefix: string, error: unknown): ErrorReport {
  const message = messageOf(error);
  const field = /^([\w.[\]]+): /.exec(message)?.[1];
  return { field: field ? `${prefix}.${field}` : 'worker', rule: field ? 'engine' : method, message, method };
}

export class InklingClient {
  #mode: Mode = 'unconfigured';
  #options: ResolvedOptions | null = null;
  /** The options as given, for the first Worker to check (then undefined: reported once). */
  #optionsToCheck: unknown;
  #consent: ConsentState = 'pending';
  /** What `configure` tells the engine; undefined lets the engine use the consent it stored. */
  #consentToSend: ConsentState | undefined;
  #memory: ConsentMemory | null = null;
  #connection: EngineConnection | null = null;
  readonly #pending = new Set<Promise<void>>();
  readonly #emitter = new Emitter((error) => this.#debug('an on() listener threw', error));
  readonly #buffer = new EventBuffer(scheduler('microtask'), (events) => this.#drain(events));
  readonly #nextId = createIdSource();
  #detachers: (() => void)[] = [];
  #heldDropReported = false;
  /** `on('ready')` after the fact still hears it (once, asynchronously). */
  #ready = false;
  /** `ready` is announced only once autocapture listens too (its plugin file may still be loading). */
  #captureReady: Promise<void> = Promise.resolve();

  constructor(private readonly host: Host) {}

  // ---- configuration -------------------------------------------------------------------------

  configure(input: unknown): void {
    if (this.#options) {
      this.#fail('init', 'site', 'once', 'init() runs once');
      return;
    }
    const options = resolveOptions(input);
    if (!options) {
      this.#fail('init', 'options.site', 'pattern', 'must be 1-64 of A-Z a-z 0-9 . _ -');
      return;
    }
    // Known before any problem is reported, so that debug mode logs them.
    this.#options = options;
    // The Worker checks the other options' rules (core/protocol/options.ts): they travel as plain data.
    const { value, issues } = toCloneSafe(optionsToCheck(input), 'options');
    for (const issue of issues) this.report({ ...issue, method: 'init' });
    this.#optionsToCheck = value;

    if (!options.allowAutomation && isAutomatedBrowser(this.host.navigator)) {
      this.#debug('automated browser: not recorded (see allowAutomation)');
      this.#stop();
      return;
    }
    const memory = (this.#memory = consentMemory(() => this.host.storage(), options.site));
    const remembered = memory.read();
    const { state, source } = resolveInitialConsent({ signals: this.host.navigator ?? {}, respectGpc: options.respectGpc, remembered, configured: options.consent });
    this.#consent = state;
    // The engine remembers a grant itself; a default 'pending' must not overwrite it.
    this.#consentToSend = source === 'default' ? undefined : state;
    if (state !== 'denied') this.#start(options);
    else {
      this.#stop();
      // A visitor who granted once and now sends a privacy signal: erase what was stored then.
      if (source === 'privacy-signal' && remembered === 'granted') {
        memory.write('denied');
        void this.#erase(null);
      }
    }
  }

  #start(options: ResolvedOptions): void {
    const connection = this.#connect(options, this.#consentToSend);
    if (!connection) return;
    this.#mode = 'running';
    this.#connection = connection;
    connection.failure.catch((error: unknown) => {
      if (this.#connection !== connection) return;
      this.#fail('init', 'worker', 'available', messageOf(error));
      this.#stop();
    });
    const capture = this.host.autocapture(this.#sink, options);
    this.#captureReady = capture.ready;
    this.#detachers.push(capture.detach, this.host.onHidden(() => this.#buffer.drainNow()));
    this.#buffer.resume(scheduler(options.batch));
  }

  #connect(options: ResolvedOptions, consent: ConsentState | undefined): EngineConnection | null {
    const workerUrl = options.workerUrl ?? this.host.defaultWorkerUrl;
    let connection: EngineConnection;
    let config: WorkerConfig;
    try {
      if (workerUrl === undefined) throw new Error('no worker URL: set workerUrl');
      const pageUrl = this.host.pageUrl();
      config = {
        site: options.site,
        debug: options.debug,
        ...(consent && { consent }),
        ...(options.catalog && { catalogUrl: new URL(options.catalog, pageUrl).href }),
        ...(options.endpoint && { endpoint: options.endpoint }),
        options: this.#optionsToCheck,
      };
      this.#optionsToCheck = undefined;
      connection = this.host.connect(chooseWorkerSource(workerUrl, pageUrl));
    } catch (error) {
      this.#fail('init', 'worker', 'available', messageOf(error));
      this.#stop();
      return null;
    }
    this.#guard(connection, connection.api.configure(config)).then(
      async ({ problems }) => {
        for (const problem of problems) this.report({ ...problem, method: 'init' });
        await this.#captureReady;
        if (this.#connection !== connection) return;
        this.#ready = true;
        this.#emitter.emit('ready', { site: options.site });
      },
      (error: unknown) => this.#fail('init', 'worker', 'configure', messageOf(error)),
    );
    return connection;
  }

  /** Stops everything: no more events, no Worker, no listeners. */
  #stop(): void {
    this.#mode = 'stopped';
    this.#ready = false;
    this.#buffer.clear();
    this.#buffer.pause();
    for (const detach of this.#detachers.splice(0)) detach();
    const connection = this.#connection;
    this.#connection = null;
    connection?.terminate();
  }

  /**
   * Has the engine erase this site's database: through `connection` if there is one (after
   * telling it consent is denied), else through a Worker started only for that. Ends the Worker.
   */
  async #erase(connection: EngineConnection | null): Promise<void> {
    const options = this.#options;
    const worker = connection ?? (options && this.#connect(options, 'denied'));
    if (!worker) return;
    try {
      if (connection) await this.#guard(worker, worker.api.setConsent('denied'));
      await this.#guard(worker, worker.api.forget());
    } catch (error) {
      this.#fail('forget', 'worker', 'erase', messageOf(error));
    } finally {
      worker.terminate();
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  /** The hot path: the checks that cannot wait, then one push. */
  track(event: unknown, properties?: unknown, timestamp?: number): void {
    if (this.#mode === 'stopped') return;
    if (typeof event !== 'string' || !event || event.length > MAX_EVENT_NAME_LENGTH) {
      this.#fail('track', 'event', 'type:string', `must be a string of 1-${MAX_EVENT_NAME_LENGTH} characters`);
      return;
    }
    if (properties !== undefined && !isObject(properties)) {
      this.#fail('track', 'properties', 'type:object', MUST_BE_OBJECT);
      return;
    }
    this.#buffer.push({ name: event, properties, timestamp: timestamp ?? this.host.now(), path: this.host.path() });
    if (this.#mode === 'unconfigured' && this.#buffer.trimTo(MAX_HELD_EVENTS) > 0 && !this.#heldDropReported) {
      this.#heldDropReported = true;
      this.#fail('track', 'site', 'required', `${NO_SITE}; only the last ${MAX_HELD_EVENTS} events are held`);
    }
  }

  page(properties?: unknown, timestamp?: number): void {
    if (properties !== undefined && !isObject(properties)) this.#fail('page', 'properties', 'type:object', MUST_BE_OBJECT);
    else this.track(PAGE_VIEWED, properties ?? {}, timestamp);
  }

  readonly #sink: CaptureSink = {
    track: (name, properties) => this.track(name, properties),
    page: (properties) => this.page(properties),
    warn: (field, rule, message) => this.#fail('autocapture', field, rule, message),
  };

  /** Once per batch: ids, clone-safe properties, one message to the Worker per MAX_BATCH events. */
  #drain(events: QueuedEvent[]): void {
    const connection = this.#connection;
    if (!connection) return;
    for (let start = 0; start < events.length; start += MAX_BATCH) {
      const batch: RawEvent[] = [];
      for (const { name, properties, timestamp, path } of events.slice(start, start + MAX_BATCH)) {
        const id = this.#nextId();
        const { value, issues } = toCloneSafe(properties ?? {}, 'properties');
        for (const issue of issues) this.report({ ...issue, method: 'track', eventId: id });
        batch.push({ id, name, properties: value ?? {}, timestamp, ...(path !== undefined && { path }) });
      }
      const ingest = this.#guard(connection, connection.api.ingest(batch)).then(
        ({ errors }) => {
          for (const { field, rule, message, eventId } of errors) this.report({ field, rule, message, eventId, method: 'track' });
        },
        (error: unknown) => {
          if (this.#connection === connection) this.#fail('track', 'worker', 'ingest', messageOf(error));
        },
      );
      this.#pending.add(ingest);
      void ingest.finally(() => this.#pending.delete(ingest));
    }
  }

  async flush(): Promise<void> {
    this.#buffer.drainNow();
    await Promise.all(this.#pending);
  }

  // ---- consent ---------------------------------------------------------------------------------

  consent(state: unknown): void {
    const options = this.#options;
    if (state !== 'granted' && state !== 'denied') this.#fail('consent', 'state', 'one-of', 'must be "granted" or "denied"');
    else if (!options) this.#fail('consent', 'site', 'required', NO_SITE);
    else if (state === 'denied') this.#deny();
    else if (options.respectGpc && privacySignalSet(this.host.navigator ?? {})) {
      this.#fail('consent', 'state', 'privacy-signal', 'Global Privacy Control or Do Not Track is on (respectGpc: false overrides)');
    } else if (options.allowAutomation || !isAutomatedBrowser(this.host.navigator)) {
      this.#memory?.write('granted');
      this.#consent = this.#consentToSend = 'granted';
      const connection = this.#connection;
      if (this.#mode === 'stopped') this.#start(options);
      else if (connection) this.#guard(connection, connection.api.setConsent('granted')).catch((error: unknown) => this.#fail('consent', 'worker', 'consent', messageOf(error)));
      this.#emitter.emit('consent', { state: 'granted' });
    }
  }

  optOut(): void {
    if (this.#options) this.#deny();
    else this.#fail('optOut', 'site', 'required', NO_SITE);
  }

  /** Denied: drop the queue, stop capturing, have the engine erase what it stored, stop the Worker. */
  #deny(): void {
    this.#memory?.write('denied');
    this.#consent = 'denied';
    const connection = this.#connection;
    this.#connection = null;
    this.#stop();
    if (connection) void this.#erase(connection);
    this.#emitter.emit('consent', { state: 'denied' });
  }

  // ---- questions to the engine -----------------------------------------------------------------

  /** Checks only the shape; the engine checks the values (k, ids) and its RangeErrors name them. */
  async recommend(options?: unknown): Promise<Recommendation[]> {
    if (options !== undefined && !isObject(options)) {
      this.#fail('recommend', 'options', 'type:object', MUST_BE_OBJECT);
      return [];
    }
    const { value, issues } = toCloneSafe(options ?? {}, 'options', RECOMMEND_CLONE_LIMITS);
    for (const issue of issues) this.report({ ...issue, method: 'recommend' });
    if (issues.length > 0) return [];
    // toCloneSafe returns a plain copy of an object that was checked above to be one.
    return this.#ask('recommend', [], (api) => api.recommend(value as RecommendOptions));
  }

  profile(): Promise<ProfileView | null> {
    return this.#ask('profile', null, (api) => api.profile());
  }

  export(): Promise<unknown> {
    return this.#ask('export', null, (api) => api.exportAll());
  }

  async forget(): Promise<void> {
    this.#buffer.clear();
    if (this.#connection) await this.#ask('forget', undefined, (api) => api.forget());
    else if (this.#options) await this.#erase(null);
    else this.#fail('forget', 'site', 'required', NO_SITE);
  }

  async #ask<T, F>(method: string, fallback: F, call: (api: WorkerApi) => Promise<T>): Promise<T | F> {
    // Events tracked before the question reach the engine before it (the Worker answers in order).
    this.#buffer.drainNow();
    const connection = this.#connection;
    if (!connection) {
      if (!this.#options) this.#fail(method, 'site', 'required', NO_SITE);
      return fallback;
    }
    try {
      return await this.#guard(connection, call(connection.api));
    } catch (error) {
      this.report(engineReport(method, 'options', error));
      return fallback;
    }
  }

  /** A call that settles even when the Worker dies (its answer would never come). */
  #guard<T>(connection: EngineConnection, call: Promise<T>): Promise<T> {
    return Promise.race([call, connection.failure]);
  }

  // ---- listeners and reports -------------------------------------------------------------------

  on<E extends InklingEventName>(event: E, listener: Listener<E>): void {
    if (!this.#emitter.has(event)) this.#fail('on', 'event', 'one-of', 'must be "error", "ready" or "consent"');
    else if (typeof listener !== 'function') this.#fail('on', 'listener', 'type:function', 'must be a function');
    else {
      this.#emitter.on(event, listener);
      const site = this.#options?.site;
      if (event === 'ready' && this.#ready && site) queueMicrotask(() => this.#emitter.emitTo(listener as Listener<'ready'>, { site }));
    }
  }

  off<E extends InklingEventName>(event: E, listener: Listener<E>): void {
    if (this.#emitter.has(event)) this.#emitter.off(event, listener);
  }

  report(error: ErrorReport): void {
    this.#debug(error.message, error);
    this.#emitter.emit('error', error);
  }

  #fail(method: string, field: string, rule: string, message: string): void {
    this.report({ field, rule, message: `${method}: ${field}: ${message}`, method });
  }

  #debug(message: string, detail?: unknown): void {
    try {
      if (this.#options?.debug) this.host.console?.warn(`[inkling] ${message}`, detail);
    } catch {
      // A page whose console.warn throws still gets no exception.
    }
  }

  /** Where the client stands (tests, the benchmark, the debug console). */
  get state(): { readonly mode: Mode; readonly consent: ConsentState; readonly queued: number } {
    return { mode: this.#mode, consent: this.#consent, queued: this.#buffer.size };
  }
}
