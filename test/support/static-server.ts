/**
 * A tiny static file server for browser tests and benchmarks: serves the BUILT storefront
 * (dist/demo) and the built SDK (dist/sdk) from one origin on 127.0.0.1, the way a third-party
 * site would host the script tag's files next to its own.
 *
 * - Roots are searched in order; the first file found wins (so /inkling.js comes from dist/sdk).
 * - A page request (Accept: text/html) for a path without a file extension that matches no
 *   file gets the storefront's index.html: the shop is a single-page app with pushState
 *   routes (/movie/1, /genre/Drama, ...). Anything else that is missing is a plain 404, so
 *   /v1/stats without an aggregator is a 404, as it would be on a static host.
 * - MIME types include application/wasm (tfjs's WASM backend refuses anything else).
 * - COOP/COEP are sent so that threaded WASM can run (crossOriginIsolated); everything is
 *   same-origin, so require-corp costs nothing.
 * - Every request is recorded (method + path) so a test can prove what the page fetched.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

export interface StaticServerOptions {
  /** Folders served at "/", searched in order. Defaults to dist/demo then dist/sdk. */
  readonly roots?: readonly string[];
  /** The file served for extension-less paths that match nothing (the SPA shell). */
  readonly spaFallback?: string;
  /** Send COOP/COEP so the page is cross-origin isolated. Default true. */
  readonly crossOriginIsolation?: boolean;
  /** 0 (default) picks a free port. */
  readonly port?: number;
}

export interface ServedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface StaticServer {
  /** e.g. "http://127.0.0.1:41234" */
  readonly origin: string;
  /** Every request served so far, in order. */
  readonly requests: readonly ServedRequest[];
  close(): Promise<void>;
}

const projectRoot = resolve(new URL('../..', import.meta.url).pathname);

export const DEFAULT_ROOTS: readonly string[] = [join(projectRoot, 'dist', 'demo'), join(projectRoot, 'dist', 'sdk')];

/** The file under `root` that `urlPath` names, or null if it escapes `root`. */
function resolveInside(root: string, urlPath: string): string | null {
  const decoded = decodeURIComponent(urlPath);
  const candidate = normalize(join(root, decoded));
  return candidate === root || candidate.startsWith(root + sep) ? candidate : null;
}

async function findFile(roots: readonly string[], urlPath: string): Promise<string | null> {
  const path = urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath;
  for (const root of roots) {
    const file = resolveInside(root, path);
    if (!file) continue;
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {
      // not in this root: try the next one
    }
  }
  return null;
}

function mimeType(file: string): string {
  return MIME_TYPES[extname(file)] ?? 'application/octet-stream';
}

/** Starts the server; resolves once it listens. */
export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const roots = (options.roots ?? DEFAULT_ROOTS).map((r) => resolve(r));
  const spaFallback = options.spaFallback ?? join(roots[0] ?? '.', 'index.html');
  const isolate = options.crossOriginIsolation ?? true;
  const requests: ServedRequest[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let status = 200;
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          status = 405;
          res.writeHead(status, { 'content-type': 'text/plain' }).end('method not allowed');
          return;
        }
        let file = await findFile(roots, url.pathname);
        const wantsPage = (req.headers.accept ?? '').includes('text/html');
        if (!file && wantsPage && extname(url.pathname) === '') file = spaFallback;
        if (!file) {
          status = 404;
          res.writeHead(status, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        const body = await readFile(file);
        const headers: Record<string, string> = {
          'content-type': mimeType(file),
          'content-length': String(body.length),
          'cache-control': 'no-store',
        };
        if (isolate) {
          headers['cross-origin-opener-policy'] = 'same-origin';
          headers['cross-origin-embedder-policy'] = 'require-corp';
          headers['cross-origin-resource-policy'] = 'same-origin';
        }
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch (error) {
        status = 500;
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(String(error));
      } finally {
        requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status });
      }
    })();
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
