/**
 * Test fixtures shared by the federated tests that run the real aggregator in process.
 */
import type { TaskDefinition } from '../../server/tasks.js';
import { mfTensorSpecs } from '../models/mf-layout.js';

/**
 * A small `mf-items` task: σ = 4Δ locally (ρ = 1/32 per contribution, far inside the default
 * ledger budget), item embeddings initialised from a seeded normal.
 */
export function smallMfTask(shape: { readonly nItems: number; readonly dim: number }, overrides: Partial<TaskDefinition> = {}): TaskDefinition {
  return {
    task: 'mf-items',
    kind: 'fedavg',
    model: { name: 'mf-items', tensors: mfTensorSpecs(shape) },
    init: { kind: 'normal', stddev: 0.1, seed: 7, tensors: ['item_embeddings'] },
    clipNorm: 1,
    granularity: 1e-4,
    localNoiseMultiplier: 4,
    localSteps: 10,
    learningRate: 0.1,
    serverLearningRate: 1,
    ...overrides,
  };
}
