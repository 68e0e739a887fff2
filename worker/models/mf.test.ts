import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { bprLoss, createMfModel, disposeMfModel, getGlobalParameters, getUserEmbedding, pairDifferenceMatrix, trainLocal } from './mf.js';
import { mfParameterLength } from './mf-layout.js';
import { computeUpdate } from './update.js';
import { scoreAll, topK } from './mf-score.js';
import type { Interaction } from './feedback.js';

/** A small deterministic generator (training randomness is not privacy noise). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const nItems = 40;
const dim = 4;
/** The visitor consumed items 0..7 (cluster A); 8..39 were never touched. */
const visitor: Interaction[] = Array.from({ length: 8 }, (_, item) => ({ item, weight: 1 + (item % 3) }));

describe('trainLocal', () => {
  it('lowers the weighted BPR loss on a small synthetic set and ranks the visitor’s cluster first', async () => {
    const model = createMfModel({ nItems, dim, random: lcg(1) });
    const random = lcg(2);
    const before = await trainLocal(model, visitor, { steps: 1, learningRate: 0.5, batchSize: 64, random: lcg(3) });
    await trainLocal(model, visitor, { steps: 150, learningRate: 0.5, batchSize: 64, random });
    const after = await trainLocal(model, visitor, { steps: 1, learningRate: 0.5, batchSize: 64, random: lcg(3) });
    expect(after.lastLoss).toBeLessThan(before.firstLoss * 0.5);
    const scores = scoreAll(await getUserEmbedding(model), await getGlobalParameters(model), model);
    const top = topK(scores, 8);
    expect(top.filter((row) => row < 8).length).toBeGreaterThanOrEqual(7);
    disposeMfModel(model);
  });

  it('reconstruction steps move only the user embedding', async () => {
    const model = createMfModel({ nItems, dim, random: lcg(4) });
    const globalBefore = await getGlobalParameters(model);
    const userBefore = await getUserEmbedding(model);
    const result = await trainLocal(model, visitor, { steps: 0, reconstructionSteps: 10, learningRate: 0.5, random: lcg(5) });
    expect(result.steps).toBe(10);
    expect(await getGlobalParameters(model)).toEqual(globalBefore);
    expect(await getUserEmbedding(model)).not.toEqual(userBefore);
    disposeMfModel(model);
  });

  it('does nothing for a visitor without positives', async () => {
    const model = createMfModel({ nItems, dim, random: lcg(6) });
    expect((await trainLocal(model, [], { steps: 5, learningRate: 0.1 })).steps).toBe(0);
    disposeMfModel(model);
  });

  it('rejects bad options and interactions, naming the field', async () => {
    const model = createMfModel({ nItems, dim, random: lcg(7) });
    await expect(trainLocal(model, visitor, { steps: -1, learningRate: 0.1 })).rejects.toThrow(/steps/);
    await expect(trainLocal(model, visitor, { steps: 1, learningRate: 0 })).rejects.toThrow(/learningRate/);
    await expect(trainLocal(model, [{ item: nItems, weight: 1 }], { steps: 1, learningRate: 0.1 })).rejects.toThrow(/item/);
    await expect(trainLocal(model, [{ item: 1, weight: 1 }, { item: 1, weight: 2 }], { steps: 1, learningRate: 0.1 })).rejects.toThrow(/distinct/);
    disposeMfModel(model);
  });
});

describe('bprLoss gradient', () => {
  it('matches central finite differences of the loss', async () => {
    const model = createMfModel({ nItems: 6, dim: 3, random: lcg(8) });
    const batch = { positives: Int32Array.from([0, 1, 0]), negatives: Int32Array.from([3, 4, 5]), weights: Float32Array.from([1, 2, 0.5]) };
    const l2 = 0.05;
    const pairs = pairDifferenceMatrix(batch, 6);
    const weights = tf.tensor2d(batch.weights, [3, 1]);
    const { grads } = tf.variableGrads(() => bprLoss(model, pairs, weights, l2), [model.itemEmbeddings, model.itemBias, model.userEmbedding]);
    const h = 1e-2;
    for (const variable of [model.itemEmbeddings, model.itemBias, model.userEmbedding]) {
      const analytic = grads[variable.name]!.dataSync();
      const values = Float32Array.from(variable.dataSync());
      for (let i = 0; i < values.length; i++) {
        const at = (delta: number): number => {
          const shifted = Float32Array.from(values);
          shifted[i] = values[i]! + delta;
          variable.assign(tf.tensor(shifted, variable.shape));
          return bprLoss(model, pairs, weights, l2).dataSync()[0]!;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        variable.assign(tf.tensor(values, variable.shape));
        // float32 central differences with h = 1e-2: error ≈ 1e-4 relative, so 2e-3 absolute is generous.
        expect(Math.abs(analytic[i]! - numeric)).toBeLessThan(2e-3);
      }
    }
    tf.dispose([pairs, weights, ...Object.values(grads)]);
    disposeMfModel(model);
  });
});

describe('dense update', () => {
  it('has the layout’s fixed length whatever the visitor touched', async () => {
    const lengths = await Promise.all([1, 3, 8].map(async (touched) => {
      const model = createMfModel({ nItems, dim, random: lcg(9) });
      const before = await getGlobalParameters(model);
      await trainLocal(model, visitor.slice(0, touched), { steps: 5, learningRate: 0.1, random: lcg(10) });
      const update = computeUpdate(before, await getGlobalParameters(model));
      disposeMfModel(model);
      return update.length;
    }));
    expect(new Set(lengths)).toEqual(new Set([mfParameterLength({ nItems, dim })]));
  });
});

describe('tensor hygiene', () => {
  it('holds the same number of tensors after 100 training rounds as after 1', async () => {
    const round = async (): Promise<void> => {
      const model = createMfModel({ nItems, dim, random: lcg(11) });
      const before = await getGlobalParameters(model);
      await trainLocal(model, visitor, { steps: 3, reconstructionSteps: 2, learningRate: 0.1, random: lcg(12) });
      computeUpdate(before, await getGlobalParameters(model));
      disposeMfModel(model);
    };
    await round();
    const afterOne = tf.memory().numTensors;
    for (let i = 0; i < 99; i++) await round();
    expect(tf.memory().numTensors).toBe(afterOne);
  });
});

describe('backend agnosticism', () => {
  it('trains to the same parameters on cpu and wasm from the same seed', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const runOn = async (backend: string): Promise<Float32Array> => {
      expect(await tf.setBackend(backend)).toBe(true);
      const model = createMfModel({ nItems, dim, random: lcg(13) });
      await trainLocal(model, visitor, { steps: 10, reconstructionSteps: 5, learningRate: 0.2, random: lcg(14) });
      const after = await getGlobalParameters(model);
      disposeMfModel(model);
      return after;
    };
    const cpu = await runOn('cpu');
    const wasm = await runOn('wasm');
    await tf.setBackend('cpu');
    let maxDiff = 0;
    for (let i = 0; i < cpu.length; i++) maxDiff = Math.max(maxDiff, Math.abs(cpu[i]! - wasm[i]!));
    // Both compute in float32; summation order differs, so agreement is to float32 rounding, not bits.
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
