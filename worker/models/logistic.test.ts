import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainLogistic, type LabelledExample } from './logistic.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Label 1 exactly when feature 1 exceeds 0.5: separable, so the loss must fall steadily. */
function examples(count: number): LabelledExample[] {
  return Array.from({ length: count }, (_, i) => {
    const signal = (i % 10) / 10;
    return { x: Float32Array.from([1, signal, (i % 3) / 3]), y: signal > 0.5 ? 1 : 0 };
  });
}

describe('trainLogistic', () => {
  it('lowers the log-loss and learns the sign of the informative weight', async () => {
    const result = await trainLogistic(new Float32Array(3), examples(50), { steps: 200, learningRate: 1 });
    expect(result.lastLoss).toBeLessThan(result.firstLoss * 0.8);
    expect(result.weights[1]!).toBeGreaterThan(1);
  });

  it('leaks no tensors and validates its inputs', async () => {
    await trainLogistic(new Float32Array(3), examples(10), { steps: 2, learningRate: 0.1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await trainLogistic(new Float32Array(3), examples(10), { steps: 2, learningRate: 0.1 });
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainLogistic(new Float32Array(2), examples(1), { steps: 1, learningRate: 0.1 })).rejects.toThrow(/features/);
  });
});
