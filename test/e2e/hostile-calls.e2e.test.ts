/**
 * Issue 3 §4, third bullet: 1,000 hostile calls leave `window.onerror` silent and the stored
 * data intact, and each produced an `on('error')` report.
 *
 * The calls are made from inside the BUILT storefront's page through the public
 * `window.inkling`, one at a time: the number of reports is read before the call and again
 * after `flush()` (which resolves once the engine has ingested, i.e. validated, what was
 * queued), so every single call is checked to have produced its own report. Consent is granted
 * first: in `pending` the SDK holds events in memory and the engine would not see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptConsent, browseFilms, filmsOnly, inklingReady, openShop, profileOf, visit, type InklingWindow, type Shop } from '../support/shop-session.js';

const CALLS = 1000;

let shop: Shop;

/** Records uncaught errors and unhandled rejections the way a host page would notice them. */
const PAGE_ERROR_PROBE = `
  window.__hostErrors = [];
  window.addEventListener('error', (e) => window.__hostErrors.push('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => window.__hostErrors.push('unhandledrejection: ' + String(e.reason)));
`;

interface ProbeWindow extends InklingWindow {
  readonly __hostErrors?: string[];
}

interface HostileOutcome {
  /** Index and label of every call that produced no report. */
  readonly silent: readonly string[];
  /** Calls that threw into the caller. */
  readonly threw: readonly string[];
  readonly reports: number;
  /** Reports missing a field, rule or message. */
  readonly malformed: readonly string[];
  readonly kinds: number;
}

beforeAll(async () => {
  shop = await openShop({ initScript: PAGE_ERROR_PROBE });
});

afterAll(async () => {
  await shop?.close();
});

describe('hostile calls (issue 3 §4)', () => {
  it(`reports each of ${CALLS} bad calls through on('error'), throws nothing and keeps the stored data`, async () => {
    const { page, server, catalog } = shop;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await visit(page, server.origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    await browseFilms(page, 'Comedy', filmsOnly(catalog, 'Comedy', [], 2).map((m) => m.id));
    const before = await profileOf(page);
    expect(before.storage.events).toBeGreaterThan(0);
    const exportOf = async (): Promise<{ text: string; events: unknown[] }> => {
      const text = await page.evaluate(async () => JSON.stringify(await (window as InklingWindow).inkling?.export()));
      const parsed: { events?: unknown[] } = JSON.parse(text);
      return { text, events: parsed.events ?? [] };
    };
    const beforeExport = await exportOf();

    const outcome: HostileOutcome = await page.evaluate(async (calls) => {
      const api = (window as InklingWindow).inkling;
      if (!api) throw new Error('window.inkling is missing');
      const reports: unknown[] = [];
      api.on('error', (report: unknown) => reports.push(report));

      const cyclic = (): Record<string, unknown> => {
        const o: Record<string, unknown> = { product_id: '1' };
        o.self = o;
        return o;
      };
      const deep = (): Record<string, unknown> => {
        let o: Record<string, unknown> = { product_id: '1' };
        for (let d = 0; d < 5000; d++) o = { nested: o };
        return o;
      };
      const huge = 'x'.repeat(1_000_000);
      const product = (extra: Record<string, unknown>): Record<string, unknown> => ({ product_id: '1', ...extra });

      // [label, call]; each is a call a careless or hostile page could make.
      const kinds: [string, (i: number) => unknown][] = [
        ['event name is a number', (i) => api.track(i)],
        ['event name is null', () => api.track(null)],
        ['event name is an object', () => api.track({ name: 'Product Viewed' })],
        ['event name is empty', () => api.track('', product({}))],
        ['event name is huge', () => api.track(huge.slice(0, 100_000))],
        ['unknown event', (i) => api.track(`Add To Basket ${i}`, product({}))],
        ['properties is a string', () => api.track('Product Viewed', 'product 1')],
        ['properties is an array', () => api.track('Product Viewed', ['1'])],
        ['product_id is an object', () => api.track('Product Viewed', { product_id: { id: 1 } })],
        ['product_id missing', () => api.track('Product Viewed', { category: 'Drama' })],
        ['price is NaN', () => api.track('Product Viewed', product({ price: Number.NaN }))],
        ['price is Infinity', () => api.track('Product Added', product({ price: Number.POSITIVE_INFINITY }))],
        ['price is a word', () => api.track('Product Viewed', product({ price: 'cheap' }))],
        ['name is a 1 MB string', () => api.track('Product Viewed', product({ name: huge }))],
        ['properties are cyclic', () => api.track('Product Viewed', cyclic())],
        ['properties are 5,000 levels deep', () => api.track('Product Viewed', deep())],
        ['a property is a function', () => api.track('Product Viewed', product({ onClick: () => 1 }))],
        ['a property is a BigInt', () => api.track('Product Viewed', product({ price: BigInt(10) }))],
        ['product_id is a Symbol', () => api.track('Product Viewed', { product_id: Symbol('1') })],
        ['products is not an array', () => api.track('Order Completed', { order_id: 'o1', products: 'all of them' })],
        ['a product has no id', () => api.track('Order Completed', { order_id: 'o1', products: [{ product_id: null }] })],
        ['quantity is a word', () => api.track('Product Added', product({ quantity: 'two' }))],
        ['rating is NaN', () => api.track('Product Reviewed', product({ rating: Number.NaN }))],
        ['query is an object', () => api.track('Products Searched', { query: { q: 'alien' } })],
        ['page properties are a number', () => api.page(42)],
        ['page properties are cyclic', () => api.page(cyclic())],
        ['recommend k is negative', () => api.recommend({ k: -1 })],
        ['recommend k is a word', () => api.recommend({ k: 'ten' })],
        ['recommend options are a string', () => api.recommend('everything')],
        ['recommend candidates is a number', () => api.recommend({ candidates: 5 })],
        ['consent is a made-up state', () => api.consent('maybe')],
        ['on() with an unknown event', () => api.on('no-such-event', () => undefined)],
        ['on() with a non-function', () => api.on('error', 'not a function')],
      ];

      const silent: string[] = [];
      const threw: string[] = [];
      for (let i = 0; i < calls; i++) {
        const [label, call] = kinds[i % kinds.length];
        const reportsBefore = reports.length;
        try {
          await call(i);
        } catch (error) {
          threw.push(`#${i} ${label}: ${String(error)}`);
        }
        await api.flush();
        if (reports.length === reportsBefore) silent.push(`#${i} ${label}`);
      }
      const malformed = reports
        .filter((r) => {
          const report = r as { field?: unknown; rule?: unknown; message?: unknown };
          return !(typeof report.field === 'string' && report.field && typeof report.rule === 'string' && report.rule && typeof report.message === 'string' && report.message);
        })
        .map((r) => JSON.stringify(r).slice(0, 200));
      return { silent, threw, reports: reports.length, malformed, kinds: kinds.length };
    }, CALLS);

    expect(outcome.threw).toEqual([]);
    expect(outcome.silent).toEqual([]);
    expect(outcome.reports).toBeGreaterThanOrEqual(CALLS);
    expect(outcome.malformed).toEqual([]);
    expect(await page.evaluate(() => (window as ProbeWindow).__hostErrors)).toEqual([]);
    expect(pageErrors).toEqual([]);

    // Intact: every event stored before is still stored, byte for byte, and nothing hostile
    // was persisted. (Two kinds of call — an over-long name, a cyclic page property — are
    // stored after the SDK truncates or drops the bad field and reports it: sanitised, so the
    // log may grow, but what was there is untouched.)
    const after = await profileOf(page);
    expect(after.storage.events).toBeGreaterThanOrEqual(before.storage.events);
    for (const interest of after.interests) {
      expect(Number.isFinite(interest.shortTerm) && Number.isFinite(interest.longTerm)).toBe(true);
    }
    const exported = await exportOf();
    const storedAfter = new Set(exported.events.map((e) => JSON.stringify(e)));
    // (Engaged-time events may still arrive between the profile read and the export: the export is the baseline.)
    expect(beforeExport.events.length).toBeGreaterThan(0);
    expect(beforeExport.events.filter((e) => !storedAfter.has(JSON.stringify(e)))).toEqual([]);
    // A 1 MB string, a 100 KB event name or a 5,000-level object would each show here.
    expect(exported.text.length).toBeLessThan(beforeExport.text.length + 100_000);
    expect(exported.text).not.toContain('x'.repeat(5_000));
  });
  it('every public method, init included, takes getters that throw, Proxies, revoked Proxies, frozen and cyclic objects without an exception reaching the page', async () => {
    const { page } = shop;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const outcome = await page.evaluate(async () => {
      const api = (window as InklingWindow).inkling as unknown as Record<string, (...args: unknown[]) => unknown>;
      const reports: unknown[] = [];
      (api.on as (event: string, listener: (report: unknown) => void) => void)('error', (report) => reports.push(report));
      const boom = () => {
        throw new Error('hostile getter');
      };
      // Every field any method or init reads, as a getter that throws.
      const fields = ['site', 'debug', 'endpoint', 'helper', 'catalog', 'consent', 'autocapture', 'batch', 'searchParam', 'workerUrl', 'respectGpc', 'allowAutomation',
        'product_id', 'category', 'categories', 'price', 'quantity', 'products', 'order_id', 'revenue', 'query', 'rating', 'name', 'k', 'candidates', 'exclude', 'id', 'toJSON', 'then'];
      const throwingGetters = (): object => Object.defineProperties({}, Object.fromEntries(fields.map((f) => [f, { get: boom, enumerable: true }])));
      const trapEverything = (): object =>
        new Proxy({}, Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'defineProperty', 'apply'].map((t) => [t, boom])));
      const revoked = (): object => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      };
      const frozenCyclic = (): object => {
        const o: Record<string, unknown> = { product_id: '7', category: 'Drama', k: 3 };
        o.self = o;
        return Object.freeze(o);
      };
      const throwingPrimitive = (): object => ({ [Symbol.toPrimitive]: boom, toString: boom, valueOf: boom });
      const values: [string, () => unknown][] = [
        ['getters that throw', throwingGetters],
        ['a Proxy whose every trap throws', trapEverything],
        ['a revoked Proxy', revoked],
        ['a frozen cyclic object', frozenCyclic],
        ['an object whose toString throws', throwingPrimitive],
      ];
      // forget() last: it erases, and the first test's data is not needed after it.
      const methods = ['track', 'page', 'recommend', 'profile', 'segment', 'consent', 'on', 'off', 'flush', 'export', 'init', 'optOut', 'forget'];
      const threw: string[] = [];
      const rejected: string[] = [];
      let calls = 0;
      for (const method of methods) {
        for (const [label, make] of values) {
          // The value in each argument position (init: as the options, and as the site).
          for (const args of [[make()], ['Product Viewed', make()], [make(), make()], ['demo-shop', make()]]) {
            calls++;
            try {
              const result = api[method]!(...args);
              if (result instanceof Promise) await result.catch((error: unknown) => rejected.push(`${method}(${label}): ${String(error)}`));
            } catch (error) {
              threw.push(`${method}(${label}): ${String(error)}`);
            }
          }
        }
      }
      await (api.flush as () => Promise<void>)();
      return { threw, rejected, calls, reports: reports.length };
    });
    expect(outcome.calls).toBe(13 * 5 * 4);
    expect(outcome.threw).toEqual([]);
    expect(outcome.rejected).toEqual([]);
    // Hostile values are reported, not swallowed (frozen cyclic objects are legal input for most methods).
    expect(outcome.reports).toBeGreaterThan(outcome.calls / 2);
    expect(await page.evaluate(() => (window as ProbeWindow).__hostErrors)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
