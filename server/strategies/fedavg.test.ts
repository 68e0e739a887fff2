import { describe, expect, it } from 'vitest';
import { fedavgTask } from '../testkit.js';
import { createFedAvg } from './fedavg.js';

const settings = { minContributions: 1, maxContributions: 10, roundMs: 1000, epsilonBudget: 8, delta: 1e-6 };

describe('FedAvg', () => {
  it('moves the weights by η times the mean decoded update', () => {
    const task = fedavgTask('t', 3, { serverLearningRate: 0.5, granularity: 0.01 });
    const plan = createFedAvg().configure({ task, settings, modelVersion: 1, now: 0, rhoSpent: 0, dependency: null });
    if (plan.kind !== 'open') throw new Error('expected an open round');
    const out = createFedAvg().aggregate({
      roundId: 'r', task, config: plan.config, weights: Float32Array.from([1, 1, 1]), sum: Float64Array.from([100, -200, 0]), contributions: 4,
    });
    // mean update = sum·g/n = [0.25, -0.5, 0]; w + 0.5·mean
    expect(Array.from(out.weights)).toEqual([1.125, 0.75, 1]);
    expect(out.privacy).toBeNull();
  });
});
