/**
 * The device's MF training step on each tfjs backend available in Node (cpu, wasm), measured side by
 * side in one run, at the production task shape (server/tasks.ts: 3,496 items × dim 16, batch 32),
 * plus one whole federated round of local work (20 reconstruction + 20 joint steps, dense update,
 * privatization with the DP core's vector sum mechanism). Browser backends (WebGPU, WebGL) are
 * measured by test/e2e/backends.e2e.test.ts in Chromium.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TaskDescriptor } from '../core/protocol/aggregator.js';
import { contributionByteLength } from '../core/protocol/aggregator.js';
import { createMfModel, disposeMfModel, getGlobalParameters, trainLocal } from '../worker/models/mf.js';
import { mfParameterLength } from '../worker/models/mf-layout.js';
import { computeUpdate } from '../worker/models/update.js';
import { privatizeUpdate } from '../worker/federated/privatize.js';
import { NODE_BACKEND_LOADERS, tfjsEnvironment } from '../worker/training/tfjs-environment.js';

const shape = { nItems: 3496, dim: 16 };
const interactions = Array.from({ length: 40 }, (_, i) => ({ item: i * 80, weight: 1 + (i % 3) }));
const vectorLength = mfParameterLength(shape);
const task: TaskDescriptor = {
  task: 'mf-items', kind: 'fedavg', model: { name: 'mf-items', version: 1 }, roundId: 'bench', vectorLength,
  clipNorm: 1, granularity: 1e-4, localNoiseStddev: 10_000, localSteps: 20, learningRate: 0.05,
  deadline: new Date(Date.now() + 3_600_000).toISOString(), expectedBytes: contributionByteLength(vectorLength),
  minContributions: 1, maxContributions: 1, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const environment = tfjsEnvironment({ loaders: NODE_BACKEND_LOADERS });
const rows: string[] = [];
for (const backend of ['cpu', 'wasm'] as const) {
  if (!(await environment.activate(backend))) {
    rows.push(`| ${backend} | unavailable | | | |`);
    continue;
  }
  const model = createMfModel({ ...shape });
  await trainLocal(model, interactions, { steps: 3, learningRate: 0.05 }); // warm-up
  const steps: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    await trainLocal(model, interactions, { steps: 1, learningRate: 0.05 });
    steps.push(performance.now() - start);
  }
  disposeMfModel(model);
  const rounds: number[] = [];
  const privatize: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    const m = createMfModel({ ...shape });
    const before = await getGlobalParameters(m);
    await trainLocal(m, interactions, { steps: 20, reconstructionSteps: 20, learningRate: 0.05 });
    const update = computeUpdate(before, await getGlobalParameters(m));
    disposeMfModel(m);
    const p = performance.now();
    privatizeUpdate(update, task);
    privatize.push(performance.now() - p);
    rounds.push(performance.now() - start);
  }
  rows.push(`| ${backend} | ${median(steps).toFixed(2)} | ${median(rounds).toFixed(0)} | ${median(privatize).toFixed(0)} | ${tf.memory().numTensors} |`);
}

console.log(`MF ${shape.nItems} × ${shape.dim} (+ bias) = ${vectorLength} floats, batch 32, median of 30 steps / 5 rounds.\n`);
console.log('| backend | ms / training step | ms / round (40 steps + update + privatize) | of which privatize (ms) | live tensors after |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
