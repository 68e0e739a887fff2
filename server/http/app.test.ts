import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTRIBUTION_CONTENT_TYPE,
  decodeModel,
  encodeContribution,
  type StatsResponse,
  type TaskDescriptor,
  type TasksResponse,
} from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator, type AggregatorConfig } from '../aggregator.js';
import { gridSensitivity } from '../privacy/round-privacy.js';
import { projectedCounts } from '../strategies/histogram.js';
import type { TaskDefinition } from '../tasks.js';
import { contributionBody, fedavgTask, honestValues, randomId, TEST_CONFIG } from '../testkit.js';

let current: Aggregator | undefined;
let now = Date.parse('2026-11-23T00:00:00Z');

async function start(config: Partial<AggregatorConfig> = {}, tasks: TaskDefinition[] = [fedavgTask('tiny', 8)]): Promise<Aggregator> {
  now = Date.parse('2026-11-23T00:00:00Z');
  current = await createAggregator({ ...TEST_CONFIG, ...config }, { tasks, clock: () => now, timer: false });
  return current;
}

afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function descriptor(agg: Aggregator, task = 'tiny'): Promise<TaskDescriptor> {
  const body = (await (await agg.app.request('/v1/tasks')).json()) as TasksResponse;
  const found = body.tasks.find((t) => t.task === task);
  if (found === undefined) throw new Error(`task ${task} is not open`);
  return found;
}

function post(agg: Aggregator, roundId: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    agg.app.request(`/v1/rounds/${roundId}/contributions`, {
      method: 'POST',
      body,
      headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE, ...headers },
    }),
  );
}

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error.code;
}

describe('aggregator HTTP API', () => {
  it('lists open tasks with the wire descriptor and serves version 1 of the model with an ETag', async () => {
    const agg = await start();
    const d = await descriptor(agg);
    expect(d).toMatchObject({ kind: 'fedavg', vectorLength: 8, expectedBytes: 28 + 32, model: { name: 'tiny', version: 1 }, minContributions: 2, maxContributions: 5 });
    expect(d.localNoiseStddev).toBeGreaterThan(0);
    const res = await agg.app.request('/v1/models/tiny/1');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"tiny@1"');
    expect(res.headers.get('cache-control')).toContain('immutable');
    const blob = decodeModel(new Uint8Array(await res.arrayBuffer()));
    expect(blob.header).toMatchObject({ name: 'tiny', version: 1 });
    expect(blob.data.length).toBe(8);
    const cached = await agg.app.request('/v1/models/tiny/1', { headers: { 'if-none-match': '"tiny@1"' } });
    expect(cached.status).toBe(304);
    const latest = await agg.app.request('/v1/models/tiny/latest');
    expect(latest.status).toBe(302);
    expect(latest.headers.get('location')).toBe('/v1/models/tiny/1');
    expect((await agg.app.request('/v1/models/tiny/2')).status).toBe(404);
    expect((await agg.app.request('/v1/models/nope/1')).status).toBe(404);
    expect((await agg.app.request('/v1/models/tiny/x1')).status).toBe(400);
    expect(await (await agg.app.request('/healthz')).json()).toEqual({ ok: true });
  });

  it('accepts an honest contribution once, and a replay of it as a duplicate', async () => {
    const agg = await start();
    const d = await descriptor(agg);
    const body = contributionBody(d, honestValues(d, [0.5, -0.5, 0, 0, 0, 0, 0, 0.1]));
    const first = await post(agg, d.roundId, body);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: true, duplicate: false });
    const replay = await post(agg, d.roundId, body);
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ accepted: true, duplicate: true });
    expect((await agg.storage.roundSum(d.roundId)).contributions).toBe(1);
  });

  it('commits concurrent contributions together (group commit) and answers each once', async () => {
    const agg = await start({ minContributions: 100, maxContributions: 100 });
    const d = await descriptor(agg);
    const bodies = Array.from({ length: 20 }, () => contributionBody(d, honestValues(d, new Array(8).fill(0.05))));
    const answers = await Promise.all([...bodies, bodies[0]!].map(async (b) => (await post(agg, d.roundId, b)).json()));
    const duplicates = answers.filter((a) => (a as { duplicate: boolean }).duplicate).length;
    expect(duplicates).toBe(1); // the replayed first body, in the same batch
    expect((await agg.storage.roundSum(d.roundId)).contributions).toBe(20);
  });

  it('rejects each malformed contribution with the rule it broke, storing nothing', async () => {
    const agg = await start();
    const d = await descriptor(agg);
    const good = contributionBody(d, honestValues(d, new Array(8).fill(0.1)));
    expect(await errorCode(await post(agg, d.roundId, good, { 'content-type': 'text/plain' }))).toBe('bad_content_type');
    const tooLarge = await post(agg, d.roundId, new Uint8Array(good.length + 4096));
    expect(tooLarge.status).toBe(413);
    expect(await errorCode(tooLarge)).toBe('body_too_large');
    expect(await errorCode(await post(agg, d.roundId, good.subarray(0, 20)))).toBe('bad_length');
    const badMagic = good.slice();
    badMagic[0] = 0x41;
    expect(await errorCode(await post(agg, d.roundId, badMagic))).toBe('bad_magic');
    const wrongLength = encodeContribution({ id: randomId(), modelVersion: 1, values: new Int32Array(7) });
    const wrongLengthRes = await post(agg, d.roundId, wrongLength);
    expect(wrongLengthRes.status).toBe(400);
    expect((await wrongLengthRes.json()) as unknown).toMatchObject({ error: { code: 'bad_length', message: expect.stringContaining('exactly 8') } });
    const unknown = await post(agg, 'no-such-round', good);
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe('unknown_round');
    // Norm: a vector far beyond clip bound + noise allowance.
    const huge = new Int32Array(8).fill(2_000_000_000);
    const normRes = await post(agg, d.roundId, contributionBody(d, huge));
    expect(normRes.status).toBe(422);
    expect(await errorCode(normRes)).toBe('norm_exceeded');
    expect((await agg.storage.roundSum(d.roundId)).contributions).toBe(0);
  });

  it('answers a contribution for an old version with 409 naming the current version', async () => {
    const agg = await start({ minContributions: 1, maxContributions: 1 });
    const d1 = await descriptor(agg);
    expect((await post(agg, d1.roundId, contributionBody(d1, honestValues(d1, new Array(8).fill(0.1))))).status).toBe(202);
    await new Promise((resolve) => setImmediate(resolve)); // the full round closes on the next turn
    const d2 = await descriptor(agg);
    expect(d2.model.version).toBe(2);
    const stale = await post(agg, d2.roundId, contributionBody(d2, honestValues(d2, new Array(8).fill(0.1)), randomId(), 1));
    expect(stale.status).toBe(409);
    const body = (await stale.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('stale_version');
    expect(body.error.message).toContain('version 2');
    expect(body.error.message).toContain('version 1');
    // Posting to the closed round names the task's current round and version.
    const closed = await post(agg, d1.roundId, contributionBody(d1, honestValues(d1, new Array(8).fill(0.1))));
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as { error: { message: string } }).error.message).toContain(`version 2 in round ${d2.roundId}`);
  });

  it('closes at the maximum, waits for the minimum past the deadline, and closes at the deadline once it has it', async () => {
    const agg = await start({ minContributions: 2, maxContributions: 3, roundSeconds: 10, epsilonBudget: 50 });
    const d = await descriptor(agg);
    await post(agg, d.roundId, contributionBody(d, honestValues(d, new Array(8).fill(0.2))));
    now += 11_000;
    await agg.coordinator.tick();
    const extended = await descriptor(agg);
    expect(extended.roundId).toBe(d.roundId); // below the minimum: still open, later deadline
    expect(Date.parse(extended.deadline)).toBeGreaterThan(now);
    await post(agg, d.roundId, contributionBody(d, honestValues(d, new Array(8).fill(0.2))));
    await agg.coordinator.tick();
    expect((await descriptor(agg)).roundId).toBe(d.roundId); // deadline moved: not yet
    now += 11_000;
    await agg.coordinator.tick();
    const next = await descriptor(agg);
    expect(next.model.version).toBe(2);
    // A full round: the 4th contribution of a 3-max round is refused, the round closes.
    for (let i = 0; i < 3; i++) expect((await post(agg, next.roundId, contributionBody(next, honestValues(next, new Array(8).fill(0.1))))).status).toBe(202);
    const fourth = await post(agg, next.roundId, contributionBody(next, honestValues(next, new Array(8).fill(0.1))));
    expect(fourth.status).toBe(409);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await descriptor(agg)).model.version).toBe(3);
  });

  it('applies FedAvg to the noised sum: the new weights move towards the mean update', async () => {
    // Large clip/grid ratio and many contributions so that the signal dominates the noise.
    const agg = await start({ minContributions: 40, maxContributions: 40 }, [fedavgTask('tiny', 2, { localNoiseMultiplier: 0.05, granularity: 1e-4 })]);
    const d = await descriptor(agg);
    for (let i = 0; i < 40; i++) await post(agg, d.roundId, contributionBody(d, honestValues(d, [0.6, -0.6])));
    await new Promise((resolve) => setImmediate(resolve));
    const blob = decodeModel(new Uint8Array(await (await agg.app.request('/v1/models/tiny/2')).arrayBuffer()));
    // Total noise per coordinate on the mean: √(40·σ_l² + σ_c²)/40 · g with σ_c = Δ ≈ 1e4 grid
    // units → ≈ 0.026 in float units; a 0.15 tolerance is ≥ 5.7σ (false failure < 1e-8 per coordinate).
    expect(blob.data[0]).toBeGreaterThan(0.6 - 0.15);
    expect(blob.data[0]).toBeLessThan(0.6 + 0.15);
    expect(blob.data[1]).toBeLessThan(-0.6 + 0.15);
    const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
    const tiny = stats.tasks[0]!;
    expect(tiny.rounds).toHaveLength(1);
    expect(tiny.rounds[0]).toMatchObject({ outcome: 'aggregated', contributions: 40, producedVersion: 2 });
    expect(tiny.privacy.epsilonSpent).toBeGreaterThan(0);
    expect(tiny.privacy.epsilonSpent).toBe(tiny.rounds[0]!.epsilonAfter);
    // What one device uploads per round: the descriptor's size (INK1 here).
    expect(tiny.bytesPerContribution).toBe(d.expectedBytes);
  });

  it('adds central noise of the configured σ to each released round (the DP wrapper is on by default)', async () => {
    // Devices without local noise, one exact contribution: the released weights differ from the
    // exact update only by the central noise, σ_c·g per coordinate (z = 1, Δ ≈ 1000 grid units).
    const agg = await start({ minContributions: 1, maxContributions: 1 }, [fedavgTask('tiny', 400, { localNoiseMultiplier: 0 })]);
    const d = await descriptor(agg);
    expect(d.localNoiseStddev).toBe(0);
    const values = honestValues(d, new Array(400).fill(0)); // quantised zero update: all zeros
    expect(values.every((v) => v === 0)).toBe(true);
    await post(agg, d.roundId, contributionBody(d, values));
    await new Promise((resolve) => setImmediate(resolve));
    const blob = decodeModel(new Uint8Array(await (await agg.app.request('/v1/models/tiny/2')).arrayBuffer()));
    const sigmaFloat = gridSensitivity(1, 1e-3, 400) * 1e-3;
    const sd = Math.sqrt(blob.data.reduce((a, v) => a + v * v, 0) / blob.data.length);
    // Sample sd over 400 coordinates: relative sd ≈ 3.5 %; ±25 % is > 7 sd (false failure < 1e-12).
    expect(sd / sigmaFloat).toBeGreaterThan(0.75);
    expect(sd / sigmaFloat).toBeLessThan(1.25);
  });

  it('stops a task at its ε budget: no new round once the next could exceed it', async () => {
    // z = 1 and at most 1 contribution: each round costs ρ = Δ²/2σ_c² = 0.5; ε(δ = 1e−6) of 1.0 ≈ 7.8.
    const agg = await start({ minContributions: 1, maxContributions: 1, epsilonBudget: 8 });
    let rounds = 0;
    for (;;) {
      const tasks = ((await (await agg.app.request('/v1/tasks')).json()) as TasksResponse).tasks;
      if (tasks.length === 0) break;
      const d = tasks[0]!;
      expect((await post(agg, d.roundId, contributionBody(d, honestValues(d, new Array(8).fill(0.1))))).status).toBe(202);
      await new Promise((resolve) => setImmediate(resolve));
      rounds++;
      expect(rounds).toBeLessThan(10);
    }
    const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
    const tiny = stats.tasks[0]!;
    expect(tiny.status).toBe('budget_exhausted');
    expect(tiny.privacy.epsilonSpent).toBeLessThanOrEqual(8);
    expect(rounds).toBe(2); // ρ 0.5 → ε ≈ 5.4; ρ 1.0 → ε ≈ 7.8; ρ 1.5 would be ≈ 9.9 > 8
  });

  it('allows CORS only from the allowlist, never *', async () => {
    const agg = await start();
    const allowed = await agg.app.request('/v1/tasks', { headers: { origin: 'https://shop.example' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const preflight = await agg.app.request('/v1/rounds/x/contributions', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const denied = await agg.app.request('/v1/tasks', { headers: { origin: 'https://evil.example' } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    expect(await errorCode(denied)).toBe('forbidden_origin');
    const noOrigin = await agg.app.request('/v1/tasks');
    expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
    await expect(createAggregator({ ...TEST_CONFIG, allowedOrigins: ['*'] }, { tasks: [fedavgTask('tiny', 8)], timer: false })).rejects.toThrow(/'\*'/);
  });

  it('takes quality reports only with the admin token, and shows them in /v1/stats', async () => {
    const agg = await start();
    const report = JSON.stringify({ task: 'tiny', version: 1, metric: 'hr@10', value: 0.12, series: 'federated-dp' });
    const headers = { 'content-type': 'application/json' };
    expect((await agg.app.request('/v1/admin/quality', { method: 'POST', body: report, headers })).status).toBe(401);
    const wrong = { ...headers, authorization: 'Bearer wrong-token-xxxxxxxxxxxx' };
    expect((await agg.app.request('/v1/admin/quality', { method: 'POST', body: report, headers: wrong })).status).toBe(401);
    const auth = { ...headers, authorization: `Bearer ${TEST_CONFIG.adminToken}` };
    expect((await agg.app.request('/v1/admin/quality', { method: 'POST', body: report, headers: auth })).status).toBe(201);
    const bad = await agg.app.request('/v1/admin/quality', { method: 'POST', body: JSON.stringify({ task: 'tiny', version: 1, metric: 'hr@10', value: 'high' }), headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('value');
    const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
    expect(stats.tasks[0]!.quality).toEqual([expect.objectContaining({ version: 1, metric: 'hr@10', value: 0.12, series: 'federated-dp' })]);
  });

  it('releases a DP histogram with its error bar', async () => {
    const labels = ['a', 'b', 'c'];
    const histogram: TaskDefinition = {
      task: 'hist', kind: 'histogram', model: { name: 'hist', tensors: [{ name: 'counts', shape: [3] }] }, init: { kind: 'zeros' },
      clipNorm: 1, granularity: 0.01, localNoiseMultiplier: 0.1, localSteps: 0, learningRate: 0, serverLearningRate: 1, labels,
    };
    const agg = await start({ minContributions: 30, maxContributions: 30 }, [histogram]);
    const d = await descriptor(agg, 'hist');
    expect(d.labels).toEqual(labels);
    for (let i = 0; i < 30; i++) await post(agg, d.roundId, contributionBody(d, honestValues(d, i < 20 ? [1, 0, 0] : [0, 1, 0])));
    await new Promise((resolve) => setImmediate(resolve));
    const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
    const aggregate = stats.tasks[0]!.aggregates[0]!;
    expect(aggregate.labels).toEqual(labels);
    expect(aggregate.contributions).toBe(30);
    // stddev ≈ √(30·(0.1Δ)² + Δ²)·g with Δ ≈ 100 → ≈ 1.4 counts; 6 stddev tolerance (false failure < 1e-8).
    expect(aggregate.stddev).toBeGreaterThan(1);
    expect(aggregate.stddev).toBeLessThan(2);
    expect(Math.abs(aggregate.values[0]! - 20)).toBeLessThan(6 * aggregate.stddev);
    expect(Math.abs(aggregate.values[1]! - 10)).toBeLessThan(6 * aggregate.stddev);
    expect(Math.abs(aggregate.values[2]!)).toBeLessThan(6 * aggregate.stddev);
    // Beside the raw values, the post-processed ones a chart shows: none negative, adding up to the 30 devices.
    expect(aggregate.projected).toEqual(projectedCounts(aggregate));
    expect(aggregate.projected.every((v) => v >= 0)).toBe(true);
    expect(aggregate.projected.reduce((a, b) => a + b, 0)).toBeCloseTo(30, 9);
  });

  it('serves the built storefront and SDK at the site root, wasm as application/wasm, with COOP/COEP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-static-'));
    try {
      mkdirSync(join(dir, 'demo'));
      mkdirSync(join(dir, 'sdk'));
      writeFileSync(join(dir, 'demo', 'index.html'), '<!doctype html><title>shop</title><script async src="/inkling.js" data-site="demo-shop" data-endpoint=""></script>');
      writeFileSync(join(dir, 'sdk', 'inkling.js'), 'window.inkling = 1;');
      writeFileSync(join(dir, 'sdk', 'tfjs-backend-wasm-simd.wasm'), new Uint8Array([0, 97, 115, 109]));
      const agg = await start({ staticDir: dir, crossOriginIsolation: true });
      const index = await agg.app.request('/');
      expect(index.status).toBe(200);
      // Served by its aggregator, the shop's script tag points at it (storefront-shell.ts).
      expect(await index.text()).toContain('data-endpoint="/"');
      expect(await (await agg.app.request('/index.html')).text()).toContain('data-endpoint="/"');
      expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const sdk = await agg.app.request('/inkling.js');
      expect(sdk.headers.get('content-type')).toContain('javascript');
      expect(sdk.headers.get('cross-origin-resource-policy')).toBe('cross-origin'); // embeddable by other sites
      expect((await agg.app.request('/tfjs-backend-wasm-simd.wasm')).headers.get('content-type')).toBe('application/wasm');
      const missing = await agg.app.request('/nope.html');
      expect(missing.status).toBe(404);
      expect(await errorCode(missing)).toBe('not_found');
      expect((await agg.app.request('/v1/tasks')).headers.get('cross-origin-embedder-policy')).toBeNull();
      // A reload of a storefront route gets the app shell; a missing asset or API route does not.
      const route = await agg.app.request('/movie/1', { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(route.status).toBe(200);
      expect(await route.text()).toContain('data-endpoint="/"');
      expect((await agg.app.request('/movie/1')).status).toBe(404);
      expect((await agg.app.request('/v1/nope', { headers: { accept: 'text/html' } })).status).toBe(404);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
