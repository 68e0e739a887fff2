/**
 * Driving the BUILT demo storefront in real Chromium the way a visitor does: clicks on cards,
 * the back button, the consent banner. Shared by the issue-3 browser tests (test/e2e) and the
 * browser benchmark. Everything the page is asked through `page.evaluate` goes through the
 * public `window.inkling` API only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchContext, type LaunchedContext } from './chromium.js';
import { DEFAULT_ROOTS, startStaticServer, type StaticServer } from './static-server.js';

export interface ShopMovie {
  readonly id: string;
  readonly title: string;
  readonly year: number | null;
  readonly categories: readonly string[];
  readonly price: number;
  readonly popularity: number;
}

/** Public ProfileView fields the tests read (see core/protocol/engine-api.ts). */
export interface ProfileSnapshot {
  readonly consent: string;
  readonly interests: readonly { readonly category: string; readonly shortTerm: number; readonly longTerm: number }[];
  readonly keywords: readonly { readonly term: string; readonly weight: number }[];
  readonly storage: { readonly events: number; readonly items: number; readonly bytesEstimate: number };
}

/** The public API as the tests call it inside the page (`window.inkling`). */
export interface PageInkling {
  track(event: unknown, properties?: unknown): void;
  page(properties?: unknown): void;
  recommend(options?: unknown): Promise<{ id: string; score: number; reason: string }[]>;
  profile(): Promise<ProfileSnapshot | null>;
  segment(): Promise<{ id: number; description: string } | null>;
  export(): Promise<unknown>;
  forget(): Promise<void>;
  consent(state: unknown): void;
  on(event: unknown, listener: unknown): void;
  flush(): Promise<void>;
}

/** `window` inside the page, seen by the tests; use as `(window as InklingWindow).inkling`. */
export interface InklingWindow extends Window {
  readonly inkling?: PageInkling;
}

export interface Shop {
  readonly server: StaticServer;
  readonly browser: LaunchedContext;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly catalog: readonly ShopMovie[];
  close(): Promise<void>;
}

const distDemo = DEFAULT_ROOTS[0];

export function loadBuiltCatalog(): ShopMovie[] {
  const file = join(distDemo, 'catalog.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: run \`npm run build\` (the browser tests run against the built storefront)`);
  }
  const parsed: { items: ShopMovie[] } = JSON.parse(text);
  return parsed.items;
}

/** Fails early with a clear message when the SDK has not been built. */
export function assertBuilt(): void {
  for (const file of [join(DEFAULT_ROOTS[1], 'inkling.js'), join(distDemo, 'index.html')]) {
    try {
      readFileSync(file);
    } catch {
      throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
  }
}

/** A static server on 127.0.0.1 and a fresh Chromium profile; `extraArgs` go to Chromium. */
export async function openShop(options: { extraArgs?: string[]; initScript?: string } = {}): Promise<Shop> {
  assertBuilt();
  const catalog = loadBuiltCatalog();
  const server = await startStaticServer();
  const browser = await launchContext({ extraArgs: options.extraArgs });
  const { context } = browser;
  if (options.initScript) await context.addInitScript({ content: options.initScript });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  return {
    server,
    browser,
    context,
    page,
    catalog,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until the SDK has loaded and answers (the stub queues `profile()` until then). */
export async function inklingReady(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof (window as InklingWindow).inkling === 'object');
  await page.evaluate(() => (window as InklingWindow).inkling?.profile());
}

/** Navigates to a path with a full page load and waits for the routed page to render. */
export async function visit(page: Page, origin: string, path: string): Promise<void> {
  await page.goto(origin + path);
  await page.waitForSelector('main.outlet[data-route]:not([aria-busy])');
}

export async function acceptConsent(page: Page): Promise<void> {
  await page.click('[data-testid="consent-accept"]');
}

export async function declineConsent(page: Page): Promise<void> {
  await page.click('[data-testid="consent-deny"]');
}

async function settled(page: Page, route: string): Promise<void> {
  await page.waitForSelector(`main.outlet[data-route="${route}"]:not([aria-busy])`);
}

/**
 * Opens each film from its genre page the way a visitor does: SPA click on the card, a moment
 * on the product page, then the back button (popstate). Films must be among the genre page's
 * first 24 (most rated first).
 */
export async function browseFilms(page: Page, genre: string, ids: readonly string[], dwellMs = 150): Promise<void> {
  await page.click(`.genres a[href="/genre/${encodeURIComponent(genre)}"]`);
  await settled(page, 'genre');
  for (const id of ids) {
    await page.click(`[data-testid="genre-grid"] [data-inkling-product-id="${id}"] a.card__link`);
    await settled(page, 'movie');
    await page.waitForSelector(`[data-testid="product"][data-inkling-product-id="${id}"]`);
    await page.waitForTimeout(dwellMs);
    await page.goBack();
    await settled(page, 'genre');
  }
}

/**
 * The most-rated films of `genre` that are in none of `avoid`, have at most `maxGenres` genres
 * (an event's weight is shared among its film's genres, so few genres give a clear signal) and
 * are on the genre page's first screenful (its first 24 films, most rated first).
 */
export function filmsOnly(catalog: readonly ShopMovie[], genre: string, avoid: readonly string[], count: number, maxGenres = Infinity): ShopMovie[] {
  const firstPage = catalog.filter((m) => m.categories.includes(genre)).slice(0, 24);
  const chosen = firstPage.filter((m) => m.categories.length <= maxGenres && !m.categories.some((c) => avoid.includes(c))).slice(0, count);
  if (chosen.length < count) throw new Error(`only ${chosen.length} ${genre} films without ${avoid.join('/')} on its first page`);
  return chosen;
}

export async function profileOf(page: Page): Promise<ProfileSnapshot> {
  const profile = await page.evaluate(async () => {
    await (window as InklingWindow).inkling?.flush();
    return (window as InklingWindow).inkling?.profile();
  });
  if (!profile) throw new Error('inkling.profile() answered nothing');
  return profile;
}

/** Interests ranked by one horizon, strongest first. */
export function ranked(profile: ProfileSnapshot, horizon: 'shortTerm' | 'longTerm'): string[] {
  return [...profile.interests].sort((a, b) => b[horizon] - a[horizon]).map((i) => i.category);
}

export function share(profile: ProfileSnapshot, category: string, horizon: 'shortTerm' | 'longTerm'): number {
  const total = profile.interests.reduce((sum, i) => sum + i[horizon], 0);
  const mine = profile.interests.find((i) => i.category === category)?.[horizon] ?? 0;
  return total > 0 ? mine / total : 0;
}

/** Goes home by the logo (SPA) and returns the ids in "Recommended for you". */
export async function recommendedOnHome(page: Page): Promise<string[]> {
  await page.evaluate(() => (window as InklingWindow).inkling?.flush());
  await page.click('a.logo');
  await settled(page, 'home');
  return page.$$eval('[data-testid="recommended"] [data-inkling-product-id]', (cards) =>
    cards.map((c) => c.getAttribute('data-inkling-product-id') ?? ''),
  );
}

export interface IndexedDbDump {
  readonly databases: readonly string[];
  /** "database/store" → number of records. */
  readonly records: Readonly<Record<string, number>>;
}

/** Every IndexedDB database of the page's origin and how many records each store holds. */
export async function dumpIndexedDb(page: Page): Promise<IndexedDbDump> {
  return page.evaluate(async () => {
    const infos = await indexedDB.databases();
    const records: Record<string, number> = {};
    const names: string[] = [];
    for (const info of infos) {
      if (!info.name) continue;
      names.push(info.name);
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name as string);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        records[`${info.name}/${store}`] = await new Promise<number>((resolve, reject) => {
          const request = db.transaction(store, 'readonly').objectStore(store).count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      db.close();
    }
    return { databases: names, records };
  });
}
