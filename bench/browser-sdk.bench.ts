/**
 * The SDK in real Chromium, measured side by side in one run (issue 3 §4):
 * - loader and snippet size, gzipped (the files a site serves);
 * - main-thread cost of `track()` over 10,000 calls: p99 of single calls, p50 of blocks of 10
 *   calls ÷ 10 (a single call is close to the 5 µs resolution of performance.now());
 * - long tasks (PerformanceObserver 'longtask') during load and during a 1,000-event burst, on a
 *   page that holds nothing but the snippet and the script tag, so every long task is the SDK's;
 * - Worker ingest (events/s through track → Worker → validation → profile → IndexedDB) next to
 *   raw IndexedDB puts/s from a plain Worker in the same page (the ceiling), in alternating
 *   rounds of transactions (SDK: flushed batches) of 100 records; each SDK round is divided by
 *   the mean of the raw rounds either side of it and the median ratio is the result. The raw
 *   Worker also writes each transaction's 100 records as one record (the engine's own write
 *   pattern), so that the cost of the engine's work stays visible next to the ceiling it passes;
 * - event → profile latency p95 (track, then `profile()` shows it);
 * - `recommend()` latency p95 over the whole catalogue.
 *
 * Run: `npm run bench -- browser-sdk` (builds first if dist/ is missing). Prints a markdown table
 * with each target and PASS/FAIL; exits 0 either way (the table is the result).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchContext } from '../test/support/chromium.js';
import { DEFAULT_ROOTS, startStaticServer } from '../test/support/static-server.js';
import type { InklingWindow } from '../test/support/shop-session.js';

const [distDemo, distSdk] = DEFAULT_ROOTS;
const TRACK_CALLS = 10_000;
const BURST = 1_000;
/**
 * Ingest: per phase, ROUNDS rounds of TX transactions (SDK: flushed batches) of PER_TX events.
 * The first phase takes the log from the LATENCY_SAMPLES events before it to 9,700, under its
 * 10,000 cap; in the second every ~1,000 events also trim the log (worker/store/event-log.ts).
 */
const ROUNDS = 5;
const TX = 19;
const PER_TX = 100;
const LATENCY_SAMPLES = 200;
const RECOMMEND_SAMPLES = 200;

function ensureBuilt(): void {
  if (existsSync(join(distSdk, 'inkling.js')) && existsSync(join(distDemo, 'catalog.json'))) return;
  console.error('dist/ is missing: building (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('npm run build failed');
}

function gzipKb(file: string): { raw: number; gz: number } {
  const bytes = readFileSync(file);
  return { raw: bytes.length / 1024, gz: gzipSync(bytes, { level: 9 }).length / 1024 };
}

/** A page with only Inkling on it: the snippet inline and the async script tag, consent granted. */
function benchPage(): string {
  const snippet = readFileSync(join(distSdk, 'stub.min.js'), 'utf8').trim();
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<script>
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
  .observe({ type: 'longtask', buffered: true });
</script>
<script>${snippet}</script>
<script async src="/inkling.js" data-site="bench" data-catalog="/catalog.json" data-endpoint="" data-consent="granted" data-allow-automation></script>
</head><body><p>Inkling benchmark page</p></body></html>`;
}

/**
 * The raw-IndexedDB ceilings: a plain Worker writing event-sized records, one transaction per
 * batch of `perTx`, committed explicitly as the engine does, in two shapes: one record per event
 * (the ceiling issue 3 names) and one record holding the whole batch (the engine's own write
 * pattern, worker/store/schema.ts EventChunk; the ratio to it is what the engine's work costs).
 * It keeps its database open across rounds, so that its stores grow like the engine's log (which
 * holds the latency samples before the first round; the raw stores hold the warm-up round's
 * rows): each message runs one round of `tx` transactions per shape, starting at record `from`,
 * and answers events/s per shape.
 */
const RAW_IDB_WORKER = `
let db;
const opened = new Promise((resolve, reject) => {
  const request = indexedDB.open('inkling-bench-raw', 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore('events', { keyPath: 'id' });
    request.result.createObjectStore('batches', { keyPath: 'id' });
  };
  request.onsuccess = () => resolve(db = request.result);
  request.onerror = () => reject(request.error);
});
const record = (n) => ({ id: 'raw-' + n, name: 'Product Viewed', timestamp: Date.now(), path: '/movie/' + n,
  properties: { product_id: String(n % 2500), category: 'Drama,Comedy', price: 4.99, name: 'A film title ' + n } });
async function round(tx, perTx, from, perEvent) {
  const started = performance.now();
  for (let t = 0; t < tx; t++) {
    await new Promise((resolve, reject) => {
      const transaction = db.transaction(perEvent ? 'events' : 'batches', 'readwrite');
      const store = transaction.objectStore(perEvent ? 'events' : 'batches');
      const records = [];
      for (let i = 0; i < perTx; i++) records.push(record(from + t * perTx + i));
      if (perEvent) for (const r of records) store.put(r);
      else store.put({ id: records[0].id, events: records });
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
      transaction.commit();
    });
  }
  return (tx * perTx) / ((performance.now() - started) / 1000);
}
self.onmessage = async (message) => {
  const { tx, perTx, from } = message.data;
  await opened;
  const perEvent = await round(tx, perTx, from, true);
  const perBatch = await round(tx, perTx, from, false);
  self.postMessage({ perEvent, perBatch });
};`;

/**
 * One phase of the ingest comparison: events/s per SDK round and per raw round (both shapes), and
 * each SDK round ÷ the mean of the raw rounds either side of it.
 */
interface IngestPhase {
  readonly ingest: readonly number[];
  readonly raw: readonly number[];
  readonly rawRows: readonly number[];
  readonly ratios: readonly number[];
  readonly rowRatios: readonly number[];
}

interface Measured {
  readonly crossOriginIsolated: boolean;
  readonly trackP50Us: number;
  readonly trackP99Us: number;
  readonly trackMeanUs: number;
  readonly loadLongTasks: readonly number[];
  readonly burstLongTasks: readonly number[];
  /** Log empty → its 10,000 cap, then at the cap (every row added also evicts). */
  readonly filling: IngestPhase;
  readonly atCap: IngestPhase;
  readonly eventToProfileP95Ms: number;
  readonly eventIngestedP95Ms: number;
  readonly eventToProfileAtCapP95Ms: number;
  readonly eventIngestedAtCapP95Ms: number;
  readonly eventToProfileSeen: boolean;
  readonly recommendP95Ms: number;
  readonly recommendReturned: number;
  readonly catalogItems: number;
}

async function measure(origin: string): Promise<Measured> {
  const browser = await launchContext();
  try {
    // tsx compiles this file with esbuild's keepNames, which wraps the named functions inside
    // page.evaluate() in a `__name(fn, "name")` helper that exists only in Node: give the page
    // an identity stand-in.
    await browser.context.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${origin}/bench.html`);
    await page.waitForFunction(() => typeof (window as InklingWindow).inkling === 'object');
    await page.evaluate(() => (window as InklingWindow).inkling?.profile());
    // Whatever the SDK does after `profile()` first answers (catalogue download, idle work) is
    // still "load": give it two idle seconds before reading the long tasks.
    await page.waitForTimeout(2000);

    return await page.evaluate(
      async ({ trackCalls, burst, rounds, tx, perTx, latencySamples, recommendSamples, rawWorkerSource }) => {
        interface BenchWindow extends InklingWindow {
          readonly __longTasks?: { start: number; duration: number }[];
        }
        const w = window as BenchWindow;
        const api = w.inkling;
        if (!api) throw new Error('window.inkling missing');
        const longTasks = w.__longTasks ?? [];
        const percentile = (values: number[], p: number): number => {
          const sorted = [...values].sort((a, b) => a - b);
          return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
        };
        const catalog: { items: { id: string; categories: string[]; price: number }[] } = await (await fetch('/catalog.json')).json();
        const items = catalog.items;
        const event = (n: number): Record<string, unknown> => {
          const item = items[n % items.length];
          return { product_id: item.id, category: item.categories.join(','), price: item.price };
        };
        const loadLongTasks = longTasks.map((t) => t.duration);
        // For the ingest runs: a product view whose product does not come back within the run.
        // With the catalogue's ids alone a product would come back every ~2,600 events, well
        // within the engine's 500 ms double-click window at these rates, and the debounced views
        // (never written) would flatter the engine against the raw puts, which write every record.
        const ingestEvent = (n: number): Record<string, unknown> => {
          const item = items[n % items.length];
          return { product_id: `${item.id}~${Math.floor(n / items.length)}`, category: item.categories.join(','), price: item.price };
        };

        // Event → profile: track one event, then ask profile() until it counts it; the split
        // shows where the time goes (track → ingested, then the profile() read).
        const eventToProfile = async (samples: number): Promise<{ total: number[]; ingest: number[]; seen: boolean }> => {
          const total: number[] = [];
          const ingest: number[] = [];
          let seen = true;
          for (let i = 0; i < samples; i++) {
            const before = (await api.profile())?.storage.events ?? 0;
            const t0 = performance.now();
            api.track('Product Viewed', event(i * 13 + 1));
            await api.flush();
            const ingested = performance.now();
            const after = (await api.profile())?.storage.events ?? 0;
            total.push(performance.now() - t0);
            ingest.push(ingested - t0);
            // At the event cap the log evicts as it appends: a count that did not fall is "seen".
            if (after < before) seen = false;
          }
          return { total, ingest, seen };
        };

        const fresh = await eventToProfile(latencySamples);

        // The ceiling and the SDK, side by side: raw round, SDK round, raw round, … Each SDK
        // round is compared with the mean of the raw rounds either side of it, so both are
        // measured warm and on the same machine state; the medians damp what one round of a
        // shared machine does (single raw rounds vary by ±25 % here).
        const rawWorker = new Worker(URL.createObjectURL(new Blob([rawWorkerSource], { type: 'text/javascript' })));
        let rawFrom = 0;
        const rawRound = (): Promise<{ perEvent: number; perBatch: number }> =>
          new Promise((resolve) => {
            rawWorker.onmessage = (m) => resolve(m.data);
            rawWorker.postMessage({ tx, perTx, from: rawFrom });
            rawFrom += tx * perTx;
          });
        let sent = 0;
        const sdkRound = async (): Promise<number> => {
          const started = performance.now();
          for (let t = 0; t < tx; t++) {
            for (let i = 0; i < perTx; i++) api.track('Product Viewed', ingestEvent(sent++));
            await api.flush();
          }
          return (tx * perTx) / ((performance.now() - started) / 1000);
        };
        const phase = async (): Promise<IngestPhase> => {
          const raws = [await rawRound()];
          const ingest: number[] = [];
          for (let r = 0; r < rounds; r++) {
            ingest.push(await sdkRound());
            raws.push(await rawRound());
          }
          const raw = raws.map((x) => x.perEvent);
          const rawRows = raws.map((x) => x.perBatch);
          const adjacent = (ceiling: number[]) => ingest.map((x, r) => x / ((ceiling[r]! + ceiling[r + 1]!) / 2));
          return { ingest, raw, rawRows, ratios: adjacent(raw), rowRatios: adjacent(rawRows) };
        };
        await rawRound(); // warms the raw Worker up (its first round also creates its database)
        // The log holds the latency samples above; the first phase fills it to its cap.
        const filling = await phase();
        const cappedIngest = await phase();
        rawWorker.terminate();

        const atCapLatency = await eventToProfile(latencySamples);

        // track(), in tasks of 100 calls so the SDK's batching and hand-off to the Worker run
        // between tasks as they would on a page. Pass 1 times every call on its own (p99; a
        // single call is near the 5 µs timer resolution); pass 2 times blocks of 10 calls and
        // divides (p50 below the resolution).
        const trackTimes: number[] = [];
        const blockTimes: number[] = [];
        for (let chunk = 0; chunk < trackCalls / 100; chunk++) {
          for (let i = 0; i < 100; i++) {
            const properties = event(chunk * 100 + i);
            const t0 = performance.now();
            api.track('Product Viewed', properties);
            trackTimes.push(performance.now() - t0);
          }
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await api.flush();
        for (let chunk = 0; chunk < trackCalls / 100; chunk++) {
          for (let block = 0; block < 10; block++) {
            const properties = Array.from({ length: 10 }, (_, i) => event(chunk * 100 + block * 10 + i + 3));
            const t0 = performance.now();
            for (const p of properties) api.track('Product Viewed', p);
            blockTimes.push((performance.now() - t0) / 10);
          }
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        await api.flush();
        const trackMeanUs = (trackTimes.reduce((a, b) => a + b, 0) / trackTimes.length) * 1000;

        // A burst: 1,000 events in one synchronous loop, then the SDK's own hand-off.
        const burstFrom = performance.now();
        for (let i = 0; i < burst; i++) api.track('Product Viewed', event(i));
        await api.flush();
        await new Promise((resolve) => setTimeout(resolve, 500));
        const burstLongTasks = longTasks.filter((t) => t.start >= burstFrom).map((t) => t.duration);

        const recommendTimes: number[] = [];
        let returned = 0;
        for (let i = 0; i < recommendSamples; i++) {
          const t0 = performance.now();
          const picks = await api.recommend({ k: 10 });
          recommendTimes.push(performance.now() - t0);
          returned = picks.length;
        }

        return {
          crossOriginIsolated: window.crossOriginIsolated,
          trackP50Us: percentile(blockTimes, 50) * 1000,
          trackP99Us: percentile(trackTimes, 99) * 1000,
          trackMeanUs,
          loadLongTasks,
          burstLongTasks,
          filling,
          atCap: cappedIngest,
          eventToProfileP95Ms: percentile(fresh.total, 95),
          eventIngestedP95Ms: percentile(fresh.ingest, 95),
          eventToProfileAtCapP95Ms: percentile(atCapLatency.total, 95),
          eventIngestedAtCapP95Ms: percentile(atCapLatency.ingest, 95),
          eventToProfileSeen: fresh.seen && atCapLatency.seen,
          recommendP95Ms: percentile(recommendTimes, 95),
          recommendReturned: returned,
          catalogItems: items.length,
        };
      },
      { trackCalls: TRACK_CALLS, burst: BURST, rounds: ROUNDS, tx: TX, perTx: PER_TX, latencySamples: LATENCY_SAMPLES, recommendSamples: RECOMMEND_SAMPLES, rawWorkerSource: RAW_IDB_WORKER },
    );
  } finally {
    await browser.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** An ingest phase as printed: medians, each round, and the ratio's median and range. */
function summarise(phase: IngestPhase) {
  const rate = (x: number) => Math.round(x).toLocaleString('en-US');
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  return {
    raw: rate(median(phase.raw)),
    rawRounds: phase.raw.map(rate).join(', '),
    rawRows: rate(median(phase.rawRows)),
    rawRowsRounds: phase.rawRows.map(rate).join(', '),
    rowRatio: pct(median(phase.rowRatios)),
    rowRatioRange: `${pct(Math.min(...phase.rowRatios))}–${pct(Math.max(...phase.rowRatios))}`,
    ingest: rate(median(phase.ingest)),
    ingestRounds: phase.ingest.map(rate).join(', '),
    ratio: pct(median(phase.ratios)),
    ratioRange: `${pct(Math.min(...phase.ratios))}–${pct(Math.max(...phase.ratios))}`,
  };
}

/** `pass` null: a figure shown for comparison, with no target of its own. */
function row(metric: string, measured: string, target: string, pass: boolean | null): string {
  return `| ${metric} | ${measured} | ${target || '—'} | ${pass === null ? '—' : pass ? 'PASS' : '**FAIL**'} |`;
}

async function main(): Promise<void> {
  ensureBuilt();
  const pageDir = mkdtempSync(join(tmpdir(), 'inkling-bench-'));
  writeFileSync(join(pageDir, 'bench.html'), benchPage());
  const server = await startStaticServer({ roots: [pageDir, distDemo, distSdk], spaFallback: join(pageDir, 'bench.html') });
  try {
    const loader = gzipKb(join(distSdk, 'inkling.js'));
    const stub = gzipKb(join(distSdk, 'stub.min.js'));
    const workerFile = join(distSdk, 'inkling.worker.js');
    const worker = existsSync(workerFile) ? gzipKb(workerFile) : null;
    const m = await measure(server.origin);
    const filling = summarise(m.filling);
    const atCap = summarise(m.atCap);
    const longest = (tasks: readonly number[]): string => (tasks.length === 0 ? 'none' : `${tasks.length} (longest ${Math.max(...tasks).toFixed(0)} ms)`);

    const lines = [
      `Chromium headless, ${m.crossOriginIsolated ? 'cross-origin isolated (performance.now() resolution 5 µs)' : 'not isolated (performance.now() resolution 100 µs)'}; catalogue ${m.catalogItems} items.`,
      '',
      '| Measure | Measured | Target | Result |',
      '|---|---|---|---|',
      row('Loader `inkling.js` (gzip)', `${loader.gz.toFixed(2)} KB (${loader.raw.toFixed(1)} KB min)`, '≤ 6 KB', loader.gz <= 6),
      row('Snippet `stub.min.js` (gzip)', `${stub.gz.toFixed(2)} KB (${stub.raw.toFixed(2)} KB min)`, '≤ 1 KB', stub.gz <= 1),
      row(`\`track()\` p50, ${TRACK_CALLS.toLocaleString('en-US')} calls`, `${m.trackP50Us.toFixed(2)} µs (blocks of 10; mean of single calls ${m.trackMeanUs.toFixed(2)} µs)`, '≤ 10 µs', m.trackP50Us <= 10),
      row('`track()` p99', `${m.trackP99Us.toFixed(1)} µs`, '≤ 100 µs', m.trackP99Us <= 100),
      row('Long tasks during load (SDK-only page)', longest(m.loadLongTasks), 'none', m.loadLongTasks.length === 0),
      row(`Long tasks during a ${BURST.toLocaleString('en-US')}-event burst`, longest(m.burstLongTasks), 'none', m.burstLongTasks.length === 0),
      row(`Raw idb puts in a Worker, one record per event, ${ROUNDS + 1} rounds of ${TX} tx × ${PER_TX} (the ceiling)`, `${filling.raw} puts/s (median; rounds ${filling.rawRounds})`, '', null),
      row(`Raw idb puts, one record per ${PER_TX}-event transaction (the engine's write pattern), same rounds`, `${filling.rawRows} events/s (median; rounds ${filling.rawRowsRounds})`, '', null),
      row(`Worker ingest (track → Worker → IndexedDB), ${ROUNDS} rounds of ${TX} batches × ${PER_TX} between them, log under its cap`, `${filling.ingest} events/s (median; rounds ${filling.ingestRounds})`, '', null),
      row('Ingest ÷ raw idb ceiling: median over rounds, each ÷ the raw rounds either side (min–max)', `${filling.ratio} (${filling.ratioRange})`, '≥ 70 %', m.filling.ratios.length > 0 && median(m.filling.ratios) >= 0.7),
      row('Ingest ÷ raw puts in the engine\'s write pattern (what validation, profile, items and the Worker hop cost)', `${filling.rowRatio} (${filling.rowRatioRange})`, '', null),
      row('With the log at its 10,000 cap (trimmed by 1,000 every ~1,000 events): ÷ ceiling; ÷ write pattern', `${atCap.ratio} (${atCap.ratioRange}); ${atCap.rowRatio} (${atCap.rowRatioRange}); ${atCap.ingest} events/s`, '', null),
      row(`Event → profile p95, fresh log (${LATENCY_SAMPLES} events)`, `${m.eventToProfileP95Ms.toFixed(2)} ms (track → ingested ${m.eventIngestedP95Ms.toFixed(2)} ms)${m.eventToProfileSeen ? '' : ' (event not seen!)'}`, '≤ 20 ms', m.eventToProfileSeen && m.eventToProfileP95Ms <= 20),
      row(`Event → profile p95, log at its cap`, `${m.eventToProfileAtCapP95Ms.toFixed(2)} ms (track → ingested ${m.eventIngestedAtCapP95Ms.toFixed(2)} ms)`, '≤ 20 ms', m.eventToProfileSeen && m.eventToProfileAtCapP95Ms <= 20),
      row(`\`recommend({ k: 10 })\` p95, whole catalogue (${RECOMMEND_SAMPLES} calls)`, `${m.recommendP95Ms.toFixed(2)} ms (returned ${m.recommendReturned})`, '≤ 5 ms', m.recommendReturned > 0 && m.recommendP95Ms <= 5),
    ];
    if (worker) lines.push('', `For reference: \`inkling.worker.js\` ${worker.gz.toFixed(1)} KB gzip (${worker.raw.toFixed(0)} KB min), loaded off the main thread.`);
    console.log(lines.join('\n'));
  } finally {
    await server.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
}

await main();
