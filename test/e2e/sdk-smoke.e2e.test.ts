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
    if (url.pathname === '/no-automation') return send(200, TYPES['.html']!, page('data-site="smoke"'));
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
});
