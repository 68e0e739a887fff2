/**
 * The aggregator's HTTP API (Hono), over a RoundCoordinator. JSON errors everywhere
 * (`{ error: { code, message } }`), CORS from an allowlist, no client IP read, logged or stored.
 *
 * @example
 * const app = createApp({ coordinator, allowedOrigins: ['https://shop.example'], adminToken: null });
 * const res = await app.request('/v1/tasks');
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context, type Next } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import {
  MODEL_CONTENT_TYPE,
  modelEtag,
  type ContributionAccepted,
  type LatestModelPointer,
  type QualityReport,
  type TasksResponse,
} from '../../core/protocol/aggregator.js';
import type { LeaderStatsResponse } from '../../core/protocol/secure-aggregation.js';
import type { RoundCoordinator } from '../rounds/coordinator.js';
import { checkContributionHeaders } from '../rounds/validate-contribution.js';
import { corsAllowlist } from './cors.js';
import { errorResponse, onAppError, refuseOtherMethods } from './errors.js';
import { pointStorefrontAtThisAggregator } from './storefront-shell.js';
import { readBody, readLimited, tokenMatches } from './request.js';

export interface AppOptions {
  readonly coordinator: RoundCoordinator;
  readonly allowedOrigins: readonly string[];
  /** Bearer token for POST /v1/admin/quality; null disables that route. */
  readonly adminToken: string | null;
  /** Folder with demo/ and sdk/ build outputs served at the site root; null serves none. */
  readonly staticDir?: string | null;
  /** COOP/COEP on static files (threaded tfjs WASM needs cross-origin isolation). */
  readonly crossOriginIsolation?: boolean;
}

/** Quality reports are tiny JSON; anything bigger is refused unread. */
const MAX_JSON_BYTES = 4096;
const NAME = /^[A-Za-z0-9@._-]{1,64}$/;

export function createApp(options: AppOptions): Hono {
  const { coordinator } = options;
  const maxBytes = coordinator.maxUploadBytes();
  const app = new Hono();

  app.use('*', corsAllowlist(options.allowedOrigins));

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/v1/tasks', async (c) => {
    const body: TasksResponse = { tasks: await coordinator.descriptors() };
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });

  app.get('/v1/models/:name/:version', async (c) => {
    const name = c.req.param('name');
    const versionParam = c.req.param('version');
    if (!coordinator.isKnownModel(name)) return errorResponse(c, 404, 'not_found', `no model named ${JSON.stringify(name.slice(0, 64))}`);
    if (versionParam === 'latest') {
      const version = (await coordinator.latestVersion(name)) ?? 1;
      const pointer: LatestModelPointer = { name, version, url: `/v1/models/${encodeURIComponent(name)}/${version}` };
      c.header('Cache-Control', 'no-store');
      c.header('Location', pointer.url);
      return c.json(pointer, 302);
    }
    if (!/^[1-9]\d{0,9}$/.test(versionParam)) return errorResponse(c, 400, 'bad_request', `version must be a positive integer or 'latest'; got ${JSON.stringify(versionParam.slice(0, 32))}`);
    const version = Number(versionParam);
    const etag = modelEtag(name, version);
    const blob = await coordinator.modelBlob(name, version);
    if (blob === undefined) return errorResponse(c, 404, 'not_found', `model ${name} has no version ${version}`);
    c.header('ETag', etag);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('Content-Type', MODEL_CONTENT_TYPE);
    return c.body(toArrayBuffer(blob));
  });

  app.post('/v1/rounds/:roundId/contributions', async (c) => {
    const headers = checkContributionHeaders(c.req.header('content-type'), c.req.header('content-length'), maxBytes);
    if (!headers.ok) return errorResponse(c, headers.rejection.status, headers.rejection.code, headers.rejection.message);
    const body = await readBody(c, maxBytes);
    if (body === null) return errorResponse(c, 413, 'body_too_large', `body exceeds the largest contribution (${maxBytes} bytes)`);
    const result = await coordinator.submit(c.req.param('roundId'), body);
    switch (result.kind) {
      case 'accepted': {
        const answer: ContributionAccepted = { accepted: true, duplicate: result.duplicate };
        return c.json(answer, 202);
      }
      case 'rejected':
        return errorResponse(c, result.rejection.status, result.rejection.code, result.rejection.message);
      default: {
        const unreachable: never = result;
        throw new Error(`unknown result ${JSON.stringify(unreachable)}`);
      }
    }
  });

  app.get('/v1/stats', async (c) => {
    c.header('Cache-Control', 'no-store');
    const helper = coordinator.helper();
    // A leader adds what it last heard from the helper, so the dashboard shows both aggregators.
    if (helper === null) return c.json(await coordinator.stats());
    const [own, view] = await Promise.all([coordinator.stats(), helper.view()]);
    const stats: LeaderStatsResponse = { ...own, helper: view };
    return c.json(stats);
  });

  app.post('/v1/admin/quality', async (c) => {
    if (options.adminToken === null) return errorResponse(c, 404, 'not_found', 'quality reporting is disabled (no --admin-token configured)');
    if (!tokenMatches(c.req.header('authorization'), options.adminToken)) {
      return errorResponse(c, 401, 'unauthorized', 'authorization must be "Bearer <admin token>"');
    }
    if ((c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
      return errorResponse(c, 415, 'bad_content_type', 'content-type must be application/json');
    }
    const raw = await readLimited(c.req.raw, MAX_JSON_BYTES);
    if (raw === null) return errorResponse(c, 413, 'body_too_large', `quality reports are at most ${MAX_JSON_BYTES} bytes`);
    const parsed = parseQualityReport(new TextDecoder().decode(raw));
    if (typeof parsed === 'string') return errorResponse(c, 400, 'bad_request', parsed);
    if (!coordinator.isKnownTask(parsed.task)) return errorResponse(c, 404, 'not_found', `no task named ${JSON.stringify(parsed.task)}`);
    await coordinator.addQuality(parsed);
    return c.json({ ok: true }, 201);
  });

  refuseOtherMethods(app, {
    '/healthz': ['GET'],
    '/v1/tasks': ['GET'],
    '/v1/models/:name/:version': ['GET'],
    '/v1/rounds/:roundId/contributions': ['POST'],
    '/v1/stats': ['GET'],
    '/v1/admin/quality': ['POST'],
  });
  app.all('/v1/*', (c) => errorResponse(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path.slice(0, 200)}`));

  if (options.staticDir != null) {
    const isolation = options.crossOriginIsolation ?? true;
    app.use('*', async (c, next) => {
      await next();
      if (isolation) {
        c.header('Cross-Origin-Opener-Policy', 'same-origin');
        c.header('Cross-Origin-Embedder-Policy', 'require-corp');
        // Public static files (the SDK included) may be embedded by any site: a third-party page
        // loading /inkling.js by <script src> must not be blocked by CORP.
        c.header('Cross-Origin-Resource-Policy', 'cross-origin');
      }
      c.header('X-Content-Type-Options', 'nosniff');
    });
    // The storefront's shell, pointed at this aggregator (storefront-shell.ts says why).
    const shellFile = join(options.staticDir, 'demo', 'index.html');
    const shell = async (c: Context, next: Next) => {
      const html = await readFile(shellFile, 'utf8').catch(() => null);
      return html === null ? next() : c.html(pointStorefrontAtThisAggregator(html));
    };
    app.get('/', shell);
    app.get('/index.html', shell);
    for (const sub of ['demo', 'sdk']) {
      app.use('*', serveStatic({ root: join(options.staticDir, sub) }));
    }
    // The storefront is a single-page app: a reload of /movie/1 must get its shell, not a 404.
    // Only page navigations (HTML wanted, no file extension) fall back; a missing asset stays 404.
    app.get('*', async (c, next) => {
      const wantsPage = (c.req.header('accept') ?? '').includes('text/html') && !/\.[a-z0-9]+$/i.test(c.req.path);
      return wantsPage ? shell(c, next) : next();
    });
  }

  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path.slice(0, 200)}`));
  app.onError(onAppError('[aggregator]'));
  return app;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** Returns the report or a message naming the field and the rule. */
function parseQualityReport(text: string): QualityReport | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'body must be JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object';
  const { task, version, metric, value: metricValue, series } = value as Record<string, unknown>;
  if (typeof task !== 'string' || !NAME.test(task)) return 'task must be a task name';
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return 'version must be a positive integer';
  if (typeof metric !== 'string' || !NAME.test(metric)) return 'metric must match [A-Za-z0-9@._-]{1,64}';
  if (typeof metricValue !== 'number' || !Number.isFinite(metricValue)) return 'value must be a finite number';
  if (series !== undefined && (typeof series !== 'string' || !NAME.test(series))) return 'series must match [A-Za-z0-9@._-]{1,64}';
  return series === undefined ? { task, version, metric, value: metricValue } : { task, version, metric, value: metricValue, series };
}
