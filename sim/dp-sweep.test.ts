import { describe, expect, it } from 'vitest';
import { zcdpToEpsilon } from '../core/dp/accountant/zcdp.js';
import { roundRho } from '../server/privacy/round-privacy.js';
import { averagedNoiseNorm, sweepPoint } from './dp-sweep.js';

const run = { rounds: 5, perRound: 50, clients: 200, delta: 1e-6, serverCentralNoise: 1 };

describe('sweepPoint', () => {
  it('local: c = ⌈R·P/N⌉ contributions of ρ = 1/(2m²) each spend exactly the budget', () => {
    const point = sweepPoint('local', 8, run);
    const perDevice = Math.ceil((5 * 50) / 200);
    expect(perDevice / (2 * point.localNoiseMultiplier ** 2)).toBeCloseTo(point.rho, 9);
    expect(point.deviceRhoBudget).toBeGreaterThanOrEqual(point.rho);
  });

  it("distributed: the server's own round accounting over R rounds reaches the target ε", () => {
    for (const epsilon of [1, 4, 8]) {
      const point = sweepPoint('distributed', epsilon, run);
      const sensitivity = 10_000; // Δ in grid units for C = 1, g = 1e-4 (the exact value cancels out)
      const rho = roundRho({
        sensitivity,
        localStddev: point.localNoiseMultiplier * sensitivity,
        centralStddev: point.centralNoiseMultiplier * sensitivity,
        contributions: run.perRound,
        vectorLength: 43_996,
      });
      expect(zcdpToEpsilon(run.rounds * rho, 1e-6).epsilon).toBeCloseTo(epsilon, 4);
      expect(zcdpToEpsilon(run.rounds * rho, 1e-6).epsilon).toBeLessThanOrEqual(point.serverEpsilonBudget);
    }
  });

  it('needs two contributions per round for the distributed bound', () => {
    expect(() => sweepPoint('distributed', 8, { ...run, perRound: 1 })).toThrow(/perRound ≥ 2/);
  });
});

describe('averagedNoiseNorm', () => {
  it('is σ·√(d/n) for local noise alone', () => {
    expect(averagedNoiseNorm({ localNoiseMultiplier: 1, centralNoiseMultiplier: 0 }, 100, 40_000, 1)).toBeCloseTo(20, 9);
  });
});
