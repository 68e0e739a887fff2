import { describe, expect, it } from 'vitest';
import { RdpAccountant } from './accountant/rdp-accountant.js';
import { zcdpToEpsilon } from './accountant/zcdp.js';
import { discreteGaussianSigmaFor, gaussianNoiseMultiplierFor, pureEpsilonFor, zcdpRhoFor } from './calibrate.js';

/** "Slightly less noise": 1e−4 relative, a hundred times the bisection tolerance. */
const SLIGHTLY = 1e-4;

function gaussianEpsilon(noiseMultiplier: number, rounds: number, samplingProbability: number, delta: number): number {
  const event =
    samplingProbability === 1
      ? ({ kind: 'gaussian', noiseMultiplier } as const)
      : ({ kind: 'poissonSampledGaussian', samplingProbability, noiseMultiplier } as const);
  return new RdpAccountant().compose(event, rounds).epsilon(delta).epsilon;
}

describe('gaussianNoiseMultiplierFor', () => {
  it.each([
    [1, 1e-6, 1, 1],
    [0.3, 1e-5, 1, 1],
    [8, 1e-5, 100, 1],
    [1, 1e-6, 1000, 0.01],
    [3, 1e-8, 500, 0.05],
  ])('ε = %d, δ = %d, %d rounds at q = %d: meets the target, slightly less noise does not', (epsilon, delta, rounds, q) => {
    const sigma = gaussianNoiseMultiplierFor({ epsilon, delta, rounds, samplingProbability: q });
    expect(gaussianEpsilon(sigma, rounds, q, delta)).toBeLessThanOrEqual(epsilon);
    expect(gaussianEpsilon(sigma * (1 - SLIGHTLY), rounds, q, delta)).toBeGreaterThan(epsilon);
  });

  it('needs less noise than the classic √(2 ln(1.25/δ))/ε where that formula is valid (ε < 1)', () => {
    for (const epsilon of [0.1, 0.5, 0.9]) {
      const classic = Math.sqrt(2 * Math.log(1.25 / 1e-6)) / epsilon;
      expect(gaussianNoiseMultiplierFor({ epsilon, delta: 1e-6, rounds: 1 })).toBeLessThan(classic);
    }
  });

  it('more rounds need more noise; sampling needs less', () => {
    const base = gaussianNoiseMultiplierFor({ epsilon: 2, delta: 1e-6, rounds: 10 });
    expect(gaussianNoiseMultiplierFor({ epsilon: 2, delta: 1e-6, rounds: 20 })).toBeGreaterThan(base);
    expect(gaussianNoiseMultiplierFor({ epsilon: 2, delta: 1e-6, rounds: 10, samplingProbability: 0.1 })).toBeLessThan(base);
  });

  it('validates its target', () => {
    expect(() => gaussianNoiseMultiplierFor({ epsilon: 0, delta: 1e-6, rounds: 1 })).toThrow(/epsilon/);
    expect(() => gaussianNoiseMultiplierFor({ epsilon: 1, delta: 0, rounds: 1 })).toThrow(/delta/);
    expect(() => gaussianNoiseMultiplierFor({ epsilon: 1, delta: 1e-6, rounds: 0 })).toThrow(/rounds/);
    expect(() => gaussianNoiseMultiplierFor({ epsilon: 1, delta: 1e-6, rounds: 1, samplingProbability: 2 })).toThrow(/samplingProbability/);
  });
});

describe('zcdpRhoFor and discreteGaussianSigmaFor', () => {
  it.each([
    [0.5, 1e-6],
    [1, 1e-6],
    [4, 1e-9],
    [10, 1e-5],
  ])('ε = %d, δ = %d: the ρ found fits and slightly more does not', (epsilon, delta) => {
    const rho = zcdpRhoFor({ epsilon, delta });
    expect(zcdpToEpsilon(rho, delta).epsilon).toBeLessThanOrEqual(epsilon);
    expect(zcdpToEpsilon(rho * (1 + SLIGHTLY), delta).epsilon).toBeGreaterThan(epsilon);
  });

  it.each([
    [1, 1e-6, 1, 1],
    [2, 1e-6, 3.5, 10],
    [0.5, 1e-9, 20, 4],
  ])('ε = %d, δ = %d, Δ = %d, %d releases: σ meets the target, slightly smaller σ does not', (epsilon, delta, sensitivity, compositions) => {
    const sigma = discreteGaussianSigmaFor({ epsilon, delta, sensitivity, compositions });
    const rhoAt = (s: number): number => (compositions * sensitivity ** 2) / (2 * s * s);
    expect(zcdpToEpsilon(rhoAt(sigma), delta).epsilon).toBeLessThanOrEqual(epsilon);
    expect(zcdpToEpsilon(rhoAt(sigma * (1 - SLIGHTLY)), delta).epsilon).toBeGreaterThan(epsilon);
  });

  it('validates sensitivity and compositions', () => {
    expect(() => discreteGaussianSigmaFor({ epsilon: 1, delta: 1e-6, sensitivity: 0, compositions: 1 })).toThrow(/sensitivity/);
    expect(() => discreteGaussianSigmaFor({ epsilon: 1, delta: 1e-6, sensitivity: 1, compositions: 0 })).toThrow(/compositions/);
  });
});

describe('pureEpsilonFor', () => {
  it('is basic composition with δ = 0 and never worse than it with δ > 0', () => {
    expect(pureEpsilonFor({ epsilon: 1, delta: 0, compositions: 4 })).toBe(0.25);
    expect(pureEpsilonFor({ epsilon: 1, delta: 1e-6, compositions: 2 })).toBeGreaterThanOrEqual(0.5);
  });

  it('with δ > 0 and many compositions, each may spend more than ε/n, and slightly more breaks it', () => {
    const compositions = 100;
    const epsilon0 = pureEpsilonFor({ epsilon: 1, delta: 1e-6, compositions });
    expect(epsilon0).toBeGreaterThan(1 / compositions);
    const total = (e0: number): number =>
      new RdpAccountant().compose({ kind: 'pureDp', epsilon: e0 }, compositions).epsilon(1e-6).epsilon;
    expect(total(epsilon0)).toBeLessThanOrEqual(1);
    expect(total(epsilon0 * (1 + SLIGHTLY))).toBeGreaterThan(1);
  });
});
