import { describe, expect, it } from 'vitest';
import { contributionByteLength, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { createHistogramTaskHandler } from './histogram-task.js';

const labels = ['Action', 'Comedy', 'Drama'];
const task: TaskDescriptor = {
  task: 'category-histogram', kind: 'histogram', model: { name: 'category-histogram', version: 1 }, roundId: 'h1', vectorLength: 3,
  clipNorm: 1, granularity: 0.01, localNoiseStddev: 200, localSteps: 0, learningRate: 0, deadline: '2099-01-01T00:00:00Z',
  expectedBytes: contributionByteLength(3), minContributions: 1, maxContributions: 10, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 }, labels,
};
const blob = { header: { name: 'category-histogram', version: 1, tensors: [{ name: 'counts', shape: [3] }], dtype: 'float32' as const }, data: new Float32Array(3) };

describe('histogram task', () => {
  it('answers with a one-hot vector on the top label (norm 1), or sits out without one', async () => {
    const drama = await createHistogramTaskHandler({ topLabel: async () => 'Drama' }).train(task, blob);
    expect(drama.kind === 'update' && Array.from(drama.update)).toEqual([0, 0, 1]);
    expect((await createHistogramTaskHandler({ topLabel: async () => null }).train(task, blob)).kind).toBe('no-data');
    expect((await createHistogramTaskHandler({ topLabel: async () => 'Western' }).train(task, blob)).kind).toBe('no-data');
  });
});
