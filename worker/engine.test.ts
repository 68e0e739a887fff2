import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CatalogItem, RawEvent } from '../core/protocol/engine-api.js';
import { wrap, type IDBPDatabase } from 'idb';
import { createEngine, type EngineOptions } from './engine.js';
import type { InklingDB } from './store/schema.js';

const T0 = Date.UTC(2026, 10, 1);
const MINUTE = 60_000;

const catalog: CatalogItem[] = [
  ...Array.from({ length: 20 }, (_, i) => ({ id: `sf${i}`, categories: ['Sci-Fi'], price: 10, popularity: 0.1 })),
  ...Array.from({ length: 20 }, (_, i) => ({ id: `dr${i}`, categories: ['Drama'], price: 10, popularity: 0.1 })),
  { id: 'hit', categories: ['Comedy'], price: 5, popularity: 1 },
];

function setup(extra: Partial<EngineOptions> = {}) {
  const clock = { t: T0 };
  const factory = new IDBFactory();
  const options: EngineOptions = { site: 'shop', idbFactory: factory, now: () => clock.t, catalog, ...extra };
  let n = 0;
  const event = (name: string, properties: unknown, at = clock.t): RawEvent => ({ id: `e${n++}`, name, properties, timestamp: at });
  const view = (id: string) => event('Product Viewed', { product_id: id });
  return { clock, factory, options, event, view, open: (more: Partial<EngineOptions> = {}) => createEngine({ ...options, ...more }) };
}

async function openRaw(factory: IDBFactory): Promise<IDBPDatabase<InklingDB>> {
  const db = await wrap(factory.open('inkling:shop'));
  if (db === undefined) throw new Error('no database');
  return db as IDBPDatabase<InklingDB>;
}

async function storedDatabases(factory: IDBFactory): Promise<string[]> {
  return (await factory.databases()).map((d) => d.name ?? '');
}

describe('Engine', () => {
  it('persists a granted batch and reads it back after a reload', async () => {
    const s = setup();
    const engine = await s.open({ consent: 'granted' });
    const result = await engine.ingest([s.view('sf1'), s.view('sf2')]);
    expect(result).toEqual({ accepted: 2, duplicates: 0, errors: [] });
    await engine.close();
    const reloaded = await s.open();
    const profile = await reloaded.profile();
    expect(profile.consent).toBe('granted');
    expect(profile.interests[0]?.category).toBe('Sci-Fi');
    expect(profile.storage.events).toBe(2);
    expect(profile.storage.items).toBe(2);
  });

  it('reports validation errors with field and rule and keeps the good events', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    const result = await engine.ingest([s.view('sf1'), s.event('Product Viewed', { product_id: 'x', price: Number.NaN }), s.event('Nope', {})]);
    expect(result.accepted).toBe(1);
    expect(result.errors.map((e) => `${e.field}:${e.rule}`)).toEqual(['properties.price:finite', 'name:known-event']);
  });

  it('deduplicates by event id (also across reloads) and debounces double clicks', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    const first = s.view('sf1');
    expect((await engine.ingest([first, first])).duplicates).toBe(1);
    const doubleClick = s.event('Product Viewed', { product_id: 'sf2' }, T0 + 100);
    const again = s.event('Product Viewed', { product_id: 'sf2' }, T0 + 300);
    const later = s.event('Product Viewed', { product_id: 'sf2' }, T0 + 2_000);
    expect(await engine.ingest([doubleClick, again, later])).toMatchObject({ accepted: 2, duplicates: 1 });
    await engine.close();
    const reloaded = await s.open();
    expect(await reloaded.ingest([first])).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await reloaded.profile()).storage.events).toBe(3);
  });

  it('pending consent keeps events in memory only; granting flushes them; denied drops everything', async () => {
    const s = setup();
    const engine = await s.open();
    await engine.ingest([s.view('sf1'), s.view('sf2')]);
    expect((await engine.profile()).interests[0]?.category).toBe('Sci-Fi');
    expect(await storedDatabases(s.factory)).toEqual([]);
    await engine.setConsent('granted');
    expect(await storedDatabases(s.factory)).toEqual(['inkling:shop']);
    expect((await engine.profile()).storage.events).toBe(2);
    await engine.setConsent('denied');
    expect(await storedDatabases(s.factory)).toEqual([]);
    expect(await engine.ingest([s.view('sf3')])).toMatchObject({ accepted: 0 });
    const profile = await engine.profile();
    expect(profile.interests).toEqual([]);
    expect(await storedDatabases(s.factory)).toEqual([]);
  });

  it('a returning visitor held in pending can replay a stored event; granting again adds only new rows', async () => {
    const s = setup({ consent: 'granted' });
    const first = s.view('sf1');
    const engine = await s.open();
    await engine.ingest([first]);
    await engine.close();
    const returning = await s.open({ consent: 'pending' });
    await returning.ingest([first, s.view('sf2')]);
    await returning.setConsent('granted');
    expect((await returning.profile()).storage.events).toBe(2);
  });

  it('journals item records per batch and folds them into the items store when they are mostly distinct products', async () => {
    // Limit 2: the fold comes at FOLD_FACTOR (4) × 2 = 8 journaled records, all of distinct products.
    const s = setup({ consent: 'granted', limits: { itemJournalLimit: 2 } });
    const engine = await s.open();
    for (let batch = 0; batch < 3; batch++) {
      await engine.ingest([s.view(`sf${2 * batch}`), s.view(`sf${2 * batch + 1}`)]);
      s.clock.t += MINUTE;
    }
    const db = await openRaw(s.factory);
    expect([await db.count('items'), await db.count('itemJournal')]).toEqual([0, 3]);
    db.close();
    await engine.ingest([s.view('sf6'), s.view('sf7')]);
    const after = await openRaw(s.factory);
    expect([await after.count('items'), await after.count('itemJournal')]).toEqual([8, 0]);
    after.close();
    s.clock.t += MINUTE;
    await engine.ingest([s.view('sf1')]);
    await engine.close();
    const items = await (await s.open()).itemRecords();
    expect(items.length).toBe(8);
    expect(items.find((i) => i.id === 'sf1')?.views).toBe(2);
    expect(items.find((i) => i.id === 'sf7')?.views).toBe(1);
  });

  it('compacts the journal into one chunk row when its products are few, instead of folding', async () => {
    const s = setup({ consent: 'granted', limits: { itemJournalLimit: 6 } });
    const engine = await s.open();
    for (let round = 0; round < 3; round++) {
      await engine.ingest([s.view('sf1'), s.view('sf2')]);
      s.clock.t += MINUTE;
    }
    // 2 + 2 journaled records, then 2 more reach the limit of 6: 2 products, at most half of 6 records, so compacted.
    const db = await openRaw(s.factory);
    const journal = await db.getAll('itemJournal');
    expect([await db.count('items'), journal.length]).toEqual([0, 1]);
    expect(journal[0]?.items.map((i) => [i.id, i.views]).sort()).toEqual([['sf1', 3], ['sf2', 3]]);
    db.close();
    await engine.ingest([s.view('sf3')]);
    await engine.close();
    const items = await (await s.open()).itemRecords();
    expect(items.map((i) => [i.id, i.views]).sort()).toEqual([['sf1', 3], ['sf2', 3], ['sf3', 1]]);
  });

  it('a batch replayed whole from past the memory of ids collides on its row and is looked up, not stored twice', async () => {
    const s = setup({ consent: 'granted' });
    const batch = [s.view('sf1'), s.view('sf2')];
    const engine = await s.open();
    await engine.ingest(batch);
    s.clock.t += MINUTE;
    await engine.ingest([s.view('sf3')]);
    await engine.close();
    // The reopened engine remembers only the newest row's id (limits.recentIds 1).
    const reloaded = await s.open({ limits: { recentIds: 1 } });
    s.clock.t += MINUTE;
    expect(await reloaded.ingest(batch)).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await reloaded.ingest([batch[0]!, s.view('sf4')])).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await reloaded.profile()).storage.events).toBe(4);
    await reloaded.close();
  });

  it('a batch mixing an event stored in an earlier visit with new ones stores and counts only the new ones', async () => {
    const s = setup({ consent: 'granted' });
    const first = s.view('sf1');
    const engine = await s.open();
    await engine.ingest([first]);
    await engine.close();
    // A new engine has no memory of `first`: its row collides, the batch is written again after a lookup.
    const reloaded = await s.open();
    s.clock.t += MINUTE;
    expect(await reloaded.ingest([first, s.view('sf2')])).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await reloaded.profile()).storage.events).toBe(2);
    await reloaded.close();
    const items = await (await s.open()).itemRecords();
    expect(items.map((i) => [i.id, i.views]).sort()).toEqual([['sf1', 1], ['sf2', 1]]);
  });

  it('estimates the stored bytes from a sample of the items, close to their full JSON size', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    // 500 products (more than the 200 sampled), with categories of varying length.
    await engine.ingest(Array.from({ length: 500 }, (_, i) =>
      s.event('Product Viewed', { product_id: `p${i}`, category: i % 3 === 0 ? 'Sci-Fi|Drama|Comedy' : 'Drama', price: 1 + i }, T0 + i * 1000)));
    const profile = await engine.profile();
    const exported = (await engine.exportAll()) as { profile: unknown; items: unknown[] };
    const exact = JSON.stringify(exported.profile).length + JSON.stringify(exported.items).length + profile.storage.events * 300;
    expect(profile.storage.items).toBe(500);
    expect(Math.abs(profile.storage.bytesEstimate - exact) / exact).toBeLessThan(0.05);
  });

  it('forget deletes the database and the next use starts empty', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1')]);
    await engine.forget();
    expect(await storedDatabases(s.factory)).toEqual([]);
    expect((await engine.profile()).interests).toEqual([]);
    const fresh = await s.open();
    expect((await fresh.profile()).storage).toMatchObject({ events: 0, items: 0 });
    expect(await fresh.exportAll()).toMatchObject({ events: [], items: [] });
  });

  it('forget in one tab empties the other tab too (no write-back of the forgotten profile)', async () => {
    const s = setup({ consent: 'granted' });
    const tabA = await s.open();
    const tabB = await s.open();
    await tabB.ingest([s.view('sf1')]);
    await tabA.forget();
    expect((await tabB.profile()).interests).toEqual([]);
    s.clock.t += MINUTE;
    await tabB.ingest([s.view('dr1')]);
    expect((await tabB.profile()).interests.map((i) => i.category)).toEqual(['Drama']);
  });

  it('evicts events by age and by count', async () => {
    const s = setup({ consent: 'granted', limits: { maxEvents: 10, maxAgeMs: 60 * MINUTE } });
    const engine = await s.open();
    await engine.ingest(Array.from({ length: 8 }, (_, i) => s.event('Product Viewed', { product_id: `sf${i}` }, T0 + i * 1000)));
    expect((await engine.profile()).storage.events).toBe(8);
    await engine.ingest(Array.from({ length: 5 }, (_, i) => s.event('Product Viewed', { product_id: `dr${i}` }, T0 + 10_000 + i * 1000)));
    // 13 > 10: cut to the low-water mark, 90 % of the cap, oldest first.
    expect((await engine.profile()).storage.events).toBe(9);
    const kept = ((await engine.exportAll()) as { events: { at: number }[] }).events.map((e) => e.at).sort((a, b) => a - b);
    expect(kept[0]).toBe(T0 + 4000);
    s.clock.t = T0 + 2 * 60 * MINUTE;
    await engine.ingest([s.view('dr1')]);
    const exported = (await engine.exportAll()) as { events: { id: string }[] };
    expect(exported.events).toHaveLength(1);
    expect((await engine.profile()).storage.events).toBe(1);
  });

  it('drift: a second genre moves the short-term interest first and the long-term one more slowly', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    for (let i = 0; i < 10; i++) {
      s.clock.t += MINUTE;
      await engine.ingest([s.view(`sf${i}`)]);
    }
    for (let i = 0; i < 4; i++) {
      s.clock.t += MINUTE;
      await engine.ingest([s.view(`dr${i}`)]);
    }
    const profile = await engine.profile();
    const drama = profile.interests.find((x) => x.category === 'Drama')!;
    const scifi = profile.interests.find((x) => x.category === 'Sci-Fi')!;
    expect(drama.shortTerm).toBeGreaterThan(scifi.shortTerm);
    expect(scifi.longTerm).toBeGreaterThan(drama.longTerm);
    expect(drama.shortTerm).toBeGreaterThan(drama.longTerm);
    const recs = await engine.recommend({ k: 3 });
    expect(recs[0]?.id.startsWith('dr')).toBe(true);
    expect(recs[0]?.reason).toBe('because you viewed Drama');
  });

  it('recommend excludes purchases and exclusions, respects k, candidates and category', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    const cold = await engine.recommend({ k: 1 });
    expect(cold).toEqual([{ id: 'hit', score: expect.any(Number), reason: 'popular in the shop' }]);
    await engine.ingest([s.view('sf0'), s.event('Order Completed', { order_id: 'o1', products: [{ product_id: 'sf1', price: 10 }] })]);
    const recs = await engine.recommend({ k: 30, exclude: ['sf2'] });
    expect(recs).toHaveLength(30);
    expect(recs.map((r) => r.id)).not.toContain('sf1');
    expect(recs.map((r) => r.id)).not.toContain('sf2');
    expect(recs.slice(0, 18).every((r) => r.id.startsWith('sf'))).toBe(true);
    expect((await engine.recommend({ k: 5, category: 'Drama' })).every((r) => r.id.startsWith('dr'))).toBe(true);
    const picked = await engine.recommend({ k: 5, candidates: ['dr1', 'sf1', 'sf5', 'unknown'] });
    expect(picked.map((r) => r.id)).toEqual(['sf5', 'dr1']);
    await expect(engine.recommend({ k: 0 })).rejects.toThrow(/^k: /);
  });

  it('without a catalogue, recommends from the items the visitor has met, in the order of their interests', async () => {
    const s = setup({ consent: 'granted', catalog: undefined });
    const engine = await s.open();
    expect(await engine.recommend({ k: 5 })).toEqual([]);
    const viewed = (id: string, category: string) => s.event('Product Viewed', { product_id: id, category });
    await engine.ingest([viewed('a1', 'Anime'), viewed('h1', 'Horror'), viewed('a2', 'Anime'), viewed('a1', 'Anime'), s.event('Order Completed', { order_id: 'o', products: [{ product_id: 'a2', category: 'Anime', price: 3 }] })]);
    const recs = await engine.recommend({ k: 5 });
    // a2 was bought (left out); a1 (Anime, viewed twice) before h1 (Horror, once).
    expect(recs.map((r) => r.id)).toEqual(['a1', 'h1']);
    expect(recs[0]!.reason).toBe('because you viewed Anime');
    // A new item is met: the index follows.
    await engine.ingest([viewed('h2', 'Horror')]);
    expect((await engine.recommend({ k: 5 })).map((r) => r.id)).toContain('h2');
    expect((await engine.recommend({ k: 5, category: 'Horror' })).map((r) => r.id).sort()).toEqual(['h1', 'h2']);
  });

  it('takes candidates described in full, mixed with ids, and names the field of a bad one', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf0'), s.view('sf3')]);
    const picked = await engine.recommend({
      k: 3,
      candidates: [{ id: 'new-1', categories: ['Drama'] }, 'sf5', { id: 'new-2', categories: ['Sci-Fi'], price: 4 }, 'unknown'],
    });
    expect(picked.map((r) => r.id)).toEqual(['sf5', 'new-2', 'new-1']);
    await expect(engine.recommend({ candidates: [{ id: 'x', categories: [3] }] as never })).rejects.toThrow(/^candidates\[0\]\.categories: /);
    await expect(engine.recommend({ candidates: [{ categories: ['Drama'] }] as never })).rejects.toThrow(/^candidates\[0\]\.id: /);
    await expect(engine.recommend({ candidates: [{ id: 'x', categories: [], popularity: 2 }] })).rejects.toThrow(/^candidates\[0\]\.popularity: /);
    await expect(engine.recommend({ candidates: [7] as never })).rejects.toThrow(/^candidates\[0\]: /);
  });

  it('blends an extra scorer with its own reason', async () => {
    const s = setup({
      extraScorer: { reason: 'because visitors like you liked it', weight: 5, score: ({ itemIds }) => Float32Array.from(itemIds, (id) => (id === 'dr7' ? 1 : 0)) },
    });
    const engine = await s.open();
    expect(await engine.recommend({ k: 1 })).toEqual([{ id: 'dr7', score: expect.any(Number), reason: 'because visitors like you liked it' }]);
  });

  it('ages carts out: an item left in the cart fades from recommend() and leaves it after the abandoned-cart window', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1'), s.view('sf2'), s.event('Product Added', { product_id: 'hit' })]);
    expect((await engine.recommend({ k: 1 }))[0]).toMatchObject({ id: 'hit', reason: 'because it is in your cart' });
    const bonus = async () => (await engine.recommend({ k: 41 })).find((r) => r.id === 'hit')!.score;
    const fresh = await bonus();
    s.clock.t += 86_400_000; // a day later: the nudge has halved (CART_BONUS 0.3 → 0.15)
    expect(fresh - (await bonus())).toBeCloseTo(0.15, 5);
    s.clock.t += 3 * 86_400_000; // past 3 days: no longer in the cart, for recommend() or the profile
    expect((await engine.recommend({ k: 41 })).find((r) => r.id === 'hit')!.reason).not.toBe('because it is in your cart');
    // A new add starts it again.
    await engine.ingest([s.event('Product Added', { product_id: 'hit' })]);
    expect((await engine.recommend({ k: 1 }))[0]!.reason).toBe('because it is in your cart');
  });

  it('ingests Product Added to Wishlist and raises its category', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1'), s.view('sf2')]);
    expect((await engine.profile()).interests.map((i) => i.category)).toEqual(['Sci-Fi']);
    const wished = (id: string) => s.event('Product Added to Wishlist', { product_id: id, wishlist_id: 'w1' });
    expect(await engine.ingest([wished('dr1'), wished('dr2')])).toEqual({ accepted: 2, duplicates: 0, errors: [] });
    // Two wishlist adds (1.5 each) outweigh two views (1 each).
    expect((await engine.profile()).interests.map((i) => i.category)).toEqual(['Drama', 'Sci-Fi']);
  });

  it('a refunded order is no purchase: RFM takes it back and its item is recommended again', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    const lines = { order_id: 'o1', products: [{ product_id: 'sf5', price: 10 }] };
    await engine.ingest([s.view('sf1'), s.event('Order Completed', lines)]);
    expect((await engine.profile()).rfm).toMatchObject({ frequency: 1, monetary: 10 });
    expect((await engine.recommend({ k: 41 })).map((r) => r.id)).not.toContain('sf5');
    s.clock.t += MINUTE;
    await engine.ingest([s.event('Order Refunded', { order_id: 'o1', total: 10, products: [{ product_id: 'sf5' }] })]);
    expect((await engine.profile()).rfm).toMatchObject({ frequency: 0, monetary: 0 });
    expect((await engine.recommend({ k: 41 })).map((r) => r.id)).toContain('sf5');
  });

  it('learns purchase propensity from batches and exports JSON', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    const before = (await engine.profile()).predictions.purchasePropensity;
    for (let i = 0; i < 30; i++) {
      s.clock.t += MINUTE;
      await engine.ingest([s.event('Product Added', { product_id: `sf${i % 20}` })]);
      s.clock.t += MINUTE;
      await engine.ingest([s.event('Order Completed', { products: [{ product_id: `sf${i % 20}`, price: 10 }] })]);
    }
    const profile = await engine.profile();
    expect(profile.predictions.purchasePropensity).toBeGreaterThan(before);
    expect(profile.segment).toBe('loyal buyer');
    expect(profile.rfm.monetary).toBeGreaterThan(0);
    const exported = await engine.exportAll();
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
  });
});

describe('Engine hooks for the federated client', () => {
  it('exposes item records and labelled propensity examples, and adopts global weights', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1')]);
    s.clock.t += MINUTE;
    await engine.ingest([s.event('Order Completed', { products: [{ product_id: 'sf1', price: 10 }] })]);
    expect((await engine.itemRecords()).find((i) => i.id === 'sf1')).toMatchObject({ views: 1, purchases: 1 });
    const examples = await engine.propensityExamples();
    expect(examples.map((e) => e.y)).toEqual([1]);
    expect(examples[0]!.x[0]).toBe(1);
    const global = new Float32Array(examples[0]!.x.length).fill(0.25);
    await engine.setPropensityWeights(global);
    await expect(engine.setPropensityWeights(new Float32Array(3))).rejects.toThrow(/^weights: must hold/);
    await engine.close();
    const reloaded = await s.open();
    expect(await reloaded.propensityExamples()).toHaveLength(1);
    const exported = (await reloaded.exportAll()) as { profile: { propensity: { weights: number[] } } };
    expect(exported.profile.propensity.weights).toEqual([...global]);
  });

  it('shows P(buy | engaged) per category with its interval, from the federated prior once there is one, and keeps the evidence over a reload', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1'), s.view('sf1'), s.view('sf2'), s.view('dr1')]);
    s.clock.t += MINUTE;
    await engine.ingest([s.event('Order Completed', { products: [{ product_id: 'sf1', price: 10 }] })]);
    // The default prior Beta(0.1, 1.9): Sci-Fi 1 bought of 2 products → Beta(1.1, 2.9); Drama 0 of 1 → Beta(0.1, 2.9).
    const [sciFi, drama] = (await engine.profile()).predictions.buyGivenClick;
    expect(sciFi).toMatchObject({ category: 'Sci-Fi' });
    expect(sciFi!.probability).toBeCloseTo(1.1 / 4, 6);
    expect(drama!.probability).toBeCloseTo(0.1 / 3, 6);
    expect(sciFi!.low).toBeLessThan(sciFi!.probability);
    expect(sciFi!.high).toBeGreaterThan(sciFi!.probability);
    const evidence = await engine.intentEvidence();
    expect(evidence.find((e) => e.category === 'Sci-Fi')).toMatchObject({ buys: 1 });
    await engine.close();

    const prior = { source: 'population' as const, version: 2, categories: new Map([['Drama', { alpha: 5, beta: 5 }]]), pooled: { alpha: 1, beta: 9 } };
    const reloaded = await s.open({ intentPriors: async () => prior });
    const shown = (await reloaded.profile()).predictions.buyGivenClick;
    expect(shown.map((b) => b.category)).toEqual(['Drama', 'Sci-Fi']);
    expect(shown[0]!.probability).toBeCloseTo(5 / 11, 6);
    expect(shown[1]!.probability).toBeCloseTo(2 / 12, 6);
  });
});

/**
 * Storage faults, injected into the real fake-indexeddb object store for one call: the engine,
 * idb and the transaction machinery all run for real; only one write fails as a disk would.
 */
describe('Engine under storage faults', () => {
  afterEach(() => vi.restoreAllMocks());

  function failNext(method: 'put' | 'add', storeName: string, error: () => DOMException, times = 1): void {
    const original = IDBObjectStore.prototype[method];
    let left = times;
    vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
      if (this.name === storeName && left > 0) {
        left--;
        throw error();
      }
      return original.apply(this, args);
    });
  }

  it('a failure mid-batch leaves the old state, on disk and in memory', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest([s.view('sf1')]);
    const snapshot = async (e: { exportAll(): Promise<unknown> }) => ({ ...(await e.exportAll() as object), exportedAt: null });
    const before = await snapshot(engine);
    failNext('add', 'itemJournal', () => new DOMException('the disk failed', 'UnknownError'));
    s.clock.t += MINUTE;
    await expect(engine.ingest([s.view('dr1'), s.view('dr2'), s.view('dr3')])).rejects.toThrow('the disk failed');
    expect(await snapshot(engine)).toEqual(before);
    await engine.close();
    expect(await snapshot(await s.open())).toEqual(before);
  });

  it('QuotaExceededError evicts the oldest events and retries without losing the profile', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    await engine.ingest(Array.from({ length: 200 }, (_, i) => s.event('Product Viewed', { product_id: `sf${i % 20}` }, T0 + i * 1000)));
    failNext('add', 'events', () => new DOMException('quota', 'QuotaExceededError'));
    s.clock.t = T0 + 300_000;
    expect(await engine.ingest([s.view('dr1')])).toMatchObject({ accepted: 1 });
    const profile = await engine.profile();
    expect(profile.storage.events).toBe(200 + 1 - 100);
    expect(profile.interests.map((i) => i.category).sort()).toEqual(['Drama', 'Sci-Fi']);
  });

  it('when space never frees up, the profile is still written (without the log rows)', async () => {
    const s = setup({ consent: 'granted' });
    const engine = await s.open();
    failNext('add', 'events', () => new DOMException('quota', 'QuotaExceededError'), 100);
    expect(await engine.ingest([s.view('dr1')])).toMatchObject({ accepted: 1 });
    await engine.close();
    const profile = await (await s.open()).profile();
    expect(profile.interests[0]?.category).toBe('Drama');
    expect(profile.storage.events).toBe(0);
  });
});

describe('Engine input guards', () => {
  it('reports a non-array batch and drops events beyond maxBatch, naming the rule', async () => {
    const s = setup({ limits: { maxBatch: 3 } });
    const engine = await s.open();
    expect((await engine.ingest(JSON.parse('null'))).errors[0]).toMatchObject({ field: 'events', rule: 'type' });
    const result = await engine.ingest(Array.from({ length: 5 }, (_, i) => s.view(`sf${i}`)));
    expect(result.accepted).toBe(3);
    expect(result.errors).toEqual([expect.objectContaining({ field: 'events', rule: 'max-batch' })]);
    await expect(engine.setConsent('maybe' as 'granted')).rejects.toThrow(/^consent: /);
  });
});

describe('Engine segment()', () => {
  it('answers null without the federated client; with it, hands over the inputs and profile().segment names the segment', async () => {
    const s = setup();
    const plain = await s.open({ consent: 'granted' });
    await plain.ingest([s.view('dr1')]);
    expect(await plain.segment()).toBeNull();
    const rule = (await plain.profile()).segment;
    expect(rule.length).toBeGreaterThan(0);

    const seen: unknown[] = [];
    const t = setup({
      segment: async (inputs) => {
        seen.push(inputs);
        return inputs === null ? null : { id: 2, description: 'weekend Drama browsers' };
      },
    });
    const engine = await t.open({ consent: 'granted' });
    // No event yet: the inputs are null, and so is the segment; the profile keeps the rule's segment.
    expect(await engine.segment()).toBeNull();
    expect((await engine.profile()).segment).not.toBe('weekend Drama browsers');
    t.clock.t = Date.UTC(2026, 10, 7, 12); // a Saturday
    await engine.ingest([t.view('dr1'), t.view('dr2')]);
    expect(await engine.segment()).toEqual({ id: 2, description: 'weekend Drama browsers' });
    expect((await engine.profile()).segment).toBe('weekend Drama browsers');
    expect(seen.at(-1)).toMatchObject({ events: 2, recencyDays: 0, weekendShare: 1, spend: 0, interests: [{ category: 'Drama', share: 1 }] });
  });
});
