/**
 * Initial global weights (version 1) of a task's model, deterministic from the task's seed so
 * every fresh server publishes the same version 1. This is model INITIALISATION, not privacy
 * noise: the seeded generator below must never be used for anything that protects privacy
 * (that randomness comes only from core/dp/random.ts).
 */
import { modelParameterCount } from '../../core/protocol/aggregator.js';
import { initialNextEventWeights } from '../../core/models/next-event.js';
import { categoryFactors } from '../../core/models/category-factors.js';
import type { TaskDefinition } from '../tasks.js';

export function initialWeights(task: TaskDefinition): Float32Array {
  const weights = new Float32Array(modelParameterCount(task.model.tensors));
  const init = task.init;
  switch (init.kind) {
    case 'zeros':
      return weights;
    case 'constant':
      forEachTensor(task, (tensor, offset, size) => {
        const value = init.values[tensor.name];
        if (value !== undefined) weights.fill(value, offset, offset + size);
      });
      return weights;
    case 'normal': {
      const next = splitMix32(init.seed);
      forEachTensor(task, (tensor, offset, size) => {
        if (init.tensors.includes(tensor.name)) for (let i = 0; i < size; i++) weights[offset + i] = init.stddev * standardNormal(next);
      });
      return weights;
    }
    case 'next-event': {
      // The model's own initialisation (Glorot-scaled weights, β on the decays), as the simulator uses it.
      const [embedding, , recurrent] = task.model.tensors;
      const shape = { categories: embedding?.shape[0] ?? 0, embed: embedding?.shape[1] ?? 0, hidden: recurrent?.shape[0] ?? 0 };
      const initial = initialNextEventWeights(shape, splitMix32(init.seed));
      if (initial.length !== weights.length) throw new RangeError(`task ${task.task}: a next-event init needs the next-event tensors (core/models/next-event.ts)`);
      return initial;
    }
    case 'categories':
      forEachTensor(task, (tensor, offset) => {
        if (tensor.name !== init.tensor) return;
        const [items, dim] = tensor.shape;
        if (tensor.shape.length !== 2 || items !== init.categories.length) throw new RangeError(`task ${task.task}: a categories init needs a [${init.categories.length}, dim] tensor ${init.tensor}; got [${tensor.shape.join(', ')}]`);
        weights.set(categoryFactors(init.categories, { dim: dim!, norm: init.norm, seed: init.seed }), offset);
      });
      return weights;
    default: {
      const unreachable: never = init;
      throw new RangeError(`unknown init ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Calls `fn` for each of the task's tensors, in layout order, with its offset and size in the flat weights. */
function forEachTensor(task: TaskDefinition, fn: (tensor: TaskDefinition['model']['tensors'][number], offset: number, size: number) => void): void {
  let offset = 0;
  for (const tensor of task.model.tensors) {
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    fn(tensor, offset, size);
    offset += size;
  }
}

/** A small seeded uniform generator on [0, 1) (SplitMix32-style mixing). Init only. */
function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** Box–Muller; u1 is kept away from 0 so the log is finite. */
function standardNormal(next: () => number): number {
  const u1 = Math.max(next(), 1e-12);
  const u2 = next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
