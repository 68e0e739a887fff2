/**
 * Issue 3 §4, second bullet: a reload keeps the profile; Export downloads it; Forget empties it; consent `denied`
 * or Global Privacy Control leaves nothing in IndexedDB.
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
