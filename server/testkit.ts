/**
 * Shared by the server's tests and the aggregator bench: a small configuration, small tasks,
 * and honest contributions made the way a device makes them (the DP core's vector mechanism).
 */
import { webcrypto } from 'node:crypto';
import { createVectorSumMechanism } from '../core/dp/mechanisms/vector-sum.js';
import { encodeContribution, newContributionId, type TaskDescriptor } from '../core/protocol/aggregator.js';
import type { AggregatorConfig } from './aggregator.js';
import type { TaskDefinition } from './tasks.js';

export const TEST_CONFIG: AggregatorConfig = {
  dbPath: ':memory:',
  allowedOrigins: ['https://shop.example'],
  minContributions: 2,
  maxContributions: 5,
  roundSeconds: 60,
  epsilonBudget: 8,
  delta: 1e-6,
  centralNoiseMultiplier: 1,
  adminToken: 'test-admin-token-0123456789',
  staticDir: null,
  crossOriginIsolation: false,
  durability: 'process',
  role: { kind: 'single' },
  plannedRounds: 5,
};

/** A FedAvg task of `length` floats (weights start at zero). */
export function fedavgTask(task: string, length: number, overrides: Partial<TaskDefinition> = {}): TaskDefinition {
  return {
    task,
    kind: 'fedavg',
    model: { name: task, tensors: [{ name: 'w', shape: [length] }] },
    init: { kind: 'zeros' },
    clipNorm: 1,
    granularity: 1e-3,
    localNoiseMultiplier: 1,
    localSteps: 1,
    learningRate: 0.1,
    serverLearningRate: 1,
    ...overrides,
  };
}

export function randomId(): Uint8Array {
  return newContributionId((bytes) => webcrypto.getRandomValues(bytes));
}

/** Grid values of an honest device: clip, quantise, add the task's local noise. */
export function honestValues(descriptor: TaskDescriptor, update: ArrayLike<number>): Int32Array {
  const mechanism = createVectorSumMechanism({
    dimension: descriptor.vectorLength,
    clipNorm: descriptor.clipNorm,
    granularity: descriptor.granularity,
    noiseStddev: descriptor.localNoiseStddev,
  });
  return mechanism.release(update).output;
}

/** A full contribution body for a descriptor. */
export function contributionBody(descriptor: TaskDescriptor, values: Int32Array, id: Uint8Array = randomId(), version = descriptor.model.version): Uint8Array<ArrayBuffer> {
  return encodeContribution({ id, modelVersion: version, values });
}
