import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../../core/dp/random.js';
import { contributionByteLength, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { privacyCostOf, privatizeUpdate } from './privatize.js';
import { ledgerRound } from './round-number.js';

function task(localNoiseStddev: number): TaskDescriptor {
  return {
    task: 't', kind: 'fedavg', model: { name: 't', version: 1 }, roundId: 'r', vectorLength: 1000, clipNorm: 1, granularity: 1e-3,
    localNoiseStddev, localSteps: 1, learningRate: 0.1, deadline: '2099-01-01T00:00:00Z', expectedBytes: contributionByteLength(1000),
    minContributions: 1, maxContributions: 1, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 },
  };
}

describe('privatizeUpdate', () => {
  it('clips to the bound and returns the task’s length on its grid, with the cost known before training', () => {
    const update = new Float32Array(1000).fill(1); // norm √1000 ≈ 31.6, clipped to 1
    const random = createSeededRandomSourceForTestsOnly(5);
    const noiseless = privatizeUpdate(update, task(1e-9), random);
    expect(noiseless.values).toHaveLength(1000);
    // Clipped to norm 1 on a 1e-3 grid: each coordinate ≈ 1/√1000 / 1e-3 ≈ 31.6 grid units.
    let norm = 0;
    for (const v of noiseless.values) norm += (v * 1e-3) ** 2;
    expect(Math.sqrt(norm)).toBeGreaterThan(0.95);
    expect(Math.sqrt(norm)).toBeLessThan(1.05);
    const noisy = privatizeUpdate(update, task(2000), random);
    expect(noisy.rho).toBe(privacyCostOf(task(2000)));
    expect(noisy.epsilon).toBeGreaterThan(0);
    expect(() => privatizeUpdate(new Float32Array(10), task(2000), random)).toThrow(/vectorLength 1000/);
  });

  it('calls a release without local noise unaffordable (ρ = ∞)', () => {
    expect(privacyCostOf(task(0))).toBe(Infinity);
  });
});

describe('ledgerRound', () => {
  it('keeps decimal round ids and hashes others stably into safe integers', () => {
    expect(ledgerRound('42')).toBe(42);
    expect(ledgerRound('mf-items-r7')).toBe(ledgerRound('mf-items-r7'));
    expect(ledgerRound('mf-items-r7')).not.toBe(ledgerRound('mf-items-r8'));
    expect(Number.isSafeInteger(ledgerRound('a-very-long-round-identifier-0123456789'))).toBe(true);
  });
});
