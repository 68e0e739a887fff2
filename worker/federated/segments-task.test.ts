/**
 * The 'segments' task on the device: the upload of each stage, what it refuses, and the whole
 * schedule in process (devices → the real aggregator's Hono app as `fetch` → the release → the
 * device's segment).
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { featureNames, segmentFeatures, type SegmentInputs } from '../../core/models/kmeans.js';
import { readSegmentsModel, SEGMENTS_CLIP_NORM, SEGMENTS_TASK, segmentsTensors, STATE_SLOTS, writeSegmentsModel, type SegmentsModel } from '../../core/models/segments-model.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../../server/aggregator.js';
import { createSegmentsTask } from '../../server/tasks.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';
import { createSegmentsTaskHandler, encodeSegmentsUpload, segmentSpecOf } from './segments-task.js';
import { openFederatedDb } from './db.js';

const endpoint = 'http://aggregator.test';
const categories = ['Drama', 'Comedy'];
const spec = { categories };
const labels = featureNames(spec);
let aggregator: Aggregator | undefined;
const devices: FederatedDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await aggregator?.close();
  aggregator = undefined;
});

const dramaFan: SegmentInputs = { interests: [{ category: 'Drama', share: 0.9 }], events: 400, recencyDays: 1, weekendShare: 0.8, spend: 0 };
const comedyFan: SegmentInputs = { interests: [{ category: 'Comedy', share: 0.9 }], events: 4, recencyDays: 30, weekendShare: 0.05, spend: 300 };

function emptyModel(k: number, dims: number): SegmentsModel {
  return readSegmentsModel(k, dims, new Float32Array(STATE_SLOTS + dims + 2 * k * dims + 2 * k));
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

describe('segments upload', () => {
  const x = segmentFeatures(spec, dramaFan);
  const dims = x.length;

  it('mean round: [x, a, b·‖x‖²] in block 0, the rest zero', () => {
    const out = encodeSegmentsUpload(emptyModel(2, dims), x, 8 * (dims + 2));
    expect(Array.from(out.subarray(0, dims))).toEqual(Array.from(Float32Array.from(x)));
    expect(out[dims]).toBeCloseTo(0.4, 6);
    expect(out[dims + 1]).toBeCloseTo(0.25 * norm(x) ** 2, 6);
    expect(out.subarray(dims + 2).every((v) => v === 0)).toBe(true);
  });

  it('Lloyd round: the block of the nearest segment, in radius units, within the bound of the task whatever the distance', () => {
    const model = emptyModel(2, dims);
    const far = new Float64Array(dims);
    const near = Float64Array.from(x, (v) => v + 0.01);
    const lloyd: SegmentsModel = { ...model, centroids: [far, near], state: { ...model.state, stage: 2, radius: 0.05 } };
    const out = encodeSegmentsUpload(lloyd, x, 8 * (dims + 2));
    expect(out.subarray(0, dims + 2).every((v) => v === 0)).toBe(true);
    // Count slot a/C = κ = 0.5; the delta (norm 0.01·√d < C) unclipped: 0.01·√d / C.
    expect(out[2 * (dims + 2) - 2]).toBeCloseTo(0.5, 6);
    expect(norm(out.subarray(dims + 2, 2 * (dims + 2) - 2))).toBeCloseTo((0.01 * Math.sqrt(dims)) / 0.05, 4);
    // A device far from its centroid is clipped to C: the bound holds.
    const clipped = encodeSegmentsUpload({ ...lloyd, centroids: [far, far] }, x, 8 * (dims + 2));
    expect(norm(clipped)).toBeLessThanOrEqual(SEGMENTS_CLIP_NORM);
    expect(norm(clipped)).toBeGreaterThan(0.999 * SEGMENTS_CLIP_NORM);
  });

  it('refuses features it cannot compute, by name; a visitor without events sits out', async () => {
    expect(() => segmentSpecOf({ task: SEGMENTS_TASK, labels: [...labels.slice(0, -1), 'age'] })).toThrow(/task segments: feature "age" \(position 5\): this device computes only interest:<category> and then frequency, recency, weekend, spend/);
    expect(() => segmentSpecOf({ task: SEGMENTS_TASK, labels: labels.slice(0, -1) })).toThrow(/expected the activity features/);
    expect(() => segmentSpecOf({ task: SEGMENTS_TASK })).toThrow(/lists its feature names as labels/);
    expect(segmentSpecOf({ task: SEGMENTS_TASK, labels })).toEqual(spec);
    const db = await openFederatedDb({ indexedDB: new IDBFactory(), name: 'handler' });
    const blob: ModelBlob = { header: { name: SEGMENTS_TASK, version: 1, tensors: segmentsTensors(2, dims), dtype: 'float32' }, data: writeSegmentsModel(emptyModel(2, dims)) };
    const task: TaskDescriptor = {
      task: SEGMENTS_TASK, kind: 'kmeans', model: { name: SEGMENTS_TASK, version: 1 }, roundId: 'r', vectorLength: 8 * (dims + 2), clipNorm: SEGMENTS_CLIP_NORM, granularity: 1e-3,
      localNoiseStddev: 1, localSteps: 0, learningRate: 0, deadline: new Date(0).toISOString(), expectedBytes: 0, minContributions: 2, maxContributions: 2,
      privacy: { epsilonBudget: 1, delta: 1e-6, epsilonSpent: 0 }, labels,
    };
    expect(await createSegmentsTaskHandler({ db, inputs: async () => null }).train(task, blob)).toEqual({ kind: 'no-data' });
    await expect(createSegmentsTaskHandler({ db, inputs: async () => dramaFan }).train({ ...task, labels: ['interest:Drama', 'age'] }, blob)).rejects.toThrow(/feature "age"/);
    db.close();
  });
});

describe('the segments schedule, device to device', () => {
  it('4 rounds from the devices; then each device knows its segment, and a device that took no part fetches the release', async () => {
    // 6 devices of two kinds, k 2; local noise 0.001 × the bound (the plumbing, not the DP: server/strategies/kmeans.test.ts has that).
    const task = { ...createSegmentsTask({ k: 2, categories }), localNoiseMultiplier: 0.001, minContributions: 6, maxContributions: 6 };
    aggregator = await createAggregator({ ...TEST_CONFIG, centralNoiseMultiplier: 0 }, { tasks: [task], timer: false });
    const agg = aggregator;
    const make = async (name: string, inputs: SegmentInputs | null) => {
      const created = await createFederatedDevice({
        endpoint,
        site: 'shop-1',
        dbName: name,
        indexedDB: new IDBFactory(),
        fetch: async (url, init) => agg.app.request(url, init),
        interactions: async () => [],
        segmentInputs: async () => inputs,
        // Four rounds of a nearly noiseless task: the ledger's defaults would stop the device after one.
        budgets: { rhoPerTask: Infinity, rhoPerSite: Infinity, rhoGlobal: Infinity },
      });
      devices.push(created);
      return created;
    };
    const kinds = [dramaFan, comedyFan];
    const population = await Promise.all(Array.from({ length: 6 }, (_, i) => make(`d${i}`, kinds[i % 2]!)));
    expect(await population[0]!.segment(dramaFan)).toBeNull();
    for (let round = 0; round < 4; round++) {
      for (const d of population) expect((await d.client.participateAll()).map((r) => `${r.task}:${r.status}`)).toEqual([`${SEGMENTS_TASK}:sent`]);
      for (let i = 0; i < 100 && (await agg.coordinator.latestVersion(SEGMENTS_TASK)) !== round + 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await agg.coordinator.latestVersion(SEGMENTS_TASK)).toBe(5);
    // The devices took part in the mean round of the next schedule's first version only when they pass again: fetch the release instead.
    await population[0]!.refreshSegments();
    const drama = await population[0]!.segment(dramaFan);
    await population[1]!.refreshSegments();
    const comedy = await population[1]!.segment(comedyFan);
    expect(drama).not.toBeNull();
    expect(comedy).not.toBeNull();
    expect(drama!.id).not.toBe(comedy!.id);
    expect(drama!.description).toMatch(/Drama/);
    expect(comedy!.description).toMatch(/Comedy/);
    // Kept on the device.
    expect(await population[0]!.db.get('state', `${SEGMENTS_TASK}:segment`)).toMatchObject({ id: drama!.id, description: drama!.description, modelVersion: 5 });
    // Receipts: one per round.
    expect((await population[0]!.privacy()).receipts.filter((r) => r.task === SEGMENTS_TASK)).toHaveLength(4);
    // A device that never took part (a visitor after the task stopped) reads the features from the release's header.
    const late = await make('late', dramaFan);
    expect(await late.segment(dramaFan)).toBeNull();
    await late.refreshSegments();
    expect(await late.db.get('state', `${SEGMENTS_TASK}:features`)).toBeUndefined();
    expect(await late.segment(dramaFan)).toMatchObject({ id: drama!.id, description: drama!.description });
    expect(await population[0]!.segment(null)).toBeNull();
  });
});
