import { describe, expect, it } from 'vitest';
import { contributionByteLength, type ModelBlob, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { initialNextEventWeights, nextEventLayout, nextEventTensors } from '../../core/models/next-event.js';
import type { NextEventModel } from '../features/next-event-prediction.js';
import type { SequenceEntry } from '../features/sequence.js';
import { createNextEventTaskHandler } from './next-event-task.js';

const labels = ['Drama', 'Sci-Fi', 'Comedy'];
const shape = { categories: 3, embed: 4, hidden: 6 };
const size = nextEventLayout(shape).size;

function blob(version = 2, tensors = nextEventTensors(shape)): ModelBlob {
  let seed = 7;
  const data = initialNextEventWeights(shape, () => ((seed = (seed * 48271) % 2147483647) / 2147483647));
  return { header: { name: 'next-event', version, tensors, dtype: 'float32' }, data };
}

function task(overrides: Partial<TaskDescriptor> = {}): TaskDescriptor {
  return {
    task: 'next-event', kind: 'fedavg', model: { name: 'next-event', version: 2 }, roundId: 'r1', vectorLength: size, clipNorm: 1, granularity: 1e-4,
    localNoiseStddev: 0, localSteps: 1, learningRate: 1, deadline: '2099-01-01T00:00:00Z', expectedBytes: contributionByteLength(size),
    minContributions: 1, maxContributions: 10, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 }, labels, ...overrides,
  };
}

const T0 = Date.UTC(2026, 11, 1);
const steps: SequenceEntry[] = Array.from({ length: 20 }, (_, i) => ({ categories: [i % 2 === 0 ? 'Drama' : 'Sci-Fi/Space'], action: 'view', at: T0 + i * 60_000 }));

describe('next-event task handler', () => {
  it('adopts the global model and sends a dense delta of its size', async () => {
    const adopted: NextEventModel[] = [];
    const handler = createNextEventTaskHandler({ sequence: async () => steps, adopt: async (m) => void adopted.push(m) });
    const outcome = await handler.train(task(), blob());
    if (outcome.kind !== 'update') throw new Error('expected an update');
    expect(outcome.update).toHaveLength(size);
    expect(outcome.update.some((v) => v !== 0)).toBe(true);
    expect(adopted.map((m) => [m.version, m.vocabulary])).toEqual([[2, labels]]);
  });

  it('has nothing to send with fewer than two known steps, yet still adopts the model', async () => {
    const adopted: NextEventModel[] = [];
    const unknown: SequenceEntry[] = [{ categories: ['Opera'], action: 'view', at: T0 }, { categories: ['Drama'], action: 'view', at: T0 + 1 }];
    const handler = createNextEventTaskHandler({ sequence: async () => unknown, adopt: async (m) => void adopted.push(m) });
    expect(await handler.train(task(), blob())).toEqual({ kind: 'no-data' });
    expect(adopted).toHaveLength(1);
  });

  it('refuses a model whose tensors or labels do not fit, naming them', async () => {
    const handler = createNextEventTaskHandler({ sequence: async () => steps, adopt: async () => undefined });
    const wrong = nextEventTensors(shape).map((t, i) => (i === 5 ? { ...t, name: 'bias' } : t));
    await expect(handler.train(task(), blob(2, wrong))).rejects.toThrow(/tensors must be category_embedding\[3×4\]/);
    await expect(handler.train(task({ labels: ['Drama'] }), blob())).rejects.toThrow(/labels must name its 3 categories; got 1/);
  });
});
