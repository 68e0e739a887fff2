/**
 * Issue 3 §4, fourth bullet: a capture of every network request during a whole shopping
 * journey shows nothing but the page's own static files, and the SDK sets no cookies.
 *
 * Two independent captures: what Chromium reports (every request of the page and its Worker,
 * to any origin) and what the 127.0.0.1 server saw. The journey: home, consent, a genre, three
 * films, a search, add to cart, a rating, checkout and order, "Your data", a reload.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROOTS } from '../support/static-server.js';
import { acceptConsent, browseFilms, filmsOnly, inklingReady, openShop, visit, type InklingWindow, type Shop } from '../support/shop-session.js';

let shop: Shop;

interface Captured {
  readonly url: string;
  readonly method: string;
  readonly resourceType: string;
  readonly hasBody: boolean;
}

beforeAll(async () => {
  shop = await openShop();
});

afterAll(async () => {
  await shop?.close();
});

/** A file of the built storefront or SDK that this path names. */
function isStaticFile(pathname: string): boolean {
  return DEFAULT_ROOTS.some((root) => {
    const file = join(root, decodeURIComponent(pathname));
    return existsSync(file) && statSync(file).isFile();
  });
}

describe('nothing leaves the browser (issue 3 §4)', () => {
  it('requests only the site’s own static files over a whole journey, and sets no cookie', async () => {
    const { page, server, context, catalog } = shop;
    const captured: Captured[] = [];
    context.on('request', (request) => {
      captured.push({ url: request.url(), method: request.method(), resourceType: request.resourceType(), hasBody: request.postDataBuffer() !== null });
    });

    await visit(page, server.origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    await browseFilms(page, 'Sci-Fi', filmsOnly(catalog, 'Sci-Fi', [], 3).map((m) => m.id));
    await page.fill('[data-testid="search-input"]', 'alien');
    await page.press('[data-testid="search-input"]', 'Enter');
    await page.waitForSelector('[data-testid="search-results"]');
    await page.click('[data-testid="search-results"] .card__link');
    await page.waitForSelector('[data-testid="product"]');
    await page.click('[data-testid="add-to-cart"]');
    await page.click('[data-testid="rate"] [data-rating="5"]');
    await page.click('[data-testid="nav-cart"]');
    await page.click('[data-testid="to-checkout"]');
    await page.click('[data-testid="place-order"]');
    await page.waitForSelector('[data-testid="order-complete"]');
    await page.click('[data-testid="nav-your-data"]');
    await page.waitForSelector('[data-testid="your-data"]');
    await page.reload();
    await inklingReady(page);
    await page.evaluate(() => (window as InklingWindow).inkling?.flush());
    // Idle time for anything the SDK might send late (batching, idle callbacks, pagehide).
    await page.waitForTimeout(1500);
    await visit(page, server.origin, '/');

    // The capture sees the SDK and its Worker (so it would see anything they sent).
    const paths = captured.map((r) => new URL(r.url).pathname);
    expect(paths).toContain('/inkling.js');
    expect(paths).toContain('/inkling.worker.js');
    const problems: string[] = [];
    for (const request of captured) {
      const url = new URL(request.url);
      if (url.protocol === 'data:' || url.protocol === 'blob:') continue;
      if (url.origin !== server.origin) problems.push(`other origin: ${request.method} ${request.url}`);
      else if (request.method !== 'GET') problems.push(`not a GET: ${request.method} ${url.pathname}`);
      else if (request.hasBody) problems.push(`a body: ${url.pathname}`);
      else if (url.search && request.resourceType !== 'document') problems.push(`a query string on a file: ${url.pathname}${url.search}`);
      else if (request.resourceType !== 'document' && !isStaticFile(url.pathname)) problems.push(`not a static file: ${url.pathname}`);
    }
    expect(problems).toEqual([]);

    // The server's own log agrees: every request it answered was a GET for a file or a page.
    const served = server.requests.filter((r) => !(r.status === 200 || r.status === 304));
    expect(served).toEqual([]);
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true);

    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });
});
