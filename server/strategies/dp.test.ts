import { describe, expect, it } from 'vitest';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import { PreparedDiscreteGaussianNoise } from '../privacy/central-noise.js';
import { gridSensitivity } from '../privacy/round-privacy.js';
import { fedavgTask } from '../testkit.js';
import { withCentralDp } from './dp.js';
import { createFedAvg } from './fedavg.js';
import type { AggregateInput, ConfigureContext, RoundSettings, Strategy } from './strategy.js';

const settings: RoundSettings = { minContributions: 10, maxContributions: 100, roundMs: 1000, epsilonBudget: 8, delta: 1e-6 };

function context(task = fedavgTask('t', 20_000), rhoSpent = 0): ConfigureContext {
  return { task, settings, modelVersion: 1, now: 0, rhoSpent, dependency: null };
}

/** An inner strategy that records the sum it is given. */
function recorder(): { strategy: Strategy; seen: Float64Array[] } {
  const seen: Float64Array[] = [];
  const fedavg = createFedAvg();
  return {
    seen,
    strategy: {
      configure: (c) => fedavg.configure(c),
      aggregate: (input) => {
        seen.push(input.sum);
        return fedavg.aggregate(input);
      },
    },
  };
}

describe('central DP wrapper', () => {
  it('adds discrete Gaussian noise of σ_c = z·Δ to each coordinate of the sum, fresh per round', () => {
    const { strategy: inner, seen } = recorder();
    const dp = withCentralDp(inner, { noiseMultiplier: 0.5, noise: new PreparedDiscreteGaussianNoise() });
    const plan = dp.configure(context());
    if (plan.kind !== 'open') throw new Error('expected an open round');
    const { config } = plan;
    expect(config.centralNoiseStddev).toBeCloseTo(0.5 * gridSensitivity(1, 1e-3, 20_000), 9);
    const input: AggregateInput = { roundId: 'r', task: fedavgTask('t', 20_000), config, weights: new Float32Array(20_000), sum: new Float64Array(20_000), contributions: 10 };
    const out = dp.aggregate(input);
    dp.aggregate({ ...input, roundId: 'r2' });
    const noise = seen[0]!;
    // Sample variance over n = 20,000 coordinates has relative sd √(2/n) = 1 %; a 6 % tolerance is
    // 6 sd (false failure < 2e-9). The mean's sd is σ/√n; 6 sd tolerance likewise.
    const n = noise.length;
    const mean = noise.reduce((a, b) => a + b, 0) / n;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const sigma = config.centralNoiseStddev;
    expect(Math.abs(mean)).toBeLessThan((6 * sigma) / Math.sqrt(n));
    expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThan(0.06);
    expect(noise.every(Number.isInteger)).toBe(true);
    expect(seen[1]!.some((v, i) => v !== noise[i])).toBe(true); // never the same noise twice
    expect(input.sum.every((v) => v === 0)).toBe(true); // the caller's sum is not modified
    // ρ: the better of the central bound and the 9 other devices' local-noise bound.
    const delta = gridSensitivity(1, 1e-3, 20_000);
    expect(out.privacy?.rho).toBeCloseTo(Math.min(delta ** 2 / (2 * sigma ** 2), delta ** 2 / (2 * 9 * config.localNoiseStddev ** 2)), 9);
  });

  it('stops the task when one more worst-case round could pass the ε budget', () => {
    const dp = withCentralDp(createFedAvg(), { noiseMultiplier: 1, noise: new PreparedDiscreteGaussianNoise() });
    const open = dp.configure(context());
    expect(open.kind).toBe('open');
    // A task that already spent nearly its whole budget.
    let rho = 0;
    while (zcdpToEpsilon(rho + 0.01, 1e-6).epsilon <= 8) rho += 0.01;
    const stop = dp.configure(context(fedavgTask('t', 20_000), rho));
    expect(stop.kind).toBe('stop');
    if (stop.kind === 'stop') expect(stop.message).toMatch(/ε = .* of 8/);
  });

  it('refuses a non-positive noise multiplier', () => {
    expect(() => withCentralDp(createFedAvg(), { noiseMultiplier: 0, noise: new PreparedDiscreteGaussianNoise() })).toThrow(/noiseMultiplier/);
  });
});
