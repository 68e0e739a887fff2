/**
 * The built SDK (dist/sdk) in real Chromium, on a bare page rather than the storefront: the
 * snippet queues calls made before the loader arrives and replays them in order, answering
 * methods resolve across the load, the Worker starts from the script's folder, hostile calls
 * never reach window.onerror and each is reported through on('error'), and GPC leaves no
 * database behind. Needs `npm run build:sdk` first (npm test builds).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchContext, type LaunchedContext } from '../support/chromium.js';

const dist = join(import.meta.dirname, '..', '..', 'dist', 'sdk');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.wasm': 'application/wasm' };

const catalog = {
  items: [
    { id: 'm1', title: 'Alien', categories: ['Sci-Fi', 'Horror'], price: 3.99, popularity: 0.9 },
    { id: 'm2', title: 'Heat', categories: ['Crime', 'Action'], price: 2.99, popularity: 0.8 },
    { id: 'm3', title: 'Solaris', categories: ['Sci-Fi', 'Drama'], price: 3.49, popularity: 0.4 },
    { id: 'm4', title: 'Amélie', categories: ['Comedy', 'Romance'], price: 2.49, popularity: 0.7 },
  ],
};

/** A page with the snippet inline, calls made before load, and the loader delayed by the server. */
function page(attributes: string, body = ''): string {
  const stub = readFileSync(join(dist, 'stub.min.js'), 'utf8');
  return `<!doctype html><html><head><title>Smoke</title><script>${stub}</script>
<script>
  window.__errors = []; window.__reports = [];
  window.onerror = (message) => { window.__errors.push(String(message)); };
  window.addEventListener('unhandledrejection', (event) => window.__errors.push('unhandled: ' + String(event.reason)));
  inkling.on('error', (report) => window.__reports.push(report));
  inkling.track('Product Viewed', { product_id: 'm1', category: 'Sci-Fi', price: 3.99 });
  window.__early = inkling.recommend({ k: 2 });
</script>
<script async src="/inkling.js?delay=300" ${attributes}></script></head><body>${body}</body></html>`;
}

/**
 * Hostile calls made to the snippet before the loader arrives, then to the loaded API: `init` with
 * options whose getters throw, a Proxy whose every trap throws, a revoked Proxy; every other
 * method with the same values. The script tag has no data-site, so `init` is what starts it.
 */
function hostileStubPage(): string {
  const stub = readFileSync(join(dist, 'stub.min.js'), 'utf8');
  return `<!doctype html><html><head><title>Hostile</title><script>${stub}</script>
<script>
  window.__errors = []; window.__reports = [];
  window.onerror = (message) => { window.__errors.push(String(message)); };
  window.addEventListener('unhandledrejection', (event) => window.__errors.push('unhandled: ' + String(event.reason)));
  window.__hostile = () => {
    const boom = () => { throw new Error('hostile'); };
    const getters = { get debug() { boom(); }, get endpoint() { boom(); }, get consent() { boom(); } };
    const traps = new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    return [getters, traps, revoked];
  };
  window.__callAll = () => {
    for (const value of window.__hostile()) {
      inkling.init('shop-x', value);
      inkling.init(value, value);
      for (const method of ['track', 'page', 'recommend', 'profile', 'segment', 'consent', 'on', 'off', 'flush', 'export']) {
        const result = inkling[method](value, value);
        if (result && typeof result.then === 'function') result.then(undefined, (e) => window.__errors.push('rejected: ' + String(e)));
      }
    }
  };
  inkling.on('error', (report) => window.__reports.push(report));
  window.__callAll();
</script>
<script async src="/inkling.js?delay=200"></script></head><body></body></html>`;
}

/** Markup as the SDK's README tells a shop to write it. */
const SHOP_BODY = `
<div data-inkling-list="Sci-Fi">
  <div data-inkling-product-id="m1" data-inkling-product-category="Sci-Fi" data-inkling-product-price="3.99">
    <a id="link-m1" href="#m1">Alien</a>
    <button id="add-m1" data-inkling-action="add">Add to cart</button>
    <span id="text-m1">A film</span>
  </div>
</div>
<form id="search" data-inkling-search><input name="q" value=" Alien "><button>Search</button></form>
<script>document.getElementById('search').addEventListener('submit', (event) => event.preventDefault());</script>`;

const PRODUCT_PAGE = `<article data-inkling-product-page data-inkling-product-id="m3" data-inkling-product-category="Sci-Fi" data-inkling-product-price="3.49"><h1>Solaris</h1></article>`;

let server: Server;
let origin: string;
let browser: LaunchedContext;

beforeAll(async () => {
  if (!existsSync(join(dist, 'inkling.js'))) throw new Error('dist/sdk is missing: run `npm run build:sdk` first');
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, content: string | Buffer) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(content);
    };
    if (url.pathname === '/catalog.json') return send(200, TYPES['.json']!, JSON.stringify(catalog));
    if (url.pathname === '/page') return send(200, TYPES['.html']!, page('data-site="smoke" data-catalog="/catalog.json" data-allow-automation'));
    if (url.pathname === '/esm') {
      return send(200, TYPES['.html']!, `<!doctype html><script type="module">
import { createInkling } from '/esm/index.js';
window.shop = createInkling({ site: 'esm', catalog: '/catalog.json', allowAutomation: true, autocapture: false });
</script>`);
    }
    if (url.pathname === '/no-catalog') return send(200, TYPES['.html']!, page('data-site="no-catalog" data-allow-automation'));
    if (url.pathname === '/hostile-stub') return send(200, TYPES['.html']!, hostileStubPage());
    if (url.pathname === '/bad-config') return send(200, TYPES['.html']!, page('data-site="smoke" data-consent="maybe" data-allow-automation'));
    if (url.pathname === '/no-automation') return send(200, TYPES['.html']!, page('data-site="smoke"'));
    if (url.pathname === '/shop' || url.pathname.startsWith('/movie/')) return send(200, TYPES['.html']!, page('data-site="smoke" data-catalog="/catalog.json" data-allow-automation', SHOP_BODY));
    const file = normalize(join(dist, url.pathname));
    if (!file.startsWith(dist) || !existsSync(file)) return send(404, 'text/plain', 'not found');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    setTimeout(() => send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file)), delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  origin = `http://127.0.0.1:${address.port}`;
  browser = await launchContext();
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the built SDK in Chromium', () => {
  it('replays calls made before load, answers the early recommend(), and stores nothing while consent is pending', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${origin}/page`);
    const early = await tab.evaluate(() => (window as unknown as { __early: Promise<unknown> }).__early);
    expect(Array.isArray(early)).toBe(true);
    const profile = await tab.evaluate(async () => {
      const inkling = (window as unknown as { inkling: { flush(): Promise<void>; profile(): Promise<unknown> } }).inkling;
      await inkling.flush();
      return inkling.profile();
    });
    expect(profile).toMatchObject({ consent: 'pending' });
    const interests = (profile as { interests: { category: string }[] }).interests.map((i) => i.category);
    expect(interests).toContain('Sci-Fi');
    const databases = await tab.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(databases).toEqual([]);
    expect(await tab.evaluate(() => (window as unknown as { __errors: string[] }).__errors)).toEqual([]);
    await tab.close();
  });

  it('captures page views (SPA navigation deduplicated), list views, clicks, cart buttons, searches, product views and engaged time', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${origin}/shop`);
    await tab.bringToFront();
    await tab.evaluate(`new Promise((resolve) => inkling.on('ready', resolve))`);
    await tab.click('#link-m1');
    await tab.click('#add-m1');
    await tab.click('#text-m1');
    await tab.click('#search button');
    await tab.evaluate(`(async () => {
      const settle = () => new Promise((resolve) => setTimeout(resolve, 120));
      history.pushState({}, '', '/shop?q=alien');   // the same search as the form: counted once
      await settle();
      history.replaceState({}, '', '/shop?q=alien'); // same URL: not a page view
      history.pushState({}, '', '/shop?q=alien#top'); // hash only: not a page view
      await settle();
      document.body.insertAdjacentHTML('beforeend', ${JSON.stringify(PRODUCT_PAGE)});
      history.pushState({}, '', '/movie/m3');
      await new Promise((resolve) => setTimeout(resolve, 1600)); // engaged on the product page
      document.querySelector('[data-inkling-product-page]').remove();
      history.pushState({}, '', '/shop');
      await settle();
    })()`);
    const events = await tab.evaluate(`inkling.export().then((data) => data.events.map((e) => e.name))`);
    const count = (name: string) => (events as string[]).filter((n) => n === name).length;
    expect(count('Page Viewed')).toBe(4); // /shop, /shop?q=alien, /movie/m3, /shop
    expect(count('Product List Viewed')).toBeGreaterThanOrEqual(1);
    expect(count('Product Clicked')).toBe(1); // the link, not the button or the text
    expect(count('Product Added')).toBe(1);
    expect(count('Products Searched')).toBe(1);
    expect(count('Product Viewed')).toBe(2); // the page's own early track() of m1, and m3's product page
    const hasFocus = await tab.evaluate('document.hasFocus()');
    // Engaged time counts only while the page is visible and focused (the front tab is).
    expect(hasFocus).toBe(true);
    expect(count('Product Engaged')).toBe(1); // 1.6 s on /movie/m3, sent on leaving it
    expect(await tab.evaluate('window.__errors')).toEqual([]);
    expect(await tab.evaluate('window.__reports')).toEqual([]);
    await tab.close();
  });

  it('records nothing in an automated browser unless the site allows automation', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${origin}/no-automation`);
    await tab.waitForFunction('typeof inkling.flush === "function" && !("_q" in inkling)');
    expect(await tab.evaluate('inkling.profile()')).toBeNull();
    expect(await tab.evaluate(`performance.getEntriesByType('resource').map((r) => r.name).filter((n) => n.includes('worker'))`)).toEqual([]);
    await tab.close();
  });

  it('starts the Worker through a blob: shim when the SDK is served from another origin (a CDN), under a strict CSP', async () => {
    // The "CDN": another origin (localhost vs 127.0.0.1) serving dist/sdk with CORS.
    const cdn = createServer((request, response) => {
      const file = normalize(join(dist, new URL(request.url ?? '/', 'http://localhost').pathname));
      if (!file.startsWith(dist) || !existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': TYPES['.js']!, 'access-control-allow-origin': '*' });
      response.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    const address = cdn.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const cdnOrigin = `http://localhost:${address.port}`;
    const shop = createServer((request, response) => {
      if (request.url === '/catalog.json') return void response.writeHead(200, { 'content-type': TYPES['.json']! }).end(JSON.stringify(catalog));
      const strict = request.url === '/strict';
      // Module imports inside a Worker are governed by worker-src, so it must name the CDN too.
      const policy = `script-src 'unsafe-inline' ${cdnOrigin}; worker-src blob: ${strict ? '' : cdnOrigin}; connect-src 'self'`;
      response.writeHead(200, { 'content-type': TYPES['.html']!, 'content-security-policy': policy });
      response.end(`<!doctype html><script>${readFileSync(join(dist, 'stub.min.js'), 'utf8')}</script>
<script>window.__reports = []; window.__errors = []; window.onerror = (m) => __errors.push(String(m)); inkling.on('error', (r) => __reports.push(r));</script>
<script async src="${cdnOrigin}/inkling.js" data-site="cdn" data-catalog="/catalog.json" data-allow-automation></script>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const shopAddress = shop.address();
    if (shopAddress === null || typeof shopAddress === 'string') throw new Error('no port');
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`http://127.0.0.1:${shopAddress.port}/`);
      await tab.evaluate(`new Promise((resolve) => inkling.on('ready', resolve))`);
      await tab.evaluate(`inkling.track('Product Viewed', { product_id: 'm3', category: 'Sci-Fi', price: 3.49 })`);
      expect(await tab.evaluate(`inkling.profile().then((p) => p.interests[0].category)`)).toBe('Sci-Fi');
      expect(await tab.evaluate('window.__reports')).toEqual([]);

      // A policy that forgets the CDN in worker-src: reported, not thrown.
      await tab.goto(`http://127.0.0.1:${shopAddress.port}/strict`);
      await tab.waitForFunction('window.__reports.length > 0');
      expect(await tab.evaluate('window.__reports[0].field')).toBe('worker');
      expect(await tab.evaluate('inkling.recommend({ k: 3 })')).toEqual([]);
      expect(await tab.evaluate('window.__errors')).toEqual([]);
    } finally {
      await tab.close();
      for (const server of [cdn, shop]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });

  it('works as an ES module: createInkling() finds its Worker next to the package folder', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${origin}/esm`);
    await tab.waitForFunction('window.shop !== undefined');
    await tab.evaluate(`new Promise((resolve) => shop.on('ready', resolve))`);
    await tab.evaluate(`shop.track('Product Viewed', { product_id: 'm2', category: 'Crime', price: 2.99 })`);
    expect(await tab.evaluate(`shop.profile().then((p) => p.interests[0].category)`)).toBe('Crime');
    await tab.close();
  });

  it('takes hostile options and arguments in init(), the snippet and every method without an exception reaching the page, then starts', async () => {
    const tab = await browser.context.newPage();
    const consoleMessages: string[] = [];
    tab.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    tab.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
    await tab.goto(`${origin}/hostile-stub`);
    await tab.waitForFunction('typeof inkling.flush === "function" && !("_q" in inkling)');
    // The same calls again on the loaded API, including the issue's own example.
    await tab.evaluate(`(() => { window.__callAll(); inkling.init('shop-x', { get debug() { throw new Error('x'); } }); })()`);
    await tab.evaluate(`new Promise((resolve) => setTimeout(resolve, 300))`);
    expect(await tab.evaluate('window.__errors')).toEqual([]);
    const reports = (await tab.evaluate('window.__reports')) as { field: string; rule: string; method?: string }[];
    expect(reports.filter((r) => r.method === 'init' && r.field === 'options' && r.rule === 'readable').length).toBeGreaterThanOrEqual(6);
    // Still usable: a clean init starts it.
    await tab.evaluate(`new Promise((resolve) => { inkling.on('ready', resolve); inkling.init('shop-x', { allowAutomation: true, catalog: '/catalog.json' }); })`);
    await tab.evaluate(`inkling.track('Product Viewed', { product_id: 'm2', category: 'Crime', price: 2.99 })`);
    expect(await tab.evaluate(`inkling.profile().then((p) => p.interests[0].category)`)).toBe('Crime');
    expect(consoleMessages).toEqual([]);
    await tab.close();
  });

  it('recommends on a page with no catalogue file, from the items seen and from candidates the page describes; a bad candidate is reported', async () => {
    const tab = await browser.context.newPage();
    const consoleMessages: string[] = [];
    tab.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    await tab.goto(`${origin}/no-catalog`);
    await tab.evaluate(`new Promise((resolve) => inkling.on('ready', resolve))`);
    await tab.evaluate(`(() => {
      inkling.track('Product Viewed', { product_id: 'p-anime-1', category: 'Anime', price: 12 });
      inkling.track('Product Viewed', { product_id: 'p-anime-2', category: 'Anime' });
      inkling.track('Product Viewed', { product_id: 'p-garden-1', category: 'Garden' });
      inkling.track('Product Viewed', { product_id: 'p-anime-1', category: 'Anime', price: 12 });
    })()`);
    // What the engine has seen, the page's early track() of m1 (Sci-Fi, before load) included.
    const recs = (await tab.evaluate('inkling.recommend({ k: 5 })')) as { id: string; reason: string }[];
    expect(recs.slice(0, 2).map((r) => r.id)).toEqual(['p-anime-1', 'p-anime-2']);
    expect(recs.slice(2).map((r) => r.id).sort()).toEqual(['m1', 'p-garden-1']);
    expect(recs[0]!.reason).toBe('because you viewed Anime');
    const described = (await tab.evaluate(`inkling.recommend({ k: 2, candidates: [{ id: 'new-garden', categories: ['Garden'] }, { id: 'new-anime', categories: ['Anime'] }] })`)) as { id: string }[];
    expect(described.map((r) => r.id)).toEqual(['new-anime', 'new-garden']);
    expect(await tab.evaluate(`inkling.recommend({ candidates: [{ id: 'x', categories: 42 }] })`)).toEqual([]);
    expect(await tab.evaluate('window.__reports')).toEqual([expect.objectContaining({ field: 'options.candidates[0].categories', method: 'recommend' })]);
    expect(await tab.evaluate('window.__errors')).toEqual([]);
    expect(consoleMessages).toEqual([]);
    await tab.close();
  });

  it('reports a bad script-tag attribute to the on("error") listener the page queued before load', async () => {
    const tab = await browser.context.newPage();
    await tab.goto(`${origin}/bad-config`);
    await tab.waitForFunction('window.__reports.length > 0');
    expect(await tab.evaluate('window.__reports[0]')).toMatchObject({ field: 'options.consent', rule: 'one-of', method: 'init' });
    expect(await tab.evaluate('window.__errors')).toEqual([]);
    await tab.close();
  });
});
