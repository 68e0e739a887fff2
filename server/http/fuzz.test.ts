/**
 * 10,000 random malformed requests, each built to break at least one rule (so none may succeed):
 * every answer must be a 4xx with the JSON error shape, nothing may be stored, and /healthz must
 * still answer. The generator is seeded (xorshift32; test input only, nothing privacy-related) so
 * a failure reproduces; the seed is in the failure message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type TasksResponse } from '../../core/protocol/aggregator.js';
import { createAggregator } from '../aggregator.js';
import { contributionBody, fedavgTask, honestValues, TEST_CONFIG } from '../testkit.js';

const REQUESTS = 10_000;
const SEED = 0x1badf00d;

function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const agg = await createAggregator({ ...TEST_CONFIG, minContributions: 1_000_000, maxContributions: 1_000_000 }, { tasks: [fedavgTask('tiny', 8)], timer: false });
afterAll(() => agg.close());

describe('hostile input', () => {
  it(`answers ${REQUESTS} malformed requests with 4xx only and keeps serving`, async () => {
    const rand = xorshift(SEED);
    const int = (n: number): number => Math.floor(rand() * n);
    const bytes = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, () => int(256));
    const junk = (): string => encodeURIComponent(new TextDecoder().decode(bytes(1 + int(40))));
    const d = ((await (await agg.app.request('/v1/tasks')).json()) as TasksResponse).tasks[0]!;
    const valid = (): Uint8Array<ArrayBuffer> => contributionBody(d, honestValues(d, [0.1, 0, 0, 0, 0, 0, 0, 0]));
    const contributions = `/v1/rounds/${d.roundId}/contributions`;
    const octet = { 'content-type': CONTRIBUTION_CONTENT_TYPE };

    type Case = () => { path: string; init: RequestInit };
    const cases: Case[] = [
      () => ({ path: contributions, init: { method: 'POST', body: valid(), headers: { 'content-type': ['text/plain', 'application/json', '', 'multipart/form-data'][int(4)]! } } }),
      () => ({ path: contributions, init: { method: 'POST', body: bytes(int(300)), headers: octet } }),
      () => {
        const body = valid();
        const cut = int(body.length);
        return { path: contributions, init: { method: 'POST', body: int(2) === 0 ? body.slice(0, cut) : new Uint8Array([...body, ...bytes(1 + int(64))]), headers: octet } };
      },
      () => {
        const body = valid();
        body[int(4)] ^= 1 + int(255);
        return { path: contributions, init: { method: 'POST', body, headers: octet } };
      },
      () => {
        const body = valid();
        new DataView(body.buffer).setUint32(20, 2 + int(1_000_000), true); // a version that is not the round's
        return { path: contributions, init: { method: 'POST', body, headers: octet } };
      },
      () => {
        const body = valid();
        new DataView(body.buffer).setUint32(24, [0, 7, 9, 0xffffffff][int(4)]!, true);
        return { path: contributions, init: { method: 'POST', body, headers: octet } };
      },
      () => {
        const body = valid();
        new DataView(body.buffer).setInt32(28 + 4 * int(8), int(2) === 0 ? 0x7fffffff : -0x80000000, true);
        return { path: contributions, init: { method: 'POST', body, headers: octet } };
      },
      () => ({ path: `/v1/rounds/${junk()}/contributions`, init: { method: 'POST', body: valid(), headers: octet } }),
      () => ({ path: `/v1/models/${junk()}/${junk()}`, init: { method: 'GET' } }),
      () => ({ path: `/${junk()}`, init: { method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][int(5)]! } }),
      () => ({ path: ['/v1/tasks', '/v1/stats', '/healthz', contributions][int(4)]!, init: { method: ['PUT', 'DELETE', 'PATCH'][int(3)]! } }),
      () => ({ path: contributions, init: { method: 'POST', body: valid(), headers: { ...octet, origin: `https://${junk()}.example` } } }),
      () => ({ path: '/v1/admin/quality', init: { method: 'POST', body: new TextDecoder().decode(bytes(int(200))), headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CONFIG.adminToken}` } } }),
      () => ({ path: '/v1/admin/quality', init: { method: 'POST', body: '{"task":"tiny","version":1,"metric":"m","value":1}', headers: { 'content-type': 'application/json', authorization: `Bearer ${junk()}` } } }),
      () => ({ path: contributions, init: { method: 'POST', body: bytes(TEST_CONFIG.maxContributions + 60 + int(100_000)), headers: octet } }),
    ];

    const seen = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const { path, init } = cases[int(cases.length)]!();
      const res = await agg.app.request(path, init);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      if (res.status < 400 || res.status > 499) {
        throw new Error(`request ${i} (seed ${SEED}) ${init.method} ${path} got ${res.status}: ${await res.text()}`);
      }
      const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code).toBe('string');
      expect(typeof body.error?.message).toBe('string');
    }
    expect(seen.size).toBeGreaterThanOrEqual(6); // the cases reach many different rules
    expect((await agg.app.request('/healthz')).status).toBe(200);
    expect((await agg.storage.roundSum(d.roundId)).contributions).toBe(0);
  }, 60_000);
});
