/**
 * The on-device engine in Node over fake-indexeddb, measured side by side in one run:
 * - recommend() latency over the whole ml-latest-small catalogue (~9k films) for a visitor with a
 *   realistic profile (target p95 ≤ 5 ms; the Chromium numbers come from the browser bench);
 * - ingest throughput in events/s next to raw idb puts/s on the same fake-indexeddb (the ceiling);
 * - event → profile latency (ingest of one event until profile() reflects it).
 * Run: `npm run bench -- engine` or `node --import tsx bench/engine.bench.ts`.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import type { RawEvent } from '../core/protocol/engine-api.js';
import { createEngine } from '../worker/engine.js';
import { loadMovieLensCatalog } from './movielens-catalog.js';



const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const catalog = loadMovieLensCatalog((id) => 3 + (Number(id) % 12));
let clock = Date.UTC(2026, 10, 1);
const engine = await createEngine({ site: 'bench', idbFactory: new IDBFactory(), now: () => clock, catalog, consent: 'granted' });
let n = 0;
const view = (i: number): RawEvent => ({ id: `e${n++}`, name: 'Product Viewed', timestamp: clock, properties: { product_id: catalog[(i * 7919) % catalog.length]!.id } });

// Ingest: 2,000 events in batches of 20 (what the SDK's batching produces under a burst).
const BATCHES = 100;
const BATCH = 20;
let started = performance.now();
for (let b = 0; b < BATCHES; b++) {
  clock += 1000;
  await engine.ingest(Array.from({ length: BATCH }, (_, i) => view(b * BATCH + i)));
}
const ingestRate = (BATCHES * BATCH) / ((performance.now() - started) / 1000);

// Raw ceilings: the same events put by idb in the same batch shape, nothing else; once as one
// row per event into a bare store, once as the log writes them (one row per batch, keyed by
// [oldest timestamp, its id, count]; worker/store/schema.ts).
const raw = await openDB('raw', 1, {
  upgrade: (db) => {
    db.createObjectStore('bare', { autoIncrement: true });
    db.createObjectStore('log', { keyPath: ['at', 'eventId', 'count'] });
  },
});
async function rawRate(store: 'bare' | 'log'): Promise<number> {
  const t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const tx = raw.transaction(store, 'readwrite');
    const events = Array.from({ length: BATCH }, (_, i) => ({ id: `r${b}-${i}`, at: clock + i, name: 'Product Viewed', product_id: String(i) }));
    if (store === 'bare') for (const event of events) void tx.store.add(event);
    else void tx.store.add({ at: events[0]!.at, eventId: events[0]!.id, count: BATCH, events });
    await tx.done;
  }
  return (BATCHES * BATCH) / ((performance.now() - t0) / 1000);
}
const bareRate = await rawRate('bare');
const logRate = await rawRate('log');

// Event → profile latency.
const latencies: number[] = [];
for (let i = 0; i < 200; i++) {
  clock += 2000;
  const t0 = performance.now();
  await engine.ingest([view(i)]);
  await engine.profile();
  latencies.push(performance.now() - t0);
}
latencies.sort((a, b) => a - b);

// recommend() over the whole catalogue, with and without a category filter.
const recommendTimes: number[] = [];
const categoryTimes: number[] = [];
for (let i = 0; i < 20; i++) await engine.recommend({ k: 10 });
for (let i = 0; i < 500; i++) {
  let t0 = performance.now();
  await engine.recommend({ k: 10 });
  recommendTimes.push(performance.now() - t0);
  t0 = performance.now();
  await engine.recommend({ k: 10, category: 'Comedy' });
  categoryTimes.push(performance.now() - t0);
}
recommendTimes.sort((a, b) => a - b);
categoryTimes.sort((a, b) => a - b);

console.log(`Catalogue: ${catalog.length} films; profile built from ${n} events. Node ${process.version}, fake-indexeddb.\n`);
console.log('| measure | p50 | p95 | target |');
console.log('|---|---|---|---|');
console.log(`| recommend({ k: 10 }) over the whole catalogue | ${fmt(quantile(recommendTimes, 0.5))} | ${fmt(quantile(recommendTimes, 0.95))} | p95 ≤ 5 ms |`);
console.log(`| recommend({ k: 10, category: 'Comedy' }) | ${fmt(quantile(categoryTimes, 0.5))} | ${fmt(quantile(categoryTimes, 0.95))} | |`);
console.log(`| event → profile (ingest 1 event + profile()) | ${fmt(quantile(latencies, 0.5))} | ${fmt(quantile(latencies, 0.95))} | p95 ≤ 20 ms |`);
console.log('\n| throughput (batches of 20) | events/s | ratio to ceiling |');
console.log('|---|---|---|');
console.log(`| raw idb puts, bare store (ceiling) | ${bareRate.toFixed(0)} | 100 % |`);
console.log(`| raw idb, one row per batch (the log's write pattern) | ${logRate.toFixed(0)} | ${((100 * logRate) / bareRate).toFixed(0)} % |`);
console.log(`| engine ingest (validate + dedup + profile + items + log, one tx per batch) | ${ingestRate.toFixed(0)} | ${((100 * ingestRate) / bareRate).toFixed(0)} % |`);
await engine.close();
raw.close();
