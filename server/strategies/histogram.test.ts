import { describe, expect, it } from 'vitest';
import { createHistogram, projectedCounts } from './histogram.js';
import type { RoundConfig } from './strategy.js';
import type { TaskDefinition } from '../tasks.js';

const task: TaskDefinition = {
  task: 'hist', kind: 'histogram', model: { name: 'hist', tensors: [{ name: 'counts', shape: [3] }] }, init: { kind: 'zeros' },
  clipNorm: 1, granularity: 0.01, localNoiseMultiplier: 1, localSteps: 0, learningRate: 0, serverLearningRate: 1, labels: ['a', 'b', 'c'],
};

describe('histogram release', () => {
  it('releases the raw noised counts (decoded from the grid) and stores them unprojected', () => {
    const config: RoundConfig = {
      vectorLength: 3, clipNorm: 1, granularity: 0.01, localNoiseStddev: 50, centralNoiseStddev: 0,
      localSteps: 0, learningRate: 0, minContributions: 70, maxContributions: 70, deadline: 0,
    };
    const out = createHistogram().aggregate({ roundId: 'r', task, config, weights: new Float32Array(3), sum: Float64Array.of(4000, 3150, -200), contributions: 70 });
    expect(out.release?.values).toEqual([40, 31.5, -2]);
  });

  it('projects a release onto the non-negative counts of its contributions (one-hot devices: the truth adds up to n)', () => {
    expect(projectedCounts({ values: [40, 31.5, -2], contributions: 70 })).toEqual([39.25, 30.75, 0]);
    // Fewer devices than the noised values add up to: the excess comes off every kept bin alike.
    expect(projectedCounts({ values: [12, 9, 1], contributions: 19 })).toEqual([11, 8, 0]);
  });
});
