/**
 * Issue 3 §4, second bullet: a reload keeps the profile; Export downloads it; Forget empties it; consent `denied`
 * or Global Privacy Control leaves nothing in IndexedDB. And (§2, migrations) a database left by
 * version 1 of the schema is migrated in Chromium without losing an event.
 *
 * Each case runs in its own fresh Chromium profile (a new user-data-dir) against the BUILT
 * storefront on 127.0.0.1; IndexedDB is inspected from the page with `indexedDB.databases()`
 * and a record count of every object store.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acceptConsent,
  browseFilms,
  declineConsent,
  dumpIndexedDb,
  filmsOnly,
  inklingReady,
  openShop,
  profileOf,
  visit,
  type IndexedDbDump,
  type InklingWindow,
  type Shop,
} from '../support/shop-session.js';

const GENRE = 'Sci-Fi';

let shop: Shop | undefined;

afterEach(async () => {
  await shop?.close();
  shop = undefined;
});

function totalRecords(dump: IndexedDbDump): number {
  return Object.values(dump.records).reduce((sum, n) => sum + n, 0);
}

/** Browses three Sci-Fi films and waits until the engine has ingested them. */
async function browseSome(current: Shop): Promise<void> {
  const films = filmsOnly(current.catalog, GENRE, ['Horror'], 3);
  await browseFilms(current.page, GENRE, films.map((m) => m.id));
  await current.page.evaluate(() => (window as InklingWindow).inkling?.flush());
}

describe('what is kept, and what is not (issue 3 §4)', () => {
  it('keeps the profile across a reload, exports it, and Forget empties it', async () => {
    shop = await openShop();
    const { page, server } = shop;
    await visit(page, server.origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    await browseSome(shop);
    const before = await profileOf(page);
    expect(before.interests.find((i) => i.category === GENRE)).toBeDefined();
    expect(before.storage.events).toBeGreaterThan(0);

    await page.reload();
    await inklingReady(page);
    const after = await profileOf(page);
    const longBefore = before.interests.find((i) => i.category === GENRE)?.longTerm ?? 0;
    const longAfter = after.interests.find((i) => i.category === GENRE)?.longTerm ?? 0;
    // The long-term half-life is a year: a reload a few seconds later keeps it to 1e-4.
    expect(longAfter).toBeGreaterThan(longBefore * 0.9999);
    expect(after.storage.events).toBeGreaterThanOrEqual(before.storage.events);
    expect(totalRecords(await dumpIndexedDb(page))).toBeGreaterThan(0);

    // Export downloads everything stored as JSON, the browsed films' events included.
    await visit(page, server.origin, '/your-data');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export"]')]);
    const exported: { events?: unknown[] } = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(download.suggestedFilename()).toMatch(/^inkling-export-.*\.json$/);
    expect(exported.events?.length ?? 0).toBeGreaterThanOrEqual(after.storage.events);

    await page.click('[data-testid="forget"]');
    await page.waitForSelector('[data-testid="interests-empty"]');
    const forgotten = await profileOf(page);
    expect(forgotten.interests).toEqual([]);
    expect(forgotten.keywords).toEqual([]);

    // The next page view starts empty: nothing of the old profile came back from anywhere.
    await page.reload();
    await inklingReady(page);
    const fresh = await profileOf(page);
    expect(fresh.interests.find((i) => i.category === GENRE)).toBeUndefined();
  });

  it('migrates a log left by an earlier version (one row per event) and keeps every event', async () => {
    shop = await openShop();
    const { page, server } = shop;
    // A same-origin page without the SDK, to leave the database as version 1 of the schema wrote it.
    await page.goto(`${server.origin}/catalog.json`);
    const ids = await page.evaluate(async () => {
      const request = indexedDB.open('inkling:demo-shop', 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        const events = db.createObjectStore('events', { keyPath: ['at', 'eventId'] });
        db.createObjectStore('profile');
        db.createObjectStore('items', { keyPath: 'id' });
        db.createObjectStore('itemJournal', { autoIncrement: true });
        db.createObjectStore('catalog', { keyPath: 'id' });
        db.createObjectStore('meta', { keyPath: 'key' }).put({ key: 'consent', value: 'granted' });
        const now = Date.now();
        for (let i = 0; i < 250; i++) {
          const event = { id: `v1-${i}`, at: now - 3_600_000 + i * 1000, path: '/', name: 'Product Viewed', product: { productId: '1', categories: ['Comedy'], price: null, quantity: 1 } };
          events.add({ eventId: event.id, at: event.at, event });
        }
      };
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      db.close();
      return Array.from({ length: 250 }, (_, i) => `v1-${i}`);
    });

    await visit(page, server.origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    const exported = (await page.evaluate(() => (window as InklingWindow).inkling?.export())) as { events: { id: string }[] };
    const stored = new Set(exported.events.map((event) => event.id));
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    expect((await profileOf(page)).storage.events).toBeGreaterThanOrEqual(ids.length);
    expect(await page.evaluate(async () => (await indexedDB.databases()).find((d) => d.name === 'inkling:demo-shop')?.version)).toBe(2);
  });

  it('stores nothing when the visitor declines', async () => {
    shop = await openShop();
    const { page, server } = shop;
    await visit(page, server.origin, '/');
    await declineConsent(page);
    await inklingReady(page);
    await browseSome(shop);
    await page.reload();
    await page.waitForTimeout(500);

    const dump = await dumpIndexedDb(page);
    expect(totalRecords(dump), JSON.stringify(dump)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('stores nothing under Global Privacy Control, even when the visitor clicks Allow', async () => {
    // GPC as a browser with the setting on exposes it (the Sec-GPC header is not what the SDK reads).
    shop = await openShop({ initScript: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });" });
    const { page, server } = shop;
    await visit(page, server.origin, '/');
    expect(await page.evaluate(() => (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl)).toBe(true);
    await acceptConsent(page);
    await inklingReady(page);
    await browseSome(shop);
    await page.reload();
    await page.waitForTimeout(500);

    const dump = await dumpIndexedDb(page);
    expect(totalRecords(dump), JSON.stringify(dump)).toBe(0);
  });
});
