import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { alsTensorSpecs, alsTriangle, alsVectorLength } from '../../core/models/als.js';
import { contributionByteLength, encodeModel, type ModelBlob, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { solveUserVector } from '../models/als.js';
import { alsScores, createAlsScorer } from './als-scorer.js';
import { createAlsTaskHandler } from './als-task.js';
import { openFederatedDb, saveTaskQuality, type FederatedDb } from './db.js';
import { createItemHistogramTaskHandler } from './histogram-task.js';
import { loadUserEmbedding } from './user-embedding.js';

const shape = { nItems: 5, dim: 2 };
const ids = ['a', 'b', 'c', 'd', 'e'];
const rows = [0, 2, 3];

/** Factors: a and c along x, d along y; b and e outside the rows (zero); popularity favours e. */
function model(version: number, popularity = [3, 1, 2, 2, 9]): ModelBlob {
  const data = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 1, 0, 0, ...popularity]);
  return { header: { name: 'als-items', version, tensors: alsTensorSpecs(shape), dtype: 'float32' }, data };
}

function alsTask(overrides: Partial<TaskDescriptor> = {}): TaskDescriptor {
  const vectorLength = alsVectorLength(shape.dim, rows.length);
  return {
    task: 'als-items', kind: 'als', model: { name: 'als-items', version: 2 }, roundId: 'a1', vectorLength, clipNorm: 1, granularity: 1e-4,
    localNoiseStddev: 0, localSteps: 0, learningRate: 0, deadline: '2099-01-01T00:00:00Z', expectedBytes: contributionByteLength(vectorLength),
    minContributions: 1, maxContributions: 10, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 }, rows, ...overrides,
  };
}

async function dbWith(blob?: ModelBlob): Promise<FederatedDb> {
  const db = await openFederatedDb({ indexedDB: new IDBFactory() });
  if (blob) {
    const { version } = blob.header;
    await db.put('models', { key: `als-items@${version}`, name: 'als-items', version, etag: null, bytes: encodeModel(blob), storedAt: 0 });
  }
  return db;
}

describe('ALS task handler', () => {
  it('sends a fixed-length vector, dense over the rows, within the clip bound, and keeps u on the device', async () => {
    const db = await dbWith();
    const handler = createAlsTaskHandler({ db, interactions: async () => [{ item: 0, weight: 2 }, { item: 1, weight: 5 }, { item: 3, weight: 1 }] });
    const outcome = await handler.train(alsTask(), model(2));
    if (outcome.kind !== 'update') throw new Error('expected an update');
    expect(outcome.update.length).toBe(alsTriangle(2) + 3 * 2);
    expect(Math.hypot(...outcome.update)).toBeLessThanOrEqual(1 + 1e-6);
    const T = alsTriangle(2);
    // Row 1 (item 2) untouched: zeros; rows 0 (item 0) and 2 (item 3) carry c·u ≠ 0.
    expect(Array.from(outcome.update.subarray(T + 2, T + 4))).toEqual([0, 0]);
    expect(Math.hypot(...outcome.update.subarray(T, T + 2))).toBeGreaterThan(0);
    expect(Math.hypot(...outcome.update.subarray(T + 4, T + 6))).toBeGreaterThan(0);
    expect(await loadUserEmbedding(db, 'als-items', 2)).toBeUndefined();
    await outcome.commit();
    expect((await loadUserEmbedding(db, 'als-items', 2))?.modelVersion).toBe(2);
  });

  it('sits out without items, sends zeros without items among the rows, and refuses a descriptor that does not match the model', async () => {
    const db = await dbWith();
    expect((await createAlsTaskHandler({ db, interactions: async () => [] }).train(alsTask(), model(2))).kind).toBe('no-data');
    const outside = await createAlsTaskHandler({ db, interactions: async () => [{ item: 1, weight: 1 }] }).train(alsTask(), model(2));
    if (outside.kind !== 'update') throw new Error('expected an update');
    expect(outside.update.every((v) => v === 0)).toBe(true);
    expect(outside.update.length).toBe(alsTask().vectorLength);
    const handler = createAlsTaskHandler({ db, interactions: async () => [{ item: 0, weight: 1 }] });
    const { rows: _rows, ...noRows } = alsTask();
    await expect(handler.train(noRows, model(2))).rejects.toThrow(/names no rows/);
    await expect(handler.train(alsTask({ vectorLength: 7 }), model(2))).rejects.toThrow(/vectorLength 7/);
    await expect(handler.train(alsTask({ rows: [0, 9] }), model(2))).rejects.toThrow(/row ≥ the model's 5 items/);
  });
});

describe('item popularity handler', () => {
  it('sends 1/√k on each of the visitor\'s k items (L2 = 1), nothing else', async () => {
    const handler = createItemHistogramTaskHandler({ interactions: async () => [{ item: 1 }, { item: 3 }, { item: 3 }, { item: 4 }, { item: 99 }] });
    const task = alsTask({ task: 'item-popularity', kind: 'histogram', vectorLength: 5, expectedBytes: contributionByteLength(5) });
    const outcome = await handler.train(task, model(1));
    if (outcome.kind !== 'update') throw new Error('expected an update');
    const s = Math.fround(1 / Math.sqrt(3));
    expect(Array.from(outcome.update)).toEqual([0, s, 0, s, s]);
    expect((await createItemHistogramTaskHandler({ interactions: async () => [] }).train(task, model(1))).kind).toBe('no-data');
  });
});

describe('ALS scorer', () => {
  it('has no opinion before a trained model (none cached, or version 1 with no popularity)', async () => {
    const none = await createAlsScorer({ db: await dbWith(), catalogueIds: ids }).score({ itemIds: ids, now: 0 });
    expect(Array.from(none).every(Number.isNaN)).toBe(true);
    const untrained = await createAlsScorer({ db: await dbWith(model(1, [0, 0, 0, 0, 0])), catalogueIds: ids }).score({ itemIds: ids, now: 0 });
    expect(Array.from(untrained).every(Number.isNaN)).toBe(true);
  });

  it('solves u from the visitor\'s items and scores u·v + 0.03·log(1 + count) for every modelled item, none for the others', async () => {
    const db = await dbWith(model(3));
    const interactions = async () => [{ item: 0, weight: 3 }];
    const scores = await createAlsScorer({ db, catalogueIds: ids, interactions }).score({ itemIds: [...ids, 'zz'], now: 0 });
    expect(Number.isNaN(scores[5]!)).toBe(true);
    // Likes a (along x): a, then c (same direction) lead; b and e (no factors: outside the rows) have no model score.
    expect(Number.isNaN(scores[1]!) && Number.isNaN(scores[4]!)).toBe(true);
    const order = [0, 2, 3].sort((i, j) => scores[j]! - scores[i]!);
    expect(order).toEqual([0, 2, 3]);
    const blob = model(3);
    const u = solveUserVector(blob.data.subarray(0, 10), 2, [{ item: 0, weight: 3 }]);
    const raw = alsScores(u, blob, shape);
    expect(Number.isNaN(raw[4]!)).toBe(true);
    expect(raw[0]).toBeCloseTo(u[0]! + 0.03 * Math.log1p(3), 6);
    expect((await loadUserEmbedding(db, 'als-items', 2))?.modelVersion).toBe(3);
  });

  it('is gated by the site owner\'s verdict like the MF scorer', async () => {
    const db = await dbWith(model(3));
    await saveTaskQuality(db, 'als-items', { metric: 'hr@10', version: 3, model: 0.1, baseline: 0.3 });
    const scores = await createAlsScorer({ db, catalogueIds: ids, interactions: async () => [{ item: 0, weight: 1 }] }).score({ itemIds: ids, now: 0 });
    expect(Array.from(scores).every(Number.isNaN)).toBe(true);
  });
});
