/**
 * Peers, side by side (issue 10): Inkling, Segment's analytics-next (its standalone build) and
 * posthog-js (its `array.js`, what PostHog's snippet loads), each on the same minimal page, in one
 * Chromium run, with no network: every request the peers make goes to a local sink on 127.0.0.1
 * (a second origin, standing in for their CDN and API), which answers what each SDK expects and
 * counts the bytes it receives. Chromium resolves no other host (`--host-resolver-rules`); a
 * request to any other host is counted and printed.
 *
 * Inkling is embedded as a site without federated learning would: the built dist/sdk, the inline
 * snippet, then `<script async src="/inkling.js" data-site>` with no endpoint and no catalogue
 * (autocapture at its default; consent granted and automation allowed, as the peers record at once
 * in a headless browser). Each page inserts its SDK's script tag from an inline script, as the
 * peers' snippets do, and marks the moment (`performance.now()`, mark `peers:insert`).
 *
 * Measured per SDK:
 * - script bytes (gzip level 9 of each body, as bench/browser-sdk.bench.ts counts): the page's
 *   own (main thread) and everything downloaded, Worker scripts and lazy chunks included (every
 *   JavaScript or WebAssembly response Playwright sees, page and Worker);
 * - script evaluation: compile + evaluate of the SDK's scripts on the main thread, from a
 *   Chromium trace (union of the `EvaluateScript` / `v8.compile` / `v8.evaluateModule` slices of
 *   the SDK's script URLs after the insertion mark); the same in its Worker for Inkling;
 * - ready: insertion → the SDK's own ready signal (Inkling `on('ready')`, Segment
 *   `analytics.ready()`, PostHog's `loaded` callback);
 * - the three above over LOADS page loads, each in a fresh browser context, SDKs interleaved;
 *   the median is printed;
 * - long tasks (PerformanceObserver 'longtask') from insertion to SETTLE_MS after ready, and
 *   during a 1,000-event burst until the sink has decoded all 1,000 (at most BURST_MAX_MS) + 500 ms;
 * - `track()` cost over 10,000 calls in tasks of 100 (the SDK's own work runs between tasks, as
 *   in browser-sdk.bench.ts): p99 of single calls, p50 of blocks of 10 calls ÷ 10 (a single call
 *   is close to the 5 µs timer resolution); the pass stops at TRACK_BUDGET_MS and says so;
 *   bytes, burst and track() share one fresh context per SDK, in that order;
 * - bytes sent to the sink per 100 events (request line, headers and bodies, preflights
 *   included), after the start-up traffic has gone quiet and until the sink has decoded all 100.
 *
 * Where the peers' track() time goes (measured when this bench was written, not re-measured by it:
 * a CDP CPU profile of these loops and counting wrappers on `document.cookie` and `setItem`): both
 * keep their ids in cookies and localStorage and write them on every call. Per `track()`, Segment
 * reads `document.cookie` 10 times and writes it 4 times (and localStorage 4 times) inside the
 * call, 20 / 6 / 6 with its deferred work; PostHog's `capture()` reads it 5 times and writes it
 * once (localStorage once). In Chromium a cookie read after a write is a synchronous IPC to the
 * network service (≈ 1 ms on this loaded 2-core machine, against 40 µs for a cached read), and the
 * `document.cookie` getter was the largest self time in both profiles. Inkling touches neither.
 *
 * Run: `npm run bench -- peers` (builds dist/sdk first if it is missing). Prints a markdown
 * table with ratios Inkling ÷ peer and the issue's two targets as pass / SHORT; exits 0 either way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/support/chromium.js';
import { DEFAULT_ROOTS, startStaticServer } from '../test/support/static-server.js';

const distSdk = DEFAULT_ROOTS[1]!;
const projectRoot = resolve(distSdk, '..', '..');
const SEGMENT_UMD = join(projectRoot, 'node_modules', '@segment', 'analytics-next', 'dist', 'umd');
const POSTHOG_DIST = join(projectRoot, 'node_modules', 'posthog-js', 'dist');

/** Page loads per SDK for ready / evaluation / load long tasks (fresh context each, interleaved). */
const LOADS = 5;
const TRACK_CALLS = 10_000;
const BURST = 1_000;
const BYTES_EVENTS = 100;
/**
 * The track() pass stops early past this many milliseconds (and the table says so): on this
 * machine Segment and PostHog spend milliseconds of main thread per event, in the call and between
 * tasks (see "Where the peers' track() time goes" above); 10,000 of Segment's took 100 s.
 */
const TRACK_BUDGET_MS = 20_000;
/** After ready: what an SDK does once it is ready (plugins, remote config, first events) is still load. */
const SETTLE_MS = 1000;
/** The sink has "gone quiet" after this long without a request. PostHog flushes its batch every 3 s. */
const QUIET_MS = 1000;
const QUIET_MAX_MS = 8000;
/** At most this long for a peer to deliver the 1,000-event burst. */
const BURST_MAX_MS = 20_000;
const READY_TIMEOUT_MS = 20_000;

const SEGMENT_KEY = 'benchWriteKey';
const POSTHOG_TOKEN = 'phc_bench';

const SDKS = ['inkling', 'segment', 'posthog'] as const;
type Sdk = (typeof SDKS)[number];
const LABEL: Readonly<Record<Sdk, string>> = {
  inkling: 'Inkling',
  segment: 'Segment analytics-next',
  posthog: 'PostHog posthog-js',
};

// ---------------------------------------------------------------------------------------------
// The sink: the peers' CDN and API on a second local origin.

interface SinkRequest {
  readonly method: string;
  readonly path: string;
  /** Request line + headers + body, as received. */
  readonly bytes: number;
  /** 'Product Viewed' events in the body (decoded: Segment's JSON, PostHog's gzip-js batches). */
  readonly events: number;
  readonly at: number;
}

interface Sink {
  readonly origin: string;
  readonly requests: SinkRequest[];
  close(): Promise<void>;
}

function packageVersion(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? '?';
}

/** Segment's CDN settings for a source with no destinations, pointed at the sink. */
function segmentSettings(sinkHost: string): string {
  return JSON.stringify({
    integrations: {
      'Segment.io': { apiKey: SEGMENT_KEY, apiHost: `${sinkHost}/v1`, protocol: 'http', unbundledIntegrations: [], addBundledMetadata: true, maybeBundledConfigIds: {} },
    },
    plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // Segment's CDN sends a small sample rate here; 0 keeps a random metrics request out of the byte counts.
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  });
}

/**
 * PostHog's remote config for a project with its defaults and nothing extra switched on (no
 * recording, surveys, heatmaps, flags): the least it loads.
 */
function posthogRemoteConfig(): Record<string, unknown> {
  return {
    token: POSTHOG_TOKEN,
    supportedCompression: ['gzip', 'gzip-js'],
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: false,
    autocaptureExceptions: false,
    analytics: { endpoint: '/e/' },
    elementsChainAsString: true,
    sessionRecording: false,
    heatmaps: false,
    surveys: false,
    productTours: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  };
}

/** How many 'Product Viewed' events a request body carries (0 for anything unreadable). */
function countEvents(body: Buffer): number {
  if (body.length === 0) return 0;
  try {
    let text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString('utf8');
    if (text.startsWith('data=')) text = Buffer.from(decodeURIComponent(text.slice(5)), 'base64').toString('utf8');
    const json: unknown = JSON.parse(text);
    const list: unknown[] = Array.isArray(json) ? json : typeof json === 'object' && json !== null && Array.isArray(Reflect.get(json, 'batch')) ? (Reflect.get(json, 'batch') as unknown[]) : [json];
    return list.filter((e) => typeof e === 'object' && e !== null && Reflect.get(e, 'event') === 'Product Viewed').length;
  } catch {
    return 0;
  }
}

async function startSink(): Promise<Sink> {
  const requests: SinkRequest[] = [];
  let host = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sink');
      const body = Buffer.concat(chunks);
      // Each header line is `name: value\r\n`: 2 bytes after the name, 2 after the value.
      const headerBytes = req.rawHeaders.reduce((sum, part) => sum + Buffer.byteLength(part) + 2, 0);
      const requestLine = Buffer.byteLength(`${req.method} ${req.url} HTTP/1.1\r\n\r\n`);
      requests.push({ method: req.method ?? 'GET', path: url.pathname, bytes: requestLine + headerBytes + body.length, events: countEvents(body), at: Date.now() });
      const headers: Record<string, string> = {
        'access-control-allow-origin': req.headers.origin ?? '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '600',
        // The test page is cross-origin isolated (COEP require-corp), like bench/browser-sdk's.
        'cross-origin-resource-policy': 'cross-origin',
        'cache-control': 'no-store',
      };
      const send = (status: number, type: string, content: string | Buffer): void => {
        res.writeHead(status, { ...headers, 'content-type': type });
        res.end(content);
      };
      const file = (dir: string, name: string): void => {
        const path = join(dir, basename(name));
        if (existsSync(path) && statSync(path).isFile()) send(200, 'text/javascript; charset=utf-8', readFileSync(path));
        else send(404, 'text/plain', 'not found');
      };
      const path = url.pathname;
      if (req.method === 'OPTIONS') {
        res.writeHead(204, headers).end();
      } else if (path === `/analytics.js/v1/${SEGMENT_KEY}/analytics.min.js`) {
        file(SEGMENT_UMD, 'standalone.js');
      } else if (path.startsWith('/analytics-next/bundles/')) {
        file(SEGMENT_UMD, path.slice('/analytics-next/bundles/'.length));
      } else if (path === `/v1/projects/${SEGMENT_KEY}/settings`) {
        send(200, 'application/json', segmentSettings(host));
      } else if (path.startsWith('/v1/')) {
        send(200, 'application/json', JSON.stringify({ success: true }));
      } else if (path.startsWith('/static/')) {
        file(POSTHOG_DIST, path.slice('/static/'.length));
      } else if (path === `/array/${POSTHOG_TOKEN}/config.js`) {
        const config = JSON.stringify(posthogRemoteConfig());
        send(200, 'text/javascript; charset=utf-8', `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(POSTHOG_TOKEN)}]={config:${config},siteApps:[]};})();`);
      } else if (path === `/array/${POSTHOG_TOKEN}/config`) {
        send(200, 'application/json', JSON.stringify(posthogRemoteConfig()));
      } else if (path.startsWith('/flags') || path.startsWith('/decide')) {
        send(200, 'application/json', JSON.stringify({ flags: {}, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, quotaLimited: [], requestId: 'bench' }));
      } else {
        // PostHog's /e/, /i/v0/e/, /batch/, /s/ … : accepted.
        send(200, 'application/json', JSON.stringify({ status: 1 }));
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  return {
    origin: `http://${host}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Waits until the sink has received `events` events since `since` (0: none expected) and then no
 * request for QUIET_MS, or until `maxMs` has passed.
 */
async function sinkQuiet(sink: Sink, since: number, events: number, maxMs = QUIET_MAX_MS): Promise<void> {
  const started = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const recent = sink.requests.filter((r) => r.at >= since);
    const last = recent.length > 0 ? recent[recent.length - 1]!.at : started;
    const arrived = recent.reduce((sum, r) => sum + r.events, 0);
    if (Date.now() - started >= maxMs) return;
    if (arrived >= events && Date.now() - last >= QUIET_MS) return;
  }
}

// ---------------------------------------------------------------------------------------------
// The test pages: the same body, each SDK's snippet, one inserted script tag.

const PAGE_BODY = `<body><h1>Peers benchmark page</h1><p>One page, one SDK.</p>
<a href="#more">A link</a> <button type="button">A button</button></body>`;

/** Sets up the long-task observer and the ready/insert clocks every page shares. */
const HARNESS = `window.__peers = { longTasks: [] };
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__peers.longTasks.push({ start: e.startTime, duration: e.duration }); })
  .observe({ type: 'longtask', buffered: true });
window.__peersInsert = (script) => { window.__peers.insertAt = performance.now(); performance.mark('peers:insert'); document.head.appendChild(script); };
window.__peersReady = () => { if (window.__peers.readyAt === undefined) { window.__peers.readyAt = performance.now(); performance.mark('peers:ready'); } };`;

/** Segment's snippet (v5.2.1), its CDN and script URL pointed at the sink; no `page()` call. */
function segmentSnippet(sink: string): string {
  return `!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src=${JSON.stringify(sink)}+"/analytics.js/v1/"+key+"/analytics.min.js";analytics._loadOptions=n;window.__peersInsert(t)};analytics._writeKey=${JSON.stringify(SEGMENT_KEY)};analytics._cdn=${JSON.stringify(sink)};analytics.SNIPPET_VERSION="5.2.1";
analytics.ready(window.__peersReady);
analytics.load(${JSON.stringify(SEGMENT_KEY)});
}}();`;
}

/**
 * PostHog's snippet, its script URL pointed at the sink (api_host; PostHog serves its assets from
 * the api host when that is not its own cloud). Two defaults would time a drop path instead of
 * recording: posthog-js captures nothing from a user agent that looks like a bot (HeadlessChrome),
 * so `opt_out_useragent_filter: true` (its advice for end-to-end tests; events then carry
 * `$browser_type`), and its client-side rate limit drops events past a burst of 100 (10/s after),
 * so that is raised.
 */
function posthogSnippet(sink: string): string {
  return `!function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host.replace(".i.posthog.com","-assets.i.posthog.com")+"/static/array.js";var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o="init capture register register_once register_for_session unregister unregister_for_session getFeatureFlag getFeatureFlagPayload isFeatureEnabled reloadFeatureFlags updateEarlyAccessFeatureEnrollment getEarlyAccessFeatures on onFeatureFlags onSessionId getSurveys getActiveMatchingSurveys renderSurvey canRenderSurvey identify setPersonProperties group resetGroups setPersonPropertiesForFlags resetPersonPropertiesForFlags setGroupPropertiesForFlags resetGroupPropertiesForFlags reset get_distinct_id getGroups get_session_id get_session_replay_url alias set_config startSessionRecording stopSessionRecording sessionRecordingStarted captureException loadToolbar get_property getSessionProperty createPersonProfile opt_in_capturing opt_out_capturing has_opted_in_capturing has_opted_out_capturing clear_opt_in_out_capturing debug".split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a]);window.__peersInsert(p)},e.__SV=1)}(document,window.posthog||[]);
posthog.init(${JSON.stringify(POSTHOG_TOKEN)}, { api_host: ${JSON.stringify(sink)}, person_profiles: 'identified_only', rate_limiting: { events_per_second: 1e6, events_burst_limit: 1e6 }, opt_out_useragent_filter: true, loaded: window.__peersReady });`;
}

/** Inkling's snippet (dist/sdk/stub.min.js) and the tag a site without federated learning writes. */
function inklingSnippet(): string {
  const stub = readFileSync(join(distSdk, 'stub.min.js'), 'utf8').trim();
  return `${stub}
inkling.on('ready', window.__peersReady);
(function () { var s = document.createElement('script'); s.async = true; s.src = '/inkling.js';
  s.setAttribute('data-site', 'bench'); s.setAttribute('data-consent', 'granted'); s.setAttribute('data-allow-automation', '');
  window.__peersInsert(s); })();`;
}

function snippetFor(sdk: Sdk, sink: string): string {
  switch (sdk) {
    case 'inkling':
      return inklingSnippet();
    case 'segment':
      return segmentSnippet(sink);
    case 'posthog':
      return posthogSnippet(sink);
    default: {
      const never: never = sdk;
      throw new Error(`unknown SDK ${String(never)}`);
    }
  }
}

function pageFor(sdk: Sdk, sink: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>peers: ${sdk}</title>
<script>${HARNESS}</script>
<script>${snippetFor(sdk, sink)}</script>
</head>${PAGE_BODY}</html>`;
}

/**
 * The platform's floor for a ready signal that needs a Worker: the same page and insertion, a
 * one-line script that starts a one-line module Worker and calls ready on its first message. An
 * SDK whose engine lives in a Worker (Inkling's does: DESIGN.md) cannot be ready before this.
 */
const FLOOR = 'worker-floor';
const FLOOR_FILES: Readonly<Record<string, string>> = {
  [`${FLOOR}.html`]: `<!doctype html><html><head><meta charset="utf-8"><title>peers: ${FLOOR}</title>
<script>${HARNESS}</script>
<script>(function () { var s = document.createElement('script'); s.async = true; s.src = '/${FLOOR}.js'; window.__peersInsert(s); })();</script>
</head>${PAGE_BODY}</html>`,
  [`${FLOOR}.js`]: `new Worker('/${FLOOR}-worker.js', { type: 'module' }).onmessage = () => window.__peersReady();`,
  [`${FLOOR}-worker.js`]: 'postMessage(0);',
};

// ---------------------------------------------------------------------------------------------
// In the page.

interface LongTask {
  readonly start: number;
  readonly duration: number;
}

interface PeersWindow extends Window {
  readonly __peers?: { insertAt?: number; readyAt?: number; longTasks: LongTask[] };
  readonly inkling?: { track(event: string, properties?: object): void; flush(): Promise<void> };
  readonly analytics?: { track(event: string, properties?: object): unknown };
  readonly posthog?: { capture(event: string, properties?: object): unknown };
}

/** The SDK's track call, bound on the page (the name is the page global and its method). */
const TRACK_CALL: Readonly<Record<Sdk, { global: 'inkling' | 'analytics' | 'posthog'; method: string }>> = {
  inkling: { global: 'inkling', method: 'track' },
  segment: { global: 'analytics', method: 'track' },
  posthog: { global: 'posthog', method: 'capture' },
};

// ---------------------------------------------------------------------------------------------
// Script bytes, from the responses the page and its Worker received.

interface ScriptDownload {
  readonly url: string;
  /** 'page' (main thread) or 'worker'. */
  readonly thread: 'page' | 'worker';
  readonly kind: 'js' | 'wasm';
  readonly raw: number;
  readonly gz: number;
}

function isCode(response: Response): 'js' | 'wasm' | null {
  const type = (response.headers()['content-type'] ?? '').toLowerCase();
  if (type.includes('wasm')) return 'wasm';
  if (type.includes('javascript') || response.request().resourceType() === 'script') return 'js';
  return null;
}

/** Collects every script / wasm response of the page and its Workers; `settle()` reads their bodies. */
function recordScripts(page: Page): { settle(): Promise<ScriptDownload[]>; external: string[] } {
  const pending: Promise<ScriptDownload | null>[] = [];
  const external: string[] = [];
  const onResponse = (response: Response): void => {
    const kind = isCode(response);
    if (!kind || response.status() !== 200) return;
    pending.push(
      (async () => {
        try {
          // Playwright gives a Worker's requests the page's frame; Sec-Fetch-Dest tells them apart
          // (`worker` for a Worker's script and for the modules it imports).
          const dest = (await response.request().allHeaders())['sec-fetch-dest'] ?? '';
          const body = await response.body();
          return { url: response.url(), thread: dest.endsWith('worker') ? 'worker' : 'page', kind, raw: body.length, gz: gzipSync(body, { level: 9 }).length } as const;
        } catch {
          return null;
        }
      })(),
    );
  };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') external.push(request.url());
  });
  page.on('response', onResponse);
  return {
    external,
    async settle() {
      const all = await Promise.all(pending);
      return all.filter((d): d is ScriptDownload => d !== null);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The trace: evaluation and main-thread busy time.

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { name?: string; data?: { url?: string } };
}

const EVAL_EVENTS = new Set(['EvaluateScript', 'v8.compile', 'v8.evaluateModule', 'v8.compileModule', 'v8.produceModuleCache', 'v8.produceCache']);

/** Total length of the union of [start, end) intervals, clipped to [from, to). */
function unionMs(intervals: readonly [number, number][], from: number, to: number): number {
  const clipped = intervals
    .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of clipped) {
    if (s >= end) {
      total += e - s;
      end = e;
    } else if (e > end) {
      total += e - end;
      end = e;
    }
  }
  return total / 1000;
}

interface TraceFigures {
  /** Compile + evaluate of scripts on the page's main thread after insertion. */
  readonly evalMs: number;
  /** The same in dedicated Workers. */
  readonly workerEvalMs: number;
}

/** A script of the SDK's own: it has a URL, and it is no page of the bench (the inline snippets are timed before insertion). */
function isSdkScript(url: string | undefined): boolean {
  return url !== undefined && url !== '' && !url.endsWith('.html');
}

function readTrace(buffer: Buffer): TraceFigures {
  const parsed = JSON.parse(buffer.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const insert = events.find((e) => e.name === 'peers:insert');
  if (!insert) throw new Error('trace has no peers:insert mark');
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const mainKey = [...threadNames].find(([key, name]) => key.startsWith(`${insert.pid}:`) && name === 'CrRendererMain')?.[0] ?? `${insert.pid}:${insert.tid}`;
  const isWorker = (e: TraceEvent) => e.pid === insert.pid && /DedicatedWorker/.test(threadNames.get(`${e.pid}:${e.tid}`) ?? '');
  const slices = (filter: (e: TraceEvent) => boolean): [number, number][] =>
    events.filter((e) => e.ph === 'X' && e.dur !== undefined && filter(e)).map((e) => [e.ts, e.ts + e.dur!]);
  const onMain = (e: TraceEvent) => `${e.pid}:${e.tid}` === mainKey;
  const end = Infinity;
  return {
    // Scripts with a URL that is not the page's: the SDK's files (Playwright's own evaluations have none).
    evalMs: unionMs(slices((e) => onMain(e) && EVAL_EVENTS.has(e.name) && isSdkScript(e.args?.data?.url)), insert.ts, end),
    workerEvalMs: unionMs(slices((e) => isWorker(e) && EVAL_EVENTS.has(e.name)), insert.ts, end),
  };
}

// ---------------------------------------------------------------------------------------------
// One page load (fresh context), traced.

interface LoadRun {
  readonly readyMs: number;
  readonly trace: TraceFigures;
  readonly scripts: readonly ScriptDownload[];
  readonly longTasks: readonly number[];
  readonly external: readonly string[];
}

/** Few categories: enough for script compile / evaluate, light enough not to slow the load much. */
const TRACE_CATEGORIES = ['devtools.timeline', 'v8', 'blink.user_timing', '__metadata'];

async function openPage(browser: Browser, origin: string, sdk: Sdk | typeof FLOOR, trace: boolean) {
  const context = await browser.newContext();
  // tsx compiles this file with esbuild's keepNames, which wraps named functions inside
  // page.evaluate() in a Node-only `__name` helper: give the page an identity stand-in.
  await context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  const page = await context.newPage();
  // A blank page of the same origin first: the renderer process exists before tracing starts (a
  // process that starts during a trace loses its first events), as a site's page exists before
  // its analytics tag is inserted.
  await page.goto(`${origin}/blank.html`);
  const scripts = recordScripts(page);
  if (trace) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  await page.goto(`${origin}/${sdk}.html`);
  await page.waitForFunction(() => (window as PeersWindow).__peers?.readyAt !== undefined, undefined, { timeout: READY_TIMEOUT_MS, polling: 20 });
  return { context, page, scripts };
}

async function loadOnce(browser: Browser, origin: string, sdk: Sdk | typeof FLOOR): Promise<LoadRun> {
  const { context, page, scripts } = await openPage(browser, origin, sdk, true);
  try {
    await page.waitForTimeout(SETTLE_MS);
    const traceBuffer = await browser.stopTracing();
    const state = await page.evaluate(() => {
      const peers = (window as PeersWindow).__peers!;
      return { insertAt: peers.insertAt!, readyAt: peers.readyAt!, longTasks: peers.longTasks.filter((t) => t.start >= peers.insertAt!).map((t) => t.duration) };
    });
    return {
      readyMs: state.readyAt - state.insertAt,
      trace: readTrace(traceBuffer),
      scripts: await scripts.settle(),
      longTasks: state.longTasks,
      external: scripts.external,
    };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// One longer session per SDK: bytes per 100 events, a burst, then track() timing.

interface Session {
  readonly sentPer100: { bytes: number; requests: number; events: number };
  readonly burstDelivered: number;
  readonly trackCalls: number;
  readonly burstLongTasks: readonly number[];
  readonly trackP50Us: number;
  readonly trackP99Us: number;
  readonly trackMeanUs: number;
  readonly crossOriginIsolated: boolean;
}

async function session(browser: Browser, origin: string, sdk: Sdk, sink: Sink): Promise<Session> {
  const { context, page } = await openPage(browser, origin, sdk, false);
  const call = TRACK_CALL[sdk];
  try {
    await page.waitForTimeout(SETTLE_MS);
    await sinkQuiet(sink, 0, 0);

    // Bytes per 100 events: everything the page sends to the sink after its start-up has gone quiet.
    const before = Date.now();
    await page.evaluate(
      async ({ n, call }) => {
        const target = Reflect.get(window, call.global) as Record<string, (...args: unknown[]) => unknown>;
        for (let i = 0; i < n; i++) target[call.method]!('Product Viewed', { product_id: `p${i}`, category: 'Drama,Comedy', price: 4.99, name: `A film title ${i}` });
        await (window as PeersWindow).inkling?.flush();
      },
      { n: BYTES_EVENTS, call },
    );
    await sinkQuiet(sink, before, sdk === 'inkling' ? 0 : BYTES_EVENTS);
    const sent = sink.requests.filter((r) => r.at >= before);
    const sentPer100 = { bytes: sent.reduce((sum, r) => sum + r.bytes, 0), requests: sent.length, events: sent.reduce((sum, r) => sum + r.events, 0) };

    // A burst of 1,000 events in one synchronous loop; long tasks until the SDK's traffic is quiet.
    const burstSince = Date.now();
    const burstFrom = await page.evaluate(
      async ({ n, call }) => {
        const target = Reflect.get(window, call.global) as Record<string, (...args: unknown[]) => unknown>;
        const from = performance.now();
        for (let i = 0; i < n; i++) target[call.method]!('Product Viewed', { product_id: `b${i}`, category: 'Drama,Comedy', price: 4.99 });
        await (window as PeersWindow).inkling?.flush();
        return from;
      },
      { n: BURST, call },
    );
    await sinkQuiet(sink, burstSince, sdk === 'inkling' ? 0 : BURST, BURST_MAX_MS);
    const burstDelivered = sink.requests.filter((r) => r.at >= burstSince).reduce((sum, r) => sum + r.events, 0);
    await page.waitForTimeout(500);
    const burstLongTasks = await page.evaluate((from) => (window as PeersWindow).__peers!.longTasks.filter((t) => t.start >= from).map((t) => t.duration), burstFrom);

    // track(): 10,000 calls in tasks of 100, so each SDK's own batching and sending runs between
    // tasks as it would on a page. In each task 50 calls are timed one by one (p99) and 50 in
    // blocks of 10 (p50 of block ÷ 10: one call is close to the 5 µs timer resolution).
    const timing = await page.evaluate(
      async ({ calls, call, budgetMs }) => {
        const target = Reflect.get(window, call.global) as Record<string, (...args: unknown[]) => unknown>;
        const track = (properties: object) => target[call.method]!('Product Viewed', properties);
        const event = (n: number) => ({ product_id: `t${n % 2500}`, category: 'Drama,Comedy', price: 4.99 });
        const percentile = (values: number[], p: number): number => {
          const sorted = [...values].sort((a, b) => a - b);
          return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
        };
        const singles: number[] = [];
        const blocks: number[] = [];
        const started = performance.now();
        let made = 0;
        for (let chunk = 0; chunk < calls / 100 && performance.now() - started < budgetMs; chunk++) {
          made += 100;
          for (let i = 0; i < 50; i++) {
            const properties = event(chunk * 100 + i);
            const t0 = performance.now();
            track(properties);
            singles.push(performance.now() - t0);
          }
          for (let block = 0; block < 5; block++) {
            const properties = Array.from({ length: 10 }, (_, i) => event(chunk * 100 + 50 + block * 10 + i));
            const t0 = performance.now();
            for (const p of properties) track(p);
            blocks.push((performance.now() - t0) / 10);
          }
          await new Promise((r) => setTimeout(r, 0));
        }
        return {
          calls: made,
          p50Us: percentile(blocks, 50) * 1000,
          p99Us: percentile(singles, 99) * 1000,
          meanUs: (singles.reduce((a, b) => a + b, 0) / singles.length) * 1000,
          crossOriginIsolated: window.crossOriginIsolated,
        };
      },
      { calls: TRACK_CALLS, call, budgetMs: TRACK_BUDGET_MS },
    );
    return { sentPer100, burstDelivered, trackCalls: timing.calls, burstLongTasks, trackP50Us: timing.p50Us, trackP99Us: timing.p99Us, trackMeanUs: timing.meanUs, crossOriginIsolated: timing.crossOriginIsolated };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const us = (x: number): string => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US')} µs`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x: number): string => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const ratio = (a: number, b: number): string => {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return '—';
  if (b === 0) return a === 0 ? '—' : '∞';
  const r = a / b;
  return `${r === 0 || r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)} ×`;
};

interface Summary {
  readonly mainGz: number;
  readonly totalGz: number;
  readonly totalRaw: number;
  readonly wasmGz: number;
  readonly snippetGz: number;
  readonly evalMs: number;
  readonly workerEvalMs: number;
  readonly readyMs: number;
  readonly readyRange: string;
  readonly loadLongTaskCount: number;
  readonly loadLongTaskMs: number;
  readonly scripts: readonly ScriptDownload[];
  readonly external: readonly string[];
}

function summarise(sdk: Sdk, runs: readonly LoadRun[], sink: string): Summary {
  const perRun = runs.map((run) => ({
    main: run.scripts.filter((s) => s.thread === 'page').reduce((sum, s) => sum + s.gz, 0),
    total: run.scripts.reduce((sum, s) => sum + s.gz, 0),
    raw: run.scripts.reduce((sum, s) => sum + s.raw, 0),
    wasm: run.scripts.filter((s) => s.kind === 'wasm').reduce((sum, s) => sum + s.gz, 0),
  }));
  const readies = runs.map((r) => r.readyMs);
  // The script list of the run whose total is the median one.
  const medianTotal = median(perRun.map((r) => r.total));
  const pick = runs[perRun.findIndex((r) => r.total >= medianTotal)] ?? runs[0]!;
  return {
    mainGz: median(perRun.map((r) => r.main)),
    totalGz: medianTotal,
    totalRaw: median(perRun.map((r) => r.raw)),
    wasmGz: median(perRun.map((r) => r.wasm)),
    snippetGz: gzipSync(snippetFor(sdk, sink), { level: 9 }).length,
    evalMs: median(runs.map((r) => r.trace.evalMs)),
    workerEvalMs: median(runs.map((r) => r.trace.workerEvalMs)),
    readyMs: median(readies),
    readyRange: `${Math.min(...readies).toFixed(0)}–${Math.max(...readies).toFixed(0)}`,
    loadLongTaskCount: median(runs.map((r) => r.longTasks.length)),
    loadLongTaskMs: median(runs.map((r) => r.longTasks.reduce((a, b) => a + b, 0))),
    scripts: pick.scripts,
    external: [...new Set(runs.flatMap((r) => r.external))],
  };
}

function ensureBuilt(): void {
  if (existsSync(join(distSdk, 'inkling.js')) && existsSync(join(distSdk, 'stub.min.js'))) return;
  console.error('dist/sdk is missing: building it (npm run build:sdk)…');
  const result = spawnSync('npm', ['run', 'build:sdk'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0 || !existsSync(join(distSdk, 'inkling.js'))) throw new Error('npm run build:sdk failed: dist/sdk/inkling.js is missing');
}

function checkPeersInstalled(): void {
  for (const file of [join(SEGMENT_UMD, 'standalone.js'), join(POSTHOG_DIST, 'array.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm install (the peers are devDependencies)`);
  }
}

async function main(): Promise<void> {
  ensureBuilt();
  checkPeersInstalled();
  const started = Date.now();
  const sink = await startSink();
  const pageDir = mkdtempSync(join(tmpdir(), 'inkling-peers-'));
  for (const sdk of SDKS) writeFileSync(join(pageDir, `${sdk}.html`), pageFor(sdk, sink.origin));
  for (const [name, body] of Object.entries(FLOOR_FILES)) writeFileSync(join(pageDir, name), body);
  writeFileSync(join(pageDir, 'blank.html'), `<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head>${PAGE_BODY}</html>`);
  const server = await startStaticServer({ roots: [pageDir, distSdk] });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No network: every host but 127.0.0.1 fails to resolve.
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  try {
    const loads = new Map<Sdk, LoadRun[]>(SDKS.map((sdk) => [sdk, []]));
    const floor: number[] = [];
    for (let round = 0; round < LOADS; round++) {
      for (const sdk of SDKS) loads.get(sdk)!.push(await loadOnce(browser, server.origin, sdk));
      floor.push((await loadOnce(browser, server.origin, FLOOR)).readyMs);
    }
    console.error(`peers: ${LOADS} loads × ${SDKS.length} SDKs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const sessions = new Map<Sdk, Session>();
    for (const sdk of SDKS) {
      const from = Date.now();
      sessions.set(sdk, await session(browser, server.origin, sdk, sink));
      console.error(`peers: ${sdk} session in ${((Date.now() - from) / 1000).toFixed(0)} s`);
    }
    const summaries = new Map<Sdk, Summary>(SDKS.map((sdk) => [sdk, summarise(sdk, loads.get(sdk)!, sink.origin)]));
    print(summaries, sessions, floor, Date.now() - started);
  } finally {
    await browser.close();
    await server.close();
    await sink.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
}

function print(summaries: ReadonlyMap<Sdk, Summary>, sessions: ReadonlyMap<Sdk, Session>, floor: readonly number[], elapsedMs: number): void {
  const s = (sdk: Sdk) => summaries.get(sdk)!;
  const t = (sdk: Sdk) => sessions.get(sdk)!;
  const inkling = s('inkling');
  const segment = s('segment');
  const isolated = t('inkling').crossOriginIsolated;
  const longTasks = (count: number, total: number) => (count === 0 ? 'none' : `${count} (${total.toFixed(0)} ms)`);
  const sumLong = (tasks: readonly number[]) => tasks.reduce((a, b) => a + b, 0);

  type Row = [string, (sdk: Sdk) => string, ((sdk: Sdk) => number) | null];
  const rows: Row[] = [
    ['Inline snippet (gzip)', (sdk) => kb(s(sdk).snippetGz), (sdk) => s(sdk).snippetGz],
    ['Main-thread script bytes downloaded (gzip)', (sdk) => kb(s(sdk).mainGz), (sdk) => s(sdk).mainGz],
    ['**Total script bytes downloaded (gzip; page + Worker + lazy chunks + wasm)**', (sdk) => `${kb(s(sdk).totalGz)} (${kb(s(sdk).totalRaw)} raw)`, (sdk) => s(sdk).totalGz],
    ['Script evaluation, main thread (compile + evaluate)', (sdk) => ms(s(sdk).evalMs), (sdk) => s(sdk).evalMs],
    ['Script evaluation in a Worker (off the main thread)', (sdk) => ms(s(sdk).workerEvalMs), null],
    ['**Ready** (insertion → ready signal; min–max)', (sdk) => `${ms(s(sdk).readyMs)} (${s(sdk).readyRange})`, (sdk) => s(sdk).readyMs],
    [`Long tasks during load (count, total; to ready + ${SETTLE_MS / 1000} s)`, (sdk) => longTasks(s(sdk).loadLongTaskCount, s(sdk).loadLongTaskMs), (sdk) => s(sdk).loadLongTaskMs],
    [`\`track()\` calls timed (of ${TRACK_CALLS.toLocaleString('en-US')}; ${TRACK_BUDGET_MS / 1000} s cap)`, (sdk) => t(sdk).trackCalls.toLocaleString('en-US') + (t(sdk).trackCalls < TRACK_CALLS ? ' (cap)' : ''), null],
    ['`track()` p50 (blocks of 10 calls ÷ 10)', (sdk) => us(t(sdk).trackP50Us), (sdk) => t(sdk).trackP50Us],
    ['`track()` p99 (single calls, half of them)', (sdk) => us(t(sdk).trackP99Us), (sdk) => t(sdk).trackP99Us],
    ['`track()` mean (single calls)', (sdk) => us(t(sdk).trackMeanUs), (sdk) => t(sdk).trackMeanUs],
    [`Long tasks, ${BURST.toLocaleString('en-US')}-event burst until delivered (count, total)`, (sdk) => longTasks(t(sdk).burstLongTasks.length, sumLong(t(sdk).burstLongTasks)), (sdk) => sumLong(t(sdk).burstLongTasks)],
    [`Bytes sent per ${BYTES_EVENTS} events (requests; events the sink decoded)`, (sdk) => `${kb(t(sdk).sentPer100.bytes)} (${t(sdk).sentPer100.requests}; ${t(sdk).sentPer100.events})`, (sdk) => t(sdk).sentPer100.bytes],
  ];
  const lines = [
    `Chromium headless, one browser; ${LOADS} page loads per SDK (fresh context each, interleaved), medians; ${isolated ? 'pages cross-origin isolated (performance.now() resolution 5 µs)' : 'pages not isolated (performance.now() resolution 100 µs)'}.`,
    `Versions: @segment/analytics-next ${packageVersion(join(SEGMENT_UMD, '..', '..'))} (dist/umd/standalone.js), posthog-js ${packageVersion(join(POSTHOG_DIST, '..'))} (dist/array.js); Inkling dist/sdk built ${statSync(join(distSdk, 'inkling.js')).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC, tag with data-site only (no endpoint, no catalogue).`,
    '',
    `| Measure | ${SDKS.map((sdk) => LABEL[sdk]).join(' | ')} | Inkling ÷ Segment | Inkling ÷ PostHog |`,
    `|---|${SDKS.map(() => '---:').join('|')}|---:|---:|`,
    ...rows.map(([name, cell, value]) => `| ${name} | ${SDKS.map(cell).join(' | ')} | ${value ? ratio(value('inkling'), value('segment')) : '—'} | ${value ? ratio(value('inkling'), value('posthog')) : '—'} |`),
    '',
    `Inkling sends nothing per event: without \`data-endpoint\` its events stay in the visitor's IndexedDB (with one, it uploads DP-noised model updates per federated round, never events), so its bytes-per-${BYTES_EVENTS} figure is 0 by design. Segment sends one request per event (its default delivery); PostHog batches (gzip) every 3 s.`,
    `Peers' setup: Segment's CDN settings name no destination (no integration bundles to fetch) and its metrics sample rate is 0; PostHog's remote config switches nothing on (no recording, surveys, heatmaps or flags), its bot filter is off (\`opt_out_useragent_filter\`: it records nothing from HeadlessChrome otherwise) and its 100-event client rate limit is raised. PostHog still fetches its surveys extension with surveys off (posthog-js loads it whenever remote config answers).`,
    `1,000-event burst delivered to the sink within ${BURST_MAX_MS / 1000} s: Segment ${t('segment').burstDelivered.toLocaleString('en-US')}, PostHog ${t('posthog').burstDelivered.toLocaleString('en-US')}.`,
    '',
    '**Targets (issue 10)**',
    '',
    `- Total script bytes on a site without federated learning ≤ 1 × Segment's: Inkling ${kb(inkling.totalGz)} vs Segment ${kb(segment.totalGz)} (${ratio(inkling.totalGz, segment.totalGz)}): ${inkling.totalGz <= segment.totalGz ? 'pass' : '**SHORT**'}`,
    `- Ready ≤ 60 ms: Inkling ${ms(inkling.readyMs)} (median of ${LOADS}; Segment ${ms(segment.readyMs)}, PostHog ${ms(s('posthog').readyMs)}): ${inkling.readyMs <= 60 ? 'pass' : '**SHORT**'}`,
    `  - The floor for any SDK whose engine runs in a Worker, same pages and loads: a one-line script that starts a one-line module Worker is ready ${ms(median(floor))} after insertion (${Math.min(...floor).toFixed(0)}–${Math.max(...floor).toFixed(0)}); Inkling's Worker module, its IndexedDB open and the engine's configuration take the other ${ms(inkling.readyMs - median(floor))}.`,
    '',
    'Scripts each page downloaded (gzip; from the load with the median total):',
    '',
    ...SDKS.map((sdk) => `- ${LABEL[sdk]}: ${s(sdk).scripts.map((d) => `\`${new URL(d.url).pathname.split('/').pop() || d.url}\` ${kb(d.gz)}${d.thread === 'worker' ? ' (Worker)' : ''}`).join(', ')}`),
  ];
  const external = SDKS.flatMap((sdk) => s(sdk).external.map((url) => `${LABEL[sdk]}: ${url}`));
  lines.push('', external.length === 0 ? 'Requests to any host but 127.0.0.1: none.' : `Requests to other hosts (blocked): ${external.join('; ')}`);
  lines.push('', `Whole bench: ${(elapsedMs / 1000).toFixed(0)} s.`);
  console.log(lines.join('\n'));
}

await main();
