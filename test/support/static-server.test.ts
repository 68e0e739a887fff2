import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from './static-server.js';

let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'static-server-'));
  mkdirSync(join(dir, 'site', 'assets'), { recursive: true });
  mkdirSync(join(dir, 'sdk'));
  writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><p>shop</p>');
  writeFileSync(join(dir, 'site', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'sdk', 'inkling.js'), '/* sdk */');
  writeFileSync(join(dir, 'sdk', 'tfjs-backend-wasm-simd.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dir, 'secret.txt'), 'outside the roots');
  server = await startStaticServer({ roots: [join(dir, 'site'), join(dir, 'sdk')] });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, accept = '*/*') => fetch(server.origin + path, { headers: { accept } });

describe('static test server', () => {
  it('serves files from every root with their MIME types and isolation headers', async () => {
    const js = await get('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(js.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await (await get('/inkling.js')).text()).toBe('/* sdk */');
    const wasm = await get('/tfjs-backend-wasm-simd.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  it('answers page requests for app routes with the SPA shell, and nothing else', async () => {
    const page = await get('/movie/1', 'text/html,application/xhtml+xml');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<p>shop</p>');
    expect((await get('/v1/stats', 'application/json')).status).toBe(404);
    expect((await get('/missing.js', 'text/html')).status).toBe(404);
  });

  it('never serves a file outside its roots', async () => {
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/assets/%2e%2e/%2e%2e/secret.txt')).status).toBe(404);
  });

  it('refuses writes and records every request', async () => {
    const post = await fetch(server.origin + '/inkling.js', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(server.requests.at(-1)).toEqual({ method: 'POST', path: '/inkling.js', status: 405 });
  });
});
