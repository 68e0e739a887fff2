/**
 * The leader's side of the leader ↔ helper protocol (core/protocol/secure-aggregation.ts): the
 * helper's published key ids (fetched at start, every minute, and when an upload names an unknown
 * one), forwarding batches of sealed shares (with a short retry: a few seconds, then the uploads
 * get 503 helper_unavailable and nothing is stored), collecting the helper's aggregate share, and
 * what the dashboard shows of the helper.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ErrorCode } from '../../core/protocol/aggregator.js';
import {
  decodeAggregateShare,
  parseHelperShareAnswer,
  type AggregateShare,
  type HelperShareAnswer,
  type HelperShareBatch,
  type HelperStatsResponse,
  type LeaderHelperView,
} from '../../core/protocol/secure-aggregation.js';
import { parseHpkeConfigList } from '../../core/secagg/hpke.js';

export type PeerRefusal = { readonly kind: 'refused'; readonly status: number; readonly code: ErrorCode; readonly message: string };
export type PeerUnavailable = { readonly kind: 'unavailable'; readonly message: string };
export type ForwardOutcome = { readonly kind: 'answer'; readonly answer: HelperShareAnswer } | PeerRefusal | PeerUnavailable;
export type CollectOutcome = { readonly kind: 'share'; readonly share: AggregateShare } | PeerRefusal | PeerUnavailable;

/** What the coordinator needs of the helper (a fake in unit tests, HTTP in production). */
export interface HelperPeer {
  /** The helper's origin as devices reach it (advertised in /v1/tasks). */
  readonly publicUrl: string;
  /** Key ids from the last successful fetch; empty until one succeeded. */
  keyIds(): readonly number[];
  /** Refetches the key list; at most once per `minIntervalMs` unless forced. Resolves whether ids are known. */
  refreshKeys(force?: boolean): Promise<boolean>;
  forward(roundId: string, batch: HelperShareBatch): Promise<ForwardOutcome>;
  collect(roundId: string, ids: readonly string[], vectorLength: number): Promise<CollectOutcome>;
  view(): Promise<LeaderHelperView>;
}

export interface HttpHelperOptions {
  /** Where the leader reaches the helper. */
  readonly url: string;
  readonly publicUrl: string;
  readonly peerToken: string;
  /** Waits between forward attempts (the first is immediate); their sum is the outage a device waits out. */
  readonly retryDelaysMs?: readonly number[];
  /** Per request. */
  readonly timeoutMs?: number;
  readonly clock?: () => number;
}

/** 0.25 + 0.5 + 1 + 1.5 s: an upload waits at most ~3 s (plus timeouts) before 503. */
const DEFAULT_RETRY_DELAYS_MS = [250, 500, 1000, 1500];
const DEFAULT_TIMEOUT_MS = 5000;
/** Unknown key ids trigger a refetch at most this often (a device cannot make the leader hammer the helper). */
const KEY_REFRESH_MIN_MS = 5000;
/** The dashboard's view of the helper is refreshed at most this often. */
const VIEW_MAX_AGE_MS = 2000;

export class HttpHelperPeer implements HelperPeer {
  readonly publicUrl: string;
  private ids: readonly number[] = [];
  private lastRefresh = -Infinity;
  private refreshing: Promise<boolean> | null = null;
  private lastView: { readonly at: number; readonly view: LeaderHelperView } | null = null;
  private readonly clock: () => number;

  constructor(private readonly options: HttpHelperOptions) {
    this.publicUrl = options.publicUrl;
    this.clock = options.clock ?? Date.now;
  }

  keyIds(): readonly number[] {
    return this.ids;
  }

  refreshKeys(force = false): Promise<boolean> {
    if (this.refreshing !== null) return this.refreshing;
    if (!force && this.clock() - this.lastRefresh < KEY_REFRESH_MIN_MS) return Promise.resolve(this.ids.length > 0);
    this.lastRefresh = this.clock();
    this.refreshing = (async () => {
      try {
        const res = await this.request('GET', '/v1/hpke-config');
        if (!res.ok) return this.ids.length > 0;
        this.ids = parseHpkeConfigList(await res.json()).configs.map((c) => c.id);
        return true;
      } catch {
        return this.ids.length > 0;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async forward(roundId: string, batch: HelperShareBatch): Promise<ForwardOutcome> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    let last = '';
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1]!);
      let res: Response;
      try {
        res = await this.request('POST', `/v1/helper/rounds/${encodeURIComponent(roundId)}/shares`, JSON.stringify(batch));
      } catch (error) {
        last = `the helper at ${this.options.url} did not answer (${describeError(error)})`;
        continue;
      }
      if (res.status >= 500) {
        last = `the helper at ${this.options.url} answered ${res.status}`;
        await res.body?.cancel();
        continue;
      }
      if (!res.ok) return refusal(res);
      try {
        return { kind: 'answer', answer: parseHelperShareAnswer(await res.json(), batch) };
      } catch (error) {
        return { kind: 'unavailable', message: `the helper's answer is unusable: ${describeError(error)}` };
      }
    }
    return { kind: 'unavailable', message: `${last} after ${delays.length + 1} attempts; nothing was stored, the same upload may be sent again` };
  }

  async collect(roundId: string, ids: readonly string[], vectorLength: number): Promise<CollectOutcome> {
    let res: Response;
    try {
      res = await this.request('POST', `/v1/helper/rounds/${encodeURIComponent(roundId)}/collect`, JSON.stringify({ ids, vectorLength }));
    } catch (error) {
      return { kind: 'unavailable', message: `the helper at ${this.options.url} did not answer the collect (${describeError(error)})` };
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      return { kind: 'unavailable', message: `the helper at ${this.options.url} answered the collect with ${res.status}` };
    }
    if (!res.ok) return refusal(res);
    try {
      return { kind: 'share', share: decodeAggregateShare(new Uint8Array(await res.arrayBuffer()), vectorLength) };
    } catch (error) {
      return { kind: 'unavailable', message: `the helper's aggregate share is unusable: ${describeError(error)}` };
    }
  }

  async view(): Promise<LeaderHelperView> {
    const now = this.clock();
    if (this.lastView !== null && now - this.lastView.at < VIEW_MAX_AGE_MS) return this.lastView.view;
    let view: LeaderHelperView;
    try {
      const res = await this.request('GET', '/v1/stats', undefined, 1500);
      if (!res.ok) throw new Error(`GET /v1/stats answered ${res.status}`);
      const stats = (await res.json()) as HelperStatsResponse;
      if (stats.role !== 'helper' || !Array.isArray(stats.rounds) || !Array.isArray(stats.keyIds)) throw new Error('GET /v1/stats is not a helper\'s');
      view = { url: this.publicUrl, reachable: true, checkedAt: new Date(now).toISOString(), problem: null, keyIds: stats.keyIds, rounds: stats.rounds.slice(0, 10) };
    } catch (error) {
      view = { url: this.publicUrl, reachable: false, checkedAt: new Date(now).toISOString(), problem: describeError(error), keyIds: this.ids, rounds: [] };
    }
    this.lastView = { at: now, view };
    return view;
  }

  /**
   * One request to the helper over a keep-alive connection, answered as a fetch Response. node:http
   * rather than fetch: fetch streams a string body in chunks (several writes per batch), which
   * measured as the largest part of the leader's extra CPU per upload; here a batch is one write.
   */
  private request(method: 'GET' | 'POST', path: string, body?: string, timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<Response> {
    const url = new URL(`${this.options.url}${path}`);
    const secure = url.protocol === 'https:';
    const payload = body === undefined ? undefined : Buffer.from(body);
    const headers: Record<string, string | number> = { authorization: `Bearer ${this.options.peerToken}` };
    if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
    return new Promise<Response>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const req = send(url, { method, headers, agent: secure ? this.httpsAgent : this.httpAgent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 502 })));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
}

/** The helper's error codes the leader passes on; anything else reads as 'internal'. */
const PEER_CODES: readonly ErrorCode[] = ['round_closed', 'bad_sealed_share', 'unknown_key', 'count_mismatch', 'already_collected', 'bad_request', 'bad_length', 'not_found', 'unauthorized', 'body_too_large', 'bad_content_type'];

async function refusal(res: Response): Promise<PeerRefusal> {
  let code: ErrorCode = 'internal';
  let message = `the helper answered ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    const found = PEER_CODES.find((c) => c === body.error?.code);
    if (found !== undefined) code = found;
    if (typeof body.error?.message === 'string') message = `helper: ${body.error.message.slice(0, 500)}`;
  } catch {
    // not JSON: keep the status line
  }
  return { kind: 'refused', status: res.status, code, message };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
