/**
 * The device half against the real aggregator (in process, its Hono app as `fetch`): two devices
 * train, privatize, charge and contribute; the round closes at maxContributions; the model version
 * increments; both download it, and the MF scorer's opinion changes.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TasksResponse } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../../server/aggregator.js';
import type { TaskDefinition } from '../../server/tasks.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { PROPENSITY_FEATURE_COUNT } from '../features/propensity.js';
import { smallMfTask } from './aggregator.testkit.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { nItems: 30, dim: 4 };
const catalogueIds = Array.from({ length: shape.nItems }, (_, i) => `m${i + 1}`);
const endpoint = 'http://aggregator.test';
let aggregator: Aggregator | undefined;
const devices: FederatedDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await aggregator?.close();
  aggregator = undefined;
});

const tasks: TaskDefinition[] = [
  smallMfTask(shape),

  {
    task: 'propensity',
    kind: 'fedavg',
    model: { name: 'propensity', tensors: [{ name: 'weights', shape: [PROPENSITY_FEATURE_COUNT] }] },
    init: { kind: 'zeros' },
    clipNorm: 1,
    granularity: 1e-3,
    localNoiseMultiplier: 4,
    localSteps: 5,
    learningRate: 0.1,
    serverLearningRate: 1,
  },
];

async function device(name: string, rows: number[]): Promise<FederatedDevice> {
  const agg = aggregator!;
  const created = await createFederatedDevice({
    endpoint,
    site: 'shop-1',
    dbName: name,
    indexedDB: new IDBFactory(),
    fetch: async (url, init) => agg.app.request(url, init),
    interactions: async () => rows.map((item) => ({ item, weight: 1 })),
    propensityExamples: async () => [{ x: Float32Array.from({ length: PROPENSITY_FEATURE_COUNT }, (_, i) => (i === 0 ? 1 : 0.5)), y: 1 }],
    catalogueIds,
  });
  devices.push(created);
  return created;
}

async function versions(): Promise<Record<string, number>> {
  const body = (await (await aggregator!.app.request(`${endpoint}/v1/tasks`)).json()) as TasksResponse;
  return Object.fromEntries(body.tasks.map((t) => [t.task, t.model.version]));
}

describe('federated round trip against the real aggregator', () => {
  it('two devices contribute, the round closes, both download the new version and recommendations change', async () => {
    aggregator = await createAggregator({ ...TEST_CONFIG, minContributions: 2, maxContributions: 2 }, { tasks, timer: false });
    const alice = await device('alice', [1, 2, 3, 4]);
    const bob = await device('bob', [20, 21, 22]);
    expect(await versions()).toEqual({ 'mf-items': 1, propensity: 1 });
    // No model downloaded yet: the scorer has no opinion.
    expect(Array.from(await alice.scorer!.score({ itemIds: catalogueIds, now: Date.now() })).every(Number.isNaN)).toBe(true);

    const results = [...(await alice.client.participateAll()), ...(await bob.client.participateAll())];
    expect(results.map((r) => `${r.task}:${r.status}`).sort()).toEqual(['mf-items:sent', 'mf-items:sent', 'propensity:sent', 'propensity:sent']);
    expect(await versions()).toEqual({ 'mf-items': 2, propensity: 2 });
    const before = await alice.scorer!.score({ itemIds: catalogueIds, now: Date.now() }); // version 1

    // Round 2: both download version 2 (and the scorer uses the newest cached model).
    const second = [...(await alice.client.participateAll()), ...(await bob.client.participateAll())];
    expect(second).toEqual(second.map((r) => ({ ...r, status: 'sent' })));
    const cached = await alice.db.getAllFromIndex('models', 'name', 'mf-items');
    expect(cached.map((m) => m.version)).toEqual([2]);
    const after = await alice.scorer!.score({ itemIds: catalogueIds, now: Date.now() });
    expect(Array.from(after).some((v, i) => Math.abs(v - before[i]!) > 1e-6)).toBe(true);
    expect(Array.from(after).every((v) => v > 0 && v < 1)).toBe(true);

    const privacy = await alice.privacy();
    expect(privacy.receipts.map((r) => r.task).sort()).toEqual(['mf-items', 'mf-items', 'propensity', 'propensity']);
    expect(privacy.budgets.find((b) => b.task === 'mf-items')!.rhoSpent).toBeCloseTo(2 / 32, 3);

    // forget() erases the ledger with its receipts, the cached models and the user embedding.
    await alice.forget();
    const erased = await alice.privacy();
    expect(erased.receipts).toEqual([]);
    expect(erased.budgets.find((b) => b.task === 'mf-items')!.rhoSpent).toBe(0);
    expect(await alice.db.count('models')).toBe(0);
    expect(await alice.db.count('state')).toBe(0);
    // The other device's ledger is its own.
    expect((await bob.privacy()).receipts.length).toBe(4);
  });
});
