/**
 * The helper's HTTP API (Hono). Devices call only `GET /v1/hpke-config` (cross-origin from the
 * storefront: CORS for the configured origins); the leader calls the /v1/helper routes with its
 * Bearer peer token (anything else: 401). JSON errors as everywhere (`{ error: { code, message } }`).
 *
 * @example
 * const helper = await createHelper({ ...config, role: { kind: 'helper', peerToken, rotateKey: false } });
 * const keys = await (await helper.app.request('/v1/hpke-config')).json();
 */
import { Hono } from 'hono';
import { AGGREGATE_SHARE_CONTENT_TYPE, encodeAggregateShare, MAX_SHARES_PER_BATCH, parseCollectRequest, parseHelperShareBatch } from '../../core/protocol/secure-aggregation.js';
import { corsAllowlist } from '../http/cors.js';
import { errorResponse, onAppError, refuseOtherMethods } from '../http/errors.js';
import { readBody, tokenMatches } from '../http/request.js';
import type { HelperService } from './helper.js';

export interface HelperAppOptions {
  readonly service: HelperService;
  readonly allowedOrigins: readonly string[];
  readonly peerToken: string;
  /** The largest round any task allows (bounds a collect's id list). */
  readonly maxContributions: number;
}

/** Round ids as the leader makes them (task-vN-time); anything else is refused before any work. */
const ROUND_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** One share is ~150 bytes of JSON (32 hex id, key id, 86 base64url characters). */
const MAX_BATCH_BYTES = MAX_SHARES_PER_BATCH * 200 + 1024;
/** How long browsers may reuse the key list (keys rotate rarely; an unknown key id makes the leader refetch). */
const HPKE_CONFIG_MAX_AGE_S = 300;

export function createHelperApp(options: HelperAppOptions): Hono {
  const { service } = options;
  const maxCollectBytes = options.maxContributions * 40 + 1024;
  const app = new Hono();
  app.use('*', corsAllowlist(options.allowedOrigins));

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/v1/hpke-config', async (c) => {
    c.header('Cache-Control', `public, max-age=${HPKE_CONFIG_MAX_AGE_S}`);
    return c.json(await service.hpkeConfig());
  });

  app.get('/v1/stats', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await service.stats());
  });

  app.use('/v1/helper/*', async (c, next) => {
    if (!tokenMatches(c.req.header('authorization'), options.peerToken)) {
      return errorResponse(c, 401, 'unauthorized', 'the helper routes need authorization "Bearer <peer token>" (--peer-token of the leader)');
    }
    if ((c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
      return errorResponse(c, 415, 'bad_content_type', 'content-type must be application/json');
    }
    return next();
  });

  app.post('/v1/helper/rounds/:roundId/shares', async (c) => {
    const roundId = c.req.param('roundId');
    if (!ROUND_ID.test(roundId)) return errorResponse(c, 400, 'bad_request', 'roundId must match [A-Za-z0-9._-]{1,128}');
    const json = await readJson(c, MAX_BATCH_BYTES);
    if (json.kind === 'error') return errorResponse(c, json.status, json.status === 413 ? 'body_too_large' : 'bad_request', json.message);
    let batch;
    try {
      batch = parseHelperShareBatch(json.value);
    } catch (error) {
      return errorResponse(c, 400, 'bad_request', (error as Error).message);
    }
    const outcome = await service.addShares(roundId, batch);
    return outcome.kind === 'ok' ? c.json(outcome.answer) : errorResponse(c, outcome.status, outcome.code, outcome.message);
  });

  app.post('/v1/helper/rounds/:roundId/collect', async (c) => {
    const roundId = c.req.param('roundId');
    if (!ROUND_ID.test(roundId)) return errorResponse(c, 400, 'bad_request', 'roundId must match [A-Za-z0-9._-]{1,128}');
    const json = await readJson(c, maxCollectBytes);
    if (json.kind === 'error') return errorResponse(c, json.status, json.status === 413 ? 'body_too_large' : 'bad_request', json.message);
    let request;
    try {
      request = parseCollectRequest(json.value, options.maxContributions);
    } catch (error) {
      return errorResponse(c, 400, 'bad_request', (error as Error).message);
    }
    const outcome = await service.collect(roundId, request);
    if (outcome.kind !== 'ok') return errorResponse(c, outcome.status, outcome.code, outcome.message);
    c.header('Content-Type', AGGREGATE_SHARE_CONTENT_TYPE);
    c.header('Cache-Control', 'no-store');
    return c.body(encodeAggregateShare(outcome.share).buffer);
  });

  refuseOtherMethods(app, {
    '/healthz': ['GET'],
    '/v1/hpke-config': ['GET'],
    '/v1/stats': ['GET'],
    '/v1/helper/rounds/:roundId/shares': ['POST'],
    '/v1/helper/rounds/:roundId/collect': ['POST'],
  });
  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path.slice(0, 200)} on the helper`));
  app.onError(onAppError('[helper]'));
  return app;
}

type JsonBody = { readonly kind: 'ok'; readonly value: unknown } | { readonly kind: 'error'; readonly status: 400 | 413; readonly message: string };

async function readJson(c: Parameters<typeof readBody>[0], limit: number): Promise<JsonBody> {
  const raw = await readBody(c, limit);
  if (raw === null) return { kind: 'error', status: 413, message: `body exceeds ${limit} bytes` };
  try {
    return { kind: 'ok', value: JSON.parse(new TextDecoder().decode(raw)) };
  } catch {
    return { kind: 'error', status: 400, message: 'body must be JSON' };
  }
}
