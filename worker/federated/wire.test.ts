/**
 * The Worker wiring end to end in Node: the real engine (fake-indexeddb), the real aggregator (in
 * process), the federated half started by startFederatedLearning. Nothing leaves without consent;
 * with it, the visitor's product views become an MF contribution and the engine's recommend()
 * blends the federated scorer in.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../../server/aggregator.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { createDailyReportTask, createModelEvaluationTask, type TaskDefinition } from '../../server/tasks.js';
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
import { createEngine, type Engine } from '../engine.js';
import { smallMfTask } from './aggregator.testkit.js';
import { NODE_BACKEND_LOADERS } from '../training/tfjs-environment.js';
import { startFederatedLearning, type FederatedWiring } from './wire.js';
import { loadUserEmbedding, saveUserEmbedding } from './user-embedding.js';

const shape = { nItems: 24, dim: 4 };
const catalogueIds = Array.from({ length: shape.nItems }, (_, i) => `m${i + 1}`);
const endpoint = 'http://aggregator.test';
let aggregator: Aggregator | undefined;
let wiring: FederatedWiring | undefined;
let engine: Engine | undefined;

afterEach(async () => {
  wiring?.stop();
  wiring?.device.close();
  await engine?.close();
  await aggregator?.close();
  wiring = undefined;
  engine = undefined;
  aggregator = undefined;
});

const mfTask = smallMfTask(shape, { localSteps: 5 });

async function setUp(tasks: TaskDefinition[] = [mfTask]): Promise<void> {
  aggregator = await createAggregator({ ...TEST_CONFIG, minContributions: 1, maxContributions: 1 }, { tasks, timer: false });
  const agg = aggregator;
  const indexedDB = new IDBFactory();
  wiring = await startFederatedLearning({
    site: 'shop-1',
    endpoint,
    catalogueIds,
    sdkVersion: 'test',
    backendOverride: 'cpu',
    loaders: NODE_BACKEND_LOADERS,
    indexedDB,
    fetch: async (url, init) => agg.app.request(url, init),
    quietMs: 0,
  });
  engine = await createEngine({ site: 'shop-1', idbFactory: indexedDB, ...wiring.engineOptions });
  await engine.setCatalog(catalogueIds.map((id, i) => ({ id, categories: [i % 2 === 0 ? 'Drama' : 'Comedy'] })));
  wiring.attach(engine);
  const now = Date.now();
  await engine.ingest(['m2', 'm4', 'm6'].map((id, i) => ({ id: `e${i}`, name: 'Product Viewed', properties: { product_id: id }, timestamp: now + i })));
}

async function posts(): Promise<number> {
  const stats = (await (await aggregator!.app.request(`${endpoint}/v1/stats`)).json()) as { totals: { contributions: number } };
  return stats.totals.contributions;
}

describe('startFederatedLearning', () => {
  it('sends nothing until consent is granted, then contributes and feeds recommend()', async () => {
    await setUp();
    const pending = await wiring!.runOnce();
    expect(pending).toEqual({ status: 'ran', result: [] });
    expect(await posts()).toBe(0);

    await engine!.setConsent('granted');
    const granted = await wiring!.runOnce();
    if (granted.status !== 'ran') throw new Error(`expected a pass, got ${granted.status}`);
    expect(granted.result.map((r) => `${r.task}:${r.status}`)).toEqual(['mf-items:sent']);
    expect((await wiring!.backend()).backend).toBe('cpu');
    expect(await posts()).toBe(1);

    const profile = await engine!.profile();
    expect(profile.privacy.receipts).toHaveLength(1);
    expect(profile.privacy.receipts[0]).toMatchObject({ task: 'mf-items', bytes: 28 + 4 * shape.nItems * (shape.dim + 1) });
    const recommendations = await engine!.recommend({ k: 5 });
    expect(recommendations).toHaveLength(5);
    // The round closed at one contribution: the next pass downloads version 2 and refits the user
    // embedding there, and recommend() (whose scorer runs inside the engine's queue) still answers.
    const second = await wiring!.runOnce();
    expect(second.status).toBe('ran');
    const models = await wiring!.device.db.getAllFromIndex('models', 'name', 'mf-items');
    expect(models.map((m) => m.version)).toEqual([2]);
    expect((await loadUserEmbedding(wiring!.device.db, 'mf-items', shape.dim))?.modelVersion).toBe(2);
    // Even with a stale embedding (a version landed between passes), scoring never reads the engine.
    const fitted = (await loadUserEmbedding(wiring!.device.db, 'mf-items', shape.dim))!;
    await saveUserEmbedding(wiring!.device.db, { ...fitted, modelVersion: 1 });
    const inTime = await Promise.race([engine!.recommend({ k: 5 }), new Promise<'deadlock'>((resolve) => setTimeout(() => resolve('deadlock'), 5000))]);
    expect(inTime).not.toBe('deadlock');
    // The federated scorer now has an opinion on every catalogue item (the model is cached).
    const scores = await wiring!.device.scorer!.score({ itemIds: catalogueIds, now: Date.now() });
    expect(Array.from(scores).every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('scores the engine\'s own sequence with the model it predicts with for the model-evaluation task', async () => {
    await setUp([createModelEvaluationTask()]);
    await engine!.setConsent('granted');
    const pass = await wiring!.runOnce();
    if (pass.status !== 'ran') throw new Error(`expected a pass, got ${pass.status}`);
    // Three product views: one held out, predicted before any next-event model (slot v0).
    expect(pass.result.map((r) => `${r.task}:${r.status}`)).toEqual(['model-evaluation:sent']);
    const stats = (await (await aggregator!.app.request(`${endpoint}/v1/stats`)).json()) as StatsResponse;
    expect(stats.tasks[0]!.aggregates[0]!.contributions).toBe(1);
  });

  it("sends the daily report from the engine's own counts, charged against its day's renewing budget", async () => {
    // A plain aggregator sees each report with the device's own noise only: at 8Δ one report costs
    // ρ 1/128, inside the day's ρ(ε 1, δ) (with σ = Δ, ρ 1/2, the device would decline it: out-of-budget).
    await setUp([{ ...createDailyReportTask({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0, epsilonPerPeriod: 1 }), localNoiseMultiplier: 8 }]);
    const now = Date.now();
    const { start } = periodBounds(periodOf(now));
    // m2, m4, m6 are Comedy: three product views today, the furthest funnel stage 'viewed-product'.
    expect(await engine!.periodActivity(start, now + 10)).toMatchObject({ views: { Comedy: 3 }, carts: {}, buys: {}, stage: 'viewed-product', segment: null });
    await engine!.setConsent('granted');
    const pass = await wiring!.runOnce();
    if (pass.status !== 'ran') throw new Error(`expected a pass, got ${pass.status}`);
    expect(pass.result.map((r) => `${r.task}:${r.status}`)).toEqual(['daily-report:sent']);
    const stats = (await (await aggregator!.app.request(`${endpoint}/v1/stats`)).json()) as StatsResponse;
    expect(stats.tasks[0]!.aggregates[0]!.contributions).toBe(1);
    const budget = (await engine!.profile()).privacy.budgets.find((b) => b.task === 'daily-report');
    expect(budget?.period).toMatchObject({ days: 1, epsilonPerPeriod: 1, periodsReported: 1, renewsAt: periodBounds(periodOf(Date.now())).end });
  });
});
