import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { contributionByteLength, type ModelBlob, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { PROPENSITY_FEATURE_COUNT } from '../features/propensity.js';
import { createPropensityTaskHandler, propensityLayout } from './propensity-task.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const n = PROPENSITY_FEATURE_COUNT;
const split: ModelBlob = {
  header: { name: 'propensity', version: 1, tensors: [{ name: 'weights', shape: [n - 1] }, { name: 'bias', shape: [1] }], dtype: 'float32' },
  data: Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? -3.5 : i + 1)),
};

describe('propensity task', () => {
  it('reads weights [n−1] + bias [1] into the engine layout (bias first) and back', () => {
    const layout = propensityLayout(split);
    const engine = layout.toEngine(split.data);
    expect(engine[0]).toBe(-3.5);
    expect(Array.from(engine.subarray(1))).toEqual(Array.from(split.data.subarray(0, n - 1)));
    expect(Array.from(layout.toBlob(engine))).toEqual(Array.from(split.data));
    const wrong: ModelBlob = { header: { ...split.header, tensors: [{ name: 'weights', shape: [16] }, { name: 'bias', shape: [1] }] }, data: new Float32Array(17) };
    expect(() => propensityLayout(wrong)).toThrow(/must hold 9 floats/);
  });

  it('trains from the global weights and returns the dense delta in the blob’s layout', async () => {
    const task: TaskDescriptor = {
      task: 'propensity', kind: 'fedavg', model: { name: 'propensity', version: 1 }, roundId: 'p1', vectorLength: n, clipNorm: 1, granularity: 1e-3,
      localNoiseStddev: 1000, localSteps: 5, learningRate: 0.1, deadline: '2099-01-01T00:00:00Z', expectedBytes: contributionByteLength(n),
      minContributions: 1, maxContributions: 1, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 },
    };
    const x = Float32Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)); // logit = bias = −3.5: far from the label 1
    const outcome = await createPropensityTaskHandler({ examples: async () => [{ x, y: 1 }] }).train(task, split);
    if (outcome.kind !== 'update') throw new Error('expected an update');
    expect(outcome.update).toHaveLength(n);
    // An order example raises the bias, which sits LAST in this blob's layout.
    expect(outcome.update[n - 1]!).toBeGreaterThan(0);
    expect((await createPropensityTaskHandler({ examples: async () => [] }).train(task, split)).kind).toBe('no-data');
  });
});
