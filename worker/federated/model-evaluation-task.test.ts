import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { EVALUATION_CLIP_NORM, modelEvaluationLabels, namedCounts } from '../../core/models/model-evaluation.js';
import { contributionByteLength, type ModelBlob, type StatsResponse, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { createAggregator } from '../../server/aggregator.js';
import { createModelEvaluationTask } from '../../server/tasks.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { evaluateSelf } from '../features/self-evaluation.js';
import { initialNextEventWeights } from '../../core/models/next-event.js';
import type { NextEventModel } from '../features/next-event-prediction.js';
import type { SequenceEntry } from '../features/sequence.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';
import { createModelEvaluationTaskHandler } from './model-evaluation-task.js';

const labels = modelEvaluationLabels();
const n = labels.length;
const task: TaskDescriptor = {
  task: 'model-evaluation', kind: 'histogram', model: { name: 'model-evaluation', version: 1 }, roundId: 'e1', vectorLength: n,
  clipNorm: EVALUATION_CLIP_NORM, granularity: 0.01, localNoiseStddev: 0, localSteps: 0, learningRate: 0, deadline: '2099-01-01T00:00:00Z',
  expectedBytes: contributionByteLength(n), minContributions: 1, maxContributions: 10, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 }, labels,
};
const blob: ModelBlob = { header: { name: 'model-evaluation', version: 1, tensors: [{ name: 'counts', shape: [n] }], dtype: 'float32' }, data: new Float32Array(n) };

const T0 = Date.UTC(2026, 11, 1);
const genres = ['Drama', 'Sci-Fi', 'Comedy'];
const shape = { categories: 3, embed: 4, hidden: 6 };

function seeded(seed: number): () => number {
  return () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
}

function model(version: number): NextEventModel {
  return { version, vocabulary: genres, shape, weights: initialNextEventWeights(shape, seeded(version + 11)) };
}

function sequence(length: number, random = seeded(5)): SequenceEntry[] {
  const actions = ['view', 'view', 'view', 'cart', 'buy', 'search'] as const;
  return Array.from({ length }, (_, i) => {
    const action = actions[Math.floor(random() * actions.length)]!;
    return { categories: action === 'search' ? [] : [genres[Math.floor(random() * genres.length)]!], action, at: T0 + i * 60_000 * (1 + 40 * random()) };
  });
}

async function run(steps: readonly SequenceEntry[], adopted: NextEventModel | null, descriptor = task) {
  return createModelEvaluationTaskHandler({ sequence: async () => steps, model: async () => adopted }).train(descriptor, blob);
}

/** The non-zero values of an update, by label. */
function byLabel(update: Float32Array): Record<string, number> {
  return Object.fromEntries(labels.flatMap((label, i) => (update[i] === 0 ? [] : [[label, update[i]!]])));
}

describe('model-evaluation task handler', () => {
  it('puts the counts under the evaluated version\'s labels and nowhere else', async () => {
    const outcome = await run(sequence(30), model(3));
    if (outcome.kind !== 'update') throw new Error('expected an update');
    const sent = byLabel(outcome.update);
    expect(Object.keys(sent).every((label) => label.startsWith('v3 '))).toBe(true);
    expect(sent['v3 held-out']).toBeGreaterThan(0);
    // 30 steps → 6 held out; every one gets an action prediction.
    const confusion = ['TP', 'FP', 'FN', 'TN'].reduce((sum, c) => sum + (sent[`v3 buy ${c}`] ?? 0), 0);
    expect(confusion).toBe(6);

    const before = await run(sequence(30), null);
    expect(before.kind === 'update' && Object.keys(byLabel(before.update)).every((label) => label.startsWith('v0 '))).toBe(true);
    const later = await run(sequence(30), model(12));
    expect(later.kind === 'update' && Object.keys(byLabel(later.update)).every((label) => label.startsWith('v7+ '))).toBe(true);
  });

  it('sits out with fewer than two steps', async () => {
    expect((await run(sequence(1), model(2))).kind).toBe('no-data');
  });

  it('stays within the clip bound whatever the history (so nothing is clipped)', async () => {
    const random = seeded(99);
    for (let trial = 0; trial < 40; trial++) {
      const outcome = await run(sequence(2 + Math.floor(random() * 126), random), trial % 2 === 0 ? model(trial % 9) : null);
      if (outcome.kind !== 'update') throw new Error('expected an update');
      expect(Math.hypot(...outcome.update)).toBeLessThanOrEqual(EVALUATION_CLIP_NORM + 1e-9);
    }
  });

  it('refuses a task it cannot fill, naming the field', async () => {
    await expect(run(sequence(10), null, { ...task, labels: labels.slice(1), vectorLength: n - 1 })).rejects.toThrow(/labels must include "v0 held-out"/);
    await expect(run(sequence(10), null, { ...task, labels: undefined })).rejects.toThrow(/labels must name each of its 168 values; got 0/);
    await expect(run(sequence(10), null, { ...task, clipNorm: 1 })).rejects.toThrow(/clipNorm must be ≥ 30/);
  });
});

describe('model-evaluation through the real aggregator', () => {
  it('two devices\' counts come back summed under their labels on /v1/stats', async () => {
    const endpoint = 'http://aggregator.test';
    // Noise so small the sum can be compared with the truth (a device refuses σ = 0: its ρ would be infinite).
    const definition = { ...createModelEvaluationTask(), localNoiseMultiplier: 1e-4 };
    const budgets = { rhoPerTask: 1e12, rhoPerSite: 1e12, rhoGlobal: 1e12 };
    const aggregator = await createAggregator({ ...TEST_CONFIG, minContributions: 2, maxContributions: 2, centralNoiseMultiplier: 0 }, { tasks: [definition], timer: false });
    const histories: [string, SequenceEntry[], NextEventModel | null][] = [['alice', sequence(40, seeded(1)), model(2)], ['bob', sequence(12, seeded(2)), model(2)]];
    const devices: FederatedDevice[] = [];
    try {
      for (const [name, steps, adopted] of histories) {
        const device = await createFederatedDevice({
          endpoint, site: 'shop-1', dbName: name, indexedDB: new IDBFactory(), fetch: async (url, init) => aggregator.app.request(url, init),
          budgets, interactions: async () => [], modelEvaluation: { sequence: async () => steps, model: async () => adopted },
        });
        devices.push(device);
        expect((await device.client.participateAll()).map((r) => `${r.task}:${r.status}`)).toEqual(['model-evaluation:sent']);
      }
      const stats = (await (await aggregator.app.request(`${endpoint}/v1/stats`)).json()) as StatsResponse;
      const release = stats.tasks[0]!.aggregates[0]!;
      expect(release.labels).toEqual(labels);
      expect(release.contributions).toBe(2);
      const expected = new Map<string, number>();
      for (const [, steps, adopted] of histories) for (const [name, value] of namedCounts(evaluateSelf(steps, adopted)!)) expected.set(`v2 ${name}`, (expected.get(`v2 ${name}`) ?? 0) + value);
      // Errors: randomized rounding to the 0.01 grid (≤ 0.01 per device) and the noise, within 6σ per
      // bin (false failure ≤ 2·10⁻⁹ per bin, < 4·10⁻⁷ over the 168).
      expect(release.stddev).toBeLessThan(0.01);
      labels.forEach((label, i) => expect(Math.abs(release.values[i]! - (expected.get(label) ?? 0))).toBeLessThanOrEqual(0.02 + 6 * release.stddev));
      expect(expected.get('v2 held-out')).toBeGreaterThan(0);
    } finally {
      for (const device of devices) device.close();
      await aggregator.close();
    }
  });
});
