/**
 * The site owner's verdict reaches recommend(): against the real aggregator (in process, its Hono
 * app as `fetch`), a device downloads the MF model, the owner posts HR@10 for the model and for
 * popularity, and the device's next GET /v1/tasks decides whether the MF scorer has an opinion.
 * recommend() blends an extra score only where it is not NaN (worker/recommend.ts), so an all-NaN
 * answer is "the extra scorer is off", and its reason can never be given.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QualityReport } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../../server/aggregator.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { CatalogIndex } from '../catalog-index.js';
import { recommend } from '../recommend.js';
import { loadTaskQuality } from './db.js';
import { smallMfTask } from './aggregator.testkit.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';
import { MF_REASON } from './mf-scorer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { nItems: 12, dim: 4 };
const catalogueIds = Array.from({ length: shape.nItems }, (_, i) => `m${i + 1}`);
const endpoint = 'http://aggregator.test';
const mfTask = smallMfTask(shape, { localSteps: 2 });

let aggregator: Aggregator | undefined;
let device: FederatedDevice | undefined;
afterEach(async () => {
  device?.close();
  device = undefined;
  await aggregator?.close();
  aggregator = undefined;
});

async function postHitRate(series: string, value: number): Promise<void> {
  const report: QualityReport = { task: 'mf-items', version: 1, metric: 'hr@10', value, series };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_CONFIG.adminToken}` };
  const response = await aggregator!.app.request(`${endpoint}/v1/admin/quality`, { method: 'POST', body: JSON.stringify(report), headers });
  expect(response.status).toBe(201);
}

/** A device that has downloaded the model (one round taken part in), after the owner posted `posted`. */
async function deviceAfter(posted: Array<[series: string, hr: number]>, config: Partial<typeof TEST_CONFIG> = {}): Promise<FederatedDevice> {
  aggregator = await createAggregator({ ...TEST_CONFIG, ...config }, { tasks: [mfTask], timer: false });
  const agg = aggregator;
  device = await createFederatedDevice({
    endpoint,
    site: 'shop-1',
    dbName: 'quality-gate',
    indexedDB: new IDBFactory(),
    fetch: async (url, init) => agg.app.request(url, init),
    interactions: async () => [{ item: 1, weight: 1 }, { item: 2, weight: 1 }],
    catalogueIds,
  });
  for (const [series, hr] of posted) await postHitRate(series, hr);
  const results = await device.client.participateAll();
  expect(results.map((r) => r.status)).toEqual(['sent']);
  return device;
}

async function mfScores(d: FederatedDevice): Promise<number[]> {
  return Array.from(await d.scorer!.score({ itemIds: catalogueIds, now: Date.now() }));
}

/** How many of recommend()'s top 5 give the MF model as their reason (the engine's blend, without interests). */
async function recommendedBecauseOfMf(d: FederatedDevice): Promise<number> {
  const index = new CatalogIndex(catalogueIds.map((id) => ({ id, categories: ['Movies'], popularity: 0.5 })));
  const scorer = d.scorer!;
  const scores = await scorer.score({ itemIds: catalogueIds, now: Date.now() });
  const recs = recommend(index, { k: 5 }, { interests: [], shortTermWeight: 0.5, bought: new Set(), cart: new Map(), extra: { scores, weight: scorer.weight, reason: scorer.reason } });
  return recs.filter((r) => r.reason === MF_REASON).length;
}

describe('the MF scorer follows the site owner’s latest evaluation', () => {
  it('is off when the model was posted worse than popularity', async () => {
    const d = await deviceAfter([['federated-dp', 0.09], ['popularity', 0.33]]);
    expect(await loadTaskQuality(d.db, 'mf-items')).toEqual({ metric: 'hr@10', version: 1, model: 0.09, baseline: 0.33 });
    expect((await mfScores(d)).every(Number.isNaN)).toBe(true);
    expect(await recommendedBecauseOfMf(d)).toBe(0);
  });

  it('is on when the model was posted better than popularity', async () => {
    const d = await deviceAfter([['federated-dp', 0.45], ['popularity', 0.33]]);
    const scores = await mfScores(d);
    expect(scores.every((s) => s > 0 && s < 1)).toBe(true);
    expect(await recommendedBecauseOfMf(d)).toBe(5);
  });

  it('is on when nothing (or only one side) was posted, and follows a verdict posted later', async () => {
    const d = await deviceAfter([['federated-dp', 0.09]]);
    expect(await loadTaskQuality(d.db, 'mf-items')).toBeUndefined();
    expect((await mfScores(d)).every((s) => s > 0 && s < 1)).toBe(true);
    expect(await recommendedBecauseOfMf(d)).toBe(5);

    await postHitRate('popularity', 0.33);
    await d.client.fetchTasks();
    expect((await mfScores(d)).every(Number.isNaN)).toBe(true);
    // The owner re-evaluates and the model now wins: the next task fetch turns it back on.
    await postHitRate('federated-dp', 0.5);
    await d.client.fetchTasks();
    expect((await mfScores(d)).every((s) => s > 0 && s < 1)).toBe(true);
  });

  it('covers the version it measured: a newer version, not yet evaluated, is used', async () => {
    // One contribution closes each round, so the device's contribution makes version 2.
    const d = await deviceAfter([['federated-dp', 0.09], ['popularity', 0.33]], { minContributions: 1, maxContributions: 1 });
    expect((await mfScores(d)).every(Number.isNaN)).toBe(true); // version 1, judged worse
    await d.client.participateAll(); // downloads version 2
    expect((await d.db.getAllFromIndex('models', 'name', 'mf-items')).map((m) => m.version)).toEqual([2]);
    expect((await mfScores(d)).every((s) => s > 0 && s < 1)).toBe(true);
  });
});
