import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../core/protocol/aggregator.js';
import { mfTensorSpecs } from '../models/mf-layout.js';
import { openFederatedDb, type FederatedDb } from './db.js';
import { createMfScorer } from './mf-scorer.js';
import { loadUserEmbedding } from './user-embedding.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { nItems: 4, dim: 2 };
const ids = ['a', 'b', 'c', 'd'];

/** Embeddings: a and b along x, c and d along y; biases make d the most popular, then c. */
async function dbWithModel(version = 1): Promise<FederatedDb> {
  const db = await openFederatedDb({ indexedDB: new IDBFactory() });
  const data = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1, 0, 0.1, 0.2, 0.3]);
  const bytes = encodeModel({ header: { name: 'mf-items', version, tensors: mfTensorSpecs(shape), dtype: 'float32' }, data });
  await db.put('models', { key: `mf-items@${version}`, name: 'mf-items', version, etag: null, bytes, storedAt: 0 });
  return db;
}

describe('createMfScorer', () => {
  it('has no opinion before a model is downloaded', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const scores = await createMfScorer({ db, catalogueIds: ids }).score({ itemIds: ids, now: 0 });
    expect(Array.from(scores).every(Number.isNaN)).toBe(true);
  });

  it('ranks by the learned item bias for a visitor without an embedding, NaN for ids outside the model', async () => {
    const scores = await createMfScorer({ db: await dbWithModel(), catalogueIds: ids }).score({ itemIds: ['d', 'c', 'b', 'a', 'zzz'], now: 0 });
    expect(scores[0]!).toBeGreaterThan(scores[1]!);
    expect(scores[1]!).toBeGreaterThan(scores[2]!);
    expect(scores[2]!).toBeGreaterThan(scores[3]!);
    expect(Number.isNaN(scores[4]!)).toBe(true);
    for (const s of scores.subarray(0, 4)) expect(s > 0 && s < 1).toBe(true);
  });

  it('reconstructs the visitor’s embedding against a model it has not seen, and then follows their taste', async () => {
    const db = await dbWithModel(2);
    const scorer = createMfScorer({ db, catalogueIds: ids, interactions: async () => [{ item: 0, weight: 1 }], reconstructionSteps: 200, learningRate: 0.5 });
    const scores = await scorer.score({ itemIds: ids, now: 0 });
    // Liking a (x direction) lifts b, its neighbour, above the more popular c and d.
    expect(scores[1]!).toBeGreaterThan(scores[2]!);
    expect(scores[1]!).toBeGreaterThan(scores[3]!);
    expect((await loadUserEmbedding(db, 'mf-items', 2))?.modelVersion).toBe(2);
  });

  it('has no opinion when the model was sized for another catalogue', async () => {
    const scores = await createMfScorer({ db: await dbWithModel(), catalogueIds: ['a', 'b'] }).score({ itemIds: ['a', 'b'], now: 0 });
    expect(Array.from(scores).every(Number.isNaN)).toBe(true);
  });
});
