/**
 * The SDK's runtime: configuration, consent, the event queue and the engine connection. The
 * browser specifics (Worker, DOM, localStorage) come in through `Host`, so the same class runs
 * in Node tests against the real engine.
 *
 * Every public method is wrapped by facade.ts so nothing throws into the page; the client
 * reports problems through `report()` and never throws on bad input itself. It is a closure, not
 * a class: its state is local variables, which the minifier shortens to one letter with no
 * `this.` before each (the loader's budget is 6 KB gzipped).
 */
import type { ConsentState, ProfileView, RawEvent, Recommendation, RecommendOptions, SegmentView } from '../core/protocol/engine-api.js';
import type { WorkerConfig } from '../core/protocol/worker-boot.js';
import type { PAGE_EVENT } from '../core/events/names.js';
import type { ErrorReport, InklingEventName, Listener } from './api.js';
import { isAutomatedBrowser, type NavigatorLike } from './automation.js';
import { DEFAULT_CLONE_LIMITS, toCloneSafe } from './clone-safe.js';
import { consentMemory, privacySignalSet, resolveInitialConsent, type ConsentMemory, type KeyValueStorage, type PrivacySignals } from './consent.js';
import { createEmitter } from './emitter.js';
import { createEventBuffer, MAX_HELD_EVENTS, scheduler, type QueuedEvent } from './event-buffer.js';
import { createIdSource } from './ids.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import type { RemoteCall } from './rpc.js';
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
function engineReport(method: string, error: unknown): ErrorReport {
  const message = messageOf(error);
  const field = /^([\w.[\]]+): /.exec(message)?.[1];
  return { field: field ? `options.${field}` : 'worker', rule: field ? 'engine' : method, message, method };
}

/** What the loader and the ESM entry drive; facade.ts wraps it into the public `Inkling`. */
export interface InklingClient {
  configure(input: unknown): void;
  /** `timestamp`: when the call was made (a snippet call replayed after load keeps its time). */
  track(event: unknown, properties?: unknown, timestamp?: number): void;
  page(properties?: unknown, timestamp?: number): void;
  flush(): Promise<void>;
  consent(state: unknown): void;
  optOut(): void;
  /** Checks only the shape; the engine checks the values (k, ids) and its RangeErrors name them. */
  recommend(options?: unknown): Promise<Recommendation[]>;
  profile(): Promise<ProfileView | null>;
  segment(): Promise<SegmentView | null>;
  export(): Promise<unknown>;
  forget(): Promise<void>;
  on<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  off<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  report(error: ErrorReport): void;
  /** Where the client stands (tests, the benchmark, the debug console). */
  readonly state: { readonly mode: Mode; readonly consent: ConsentState; readonly queued: number };
}

export function createClient(host: Host): InklingClient {
  let mode: Mode = 'unconfigured';
  let resolved: ResolvedOptions | null = null;
  /** The options as given, for the first Worker to check (then undefined: reported once). */
  let unchecked: unknown;
  let consentState: ConsentState = 'pending';
  /** What `configure` tells the engine; undefined lets the engine use the consent it stored. */
  let consentToSend: ConsentState | undefined;
  let memory: ConsentMemory | null = null;
  let connection: EngineConnection | null = null;
  const pending = new Set<Promise<void>>();
  const emitter = createEmitter((error) => debug('an on() listener threw', error));
  const buffer = createEventBuffer(scheduler('microtask'), (events) => drain(events));
  const nextId = createIdSource();
  let detachers: (() => void)[] = [];
  let heldDropReported = false;
  /** `on('ready')` after the fact still hears it (once, asynchronously). */
  let ready = false;
  /** `ready` is announced only once autocapture listens too (its plugin file may still be loading). */
  let captureReady: Promise<void> = Promise.resolve();

  // ---- configuration -------------------------------------------------------------------------

  function configure(input: unknown): void {
    if (resolved) {
      fail('init', 'site', 'once', 'init() runs once');
      return;
    }
    const options = resolveOptions(input);
    if (!options) {
      fail('init', 'options.site', 'pattern', 'must be 1-64 of A-Z a-z 0-9 . _ -');
      return;
    }
    // Known before any problem is reported, so that debug mode logs them.
    resolved = options;
    // The Worker checks the other options' rules (core/protocol/options.ts): they travel as plain
    // data, and what cannot travel (a function, a DOM node) is reported here, by clone-safety's rules.
    const { value, issues } = toCloneSafe(input, 'options');
    for (const issue of issues) report({ ...issue, method: 'init' });
    unchecked = value;

    if (!options.allowAutomation && isAutomatedBrowser(host.navigator)) {
      debug('automated browser: not recorded (see allowAutomation)');
      stop();
      return;
    }
    const remembered = (memory = consentMemory(() => host.storage(), options.site)).read();
    const { state, source } = resolveInitialConsent({ signals: host.navigator ?? {}, respectGpc: options.respectGpc, remembered, configured: options.consent });
    consentState = state;
    // The engine remembers a grant itself; a default 'pending' must not overwrite it.
    consentToSend = source === 'default' ? undefined : state;
    if (state !== 'denied') start(options);
    else {
      stop();
      // A visitor who granted once and now sends a privacy signal: erase what was stored then.
      if (source === 'privacy-signal' && remembered === 'granted') {
        memory.write('denied');
        void erase(null);
      }
    }
  }

  function start(options: ResolvedOptions): void {
    const started = connect(options, consentToSend);
    if (!started) return;
    mode = 'running';
    connection = started;
    started.failure.catch((error: unknown) => {
      if (connection !== started) return;
      fail('init', 'worker', 'available', messageOf(error));
      stop();
    });
    const capture = host.autocapture(sink, options);
    captureReady = capture.ready;
    detachers.push(capture.detach, host.onHidden(() => buffer.drainNow()));
    buffer.resume(scheduler(options.batch));
  }

  function connect(options: ResolvedOptions, consent: ConsentState | undefined): EngineConnection | null {
    const workerUrl = options.workerUrl ?? host.defaultWorkerUrl;
    let started: EngineConnection;
    let config: WorkerConfig;
    try {
      if (workerUrl === undefined) throw new Error('no worker URL: set workerUrl');
      const pageUrl = host.pageUrl();
      // Absent fields travel as undefined, which the Worker reads as "not set".
      config = {
        site: options.site,
        debug: options.debug,
        consent,
        catalogUrl: options.catalog && new URL(options.catalog, pageUrl).href,
        // Relative to the page, like the catalogue ("/" = the site's own origin serves the aggregator).
        endpoint: options.endpoint && new URL(options.endpoint, pageUrl).href,
        helper: options.helper,
        options: unchecked,
      };
      unchecked = undefined;
      started = host.connect(chooseWorkerSource(workerUrl, pageUrl));
    } catch (error) {
      fail('init', 'worker', 'available', messageOf(error));
      stop();
      return null;
    }
    started.call('configure', config).then(
      async ({ problems }) => {
        for (const problem of problems) report({ ...problem, method: 'init' });
        await captureReady;
        if (connection !== started) return;
        ready = true;
        emitter.emit('ready', { site: options.site });
      },
      (error: unknown) => fail('init', 'worker', 'configure', messageOf(error)),
    );
    return started;
  }

  /** Stops everything: no more events, no Worker, no listeners. */
  function stop(): void {
    mode = 'stopped';
    ready = false;
    buffer.clear();
    buffer.pause();
    for (const detach of detachers.splice(0)) detach();
    const stopped = connection;
    connection = null;
    stopped?.terminate();
  }

  /**
   * Has the engine erase this site's database: through `current` if there is one (after
   * telling it consent is denied), else through a Worker started only for that. Ends the Worker.
   */
  async function erase(current: EngineConnection | null): Promise<void> {
    const worker = current ?? (resolved && connect(resolved, 'denied'));
    if (!worker) return;
    try {
      if (current) await worker.call('setConsent', 'denied');
      await worker.call('forget');
    } catch (error) {
      fail('forget', 'worker', 'erase', messageOf(error));
    } finally {
      worker.terminate();
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  /** The hot path: the checks that cannot wait, then one push. */
  function track(event: unknown, properties?: unknown, timestamp?: number): void {
    if (mode === 'stopped') return;
    if (typeof event !== 'string' || !event || event.length > MAX_EVENT_NAME_LENGTH) {
      fail('track', 'event', 'type:string', `must be a string of 1-${MAX_EVENT_NAME_LENGTH} characters`);
      return;
    }
    if (properties !== undefined && !isObject(properties)) {
      fail('track', 'properties', 'type:object', MUST_BE_OBJECT);
      return;
    }
    buffer.push({ name: event, properties, timestamp: timestamp ?? host.now(), path: host.path() });
    if (mode === 'unconfigured' && buffer.trimTo(MAX_HELD_EVENTS) > 0 && !heldDropReported) {
      heldDropReported = true;
      fail('track', 'site', 'required', `${NO_SITE}; only the last ${MAX_HELD_EVENTS} events are held`);
    }
  }

  function page(properties?: unknown, timestamp?: number): void {
    if (properties !== undefined && !isObject(properties)) fail('page', 'properties', 'type:object', MUST_BE_OBJECT);
    else track(PAGE_VIEWED, properties ?? {}, timestamp);
  }

  // track/page as they are: a capture passes no timestamp.
  const sink: CaptureSink = {
    track,
    page,
    warn: (field, rule, message) => fail('autocapture', field, rule, message),
  };

  /** Once per batch: ids, clone-safe properties, one message to the Worker per MAX_BATCH events. */
  function drain(events: QueuedEvent[]): void {
    const current = connection;
    if (!current) return;
    for (let start = 0; start < events.length; start += MAX_BATCH) {
      const batch: RawEvent[] = [];
      for (const { name, properties, timestamp, path } of events.slice(start, start + MAX_BATCH)) {
        const id = nextId();
        const { value, issues } = toCloneSafe(properties ?? {}, 'properties');
        for (const issue of issues) report({ ...issue, method: 'track', eventId: id });
        batch.push({ id, name, properties: value ?? {}, timestamp, ...(path !== undefined && { path }) });
      }
      const ingest = current.call('ingest', batch).then(
        ({ errors }) => {
          for (const { field, rule, message, eventId } of errors) report({ field, rule, message, eventId, method: 'track' });
        },
        (error: unknown) => {
          if (connection === current) fail('track', 'worker', 'ingest', messageOf(error));
        },
      );
      pending.add(ingest);
      void ingest.finally(() => pending.delete(ingest));
    }
  }

  // ---- consent ---------------------------------------------------------------------------------

  function consent(state: unknown): void {
    const options = resolved;
    if (state !== 'granted' && state !== 'denied') fail('consent', 'state', 'one-of', 'must be "granted" or "denied"');
    else if (!options) fail('consent', 'site', 'required', NO_SITE);
    else if (state === 'denied') deny();
    else if (options.respectGpc && privacySignalSet(host.navigator ?? {})) {
      fail('consent', 'state', 'privacy-signal', 'Global Privacy Control or Do Not Track is on (respectGpc: false overrides)');
    } else if (options.allowAutomation || !isAutomatedBrowser(host.navigator)) {
      memory?.write('granted');
      consentState = consentToSend = 'granted';
      const current = connection;
      if (mode === 'stopped') start(options);
      else if (current) current.call('setConsent', 'granted').catch((error: unknown) => fail('consent', 'worker', 'consent', messageOf(error)));
      emitter.emit('consent', { state: 'granted' });
    }
  }

  /** Denied: drop the queue, stop capturing, have the engine erase what it stored, stop the Worker. */
  function deny(): void {
    memory?.write('denied');
    consentState = 'denied';
    const current = connection;
    connection = null;
    stop();
    if (current) void erase(current);
    emitter.emit('consent', { state: 'denied' });
  }

  // ---- questions to the engine -----------------------------------------------------------------

  async function ask<T, F>(method: string, fallback: F, question: (call: RemoteCall) => Promise<T>): Promise<T | F> {
    // Events tracked before the question reach the engine before it (the Worker answers in order).
    buffer.drainNow();
    const current = connection;
    if (!current) {
      if (!resolved) fail(method, 'site', 'required', NO_SITE);
      return fallback;
    }
    try {
      return await question(current.call);
    } catch (error) {
      report(engineReport(method, error));
      return fallback;
    }
  }

  // ---- listeners and reports -------------------------------------------------------------------

  function report(error: ErrorReport): void {
    debug(error.message, error);
    emitter.emit('error', error);
  }

  function fail(method: string, field: string, rule: string, message: string): void {
    report({ field, rule, message: `${method}: ${field}: ${message}`, method });
  }

  function debug(message: string, detail?: unknown): void {
    try {
      if (resolved?.debug) host.console?.warn(`[inkling] ${message}`, detail);
    } catch {
      // A page whose console.warn throws still gets no exception.
    }
  }

  return {
    configure,
    track,
    page,
    async flush() {
      buffer.drainNow();
      await Promise.all(pending);
    },
    consent,
    optOut() {
      if (resolved) deny();
      else fail('optOut', 'site', 'required', NO_SITE);
    },
    async recommend(options) {
      if (options !== undefined && !isObject(options)) {
        fail('recommend', 'options', 'type:object', MUST_BE_OBJECT);
        return [];
      }
      const { value, issues } = toCloneSafe(options ?? {}, 'options', RECOMMEND_CLONE_LIMITS);
      for (const issue of issues) report({ ...issue, method: 'recommend' });
      if (issues.length > 0) return [];
      // toCloneSafe returns a plain copy of an object that was checked above to be one.
      return ask('recommend', [], (call) => call('recommend', value as RecommendOptions));
    },
    profile: () => ask('profile', null, (call) => call('profile')),
    segment: () => ask('segment', null, (call) => call('segment')),
    export: () => ask('export', null, (call) => call('exportAll')),
    async forget() {
      buffer.clear();
      if (connection) await ask('forget', undefined, (call) => call('forget'));
      else if (resolved) await erase(null);
      else fail('forget', 'site', 'required', NO_SITE);
    },
    on(event, listener) {
      if (!emitter.has(event)) fail('on', 'event', 'one-of', 'must be "error", "ready" or "consent"');
      else if (typeof listener !== 'function') fail('on', 'listener', 'type:function', 'must be a function');
      else {
        emitter.on(event, listener);
        const site = resolved?.site;
        if (event === 'ready' && ready && site) queueMicrotask(() => emitter.emitTo(listener as Listener<'ready'>, { site }));
      }
    },
    off(event, listener) {
      if (emitter.has(event)) emitter.off(event, listener);
    },
    report,
    get state() {
      return { mode, consent: consentState, queued: buffer.size };
    },
  };
}
