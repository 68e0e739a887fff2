import { describe, expect, it } from 'vitest';
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';
import { gridSensitivity, normAllowance, roundRho, totalNoiseStddev } from './round-privacy.js';

describe('round privacy arithmetic', () => {
  it('takes the sensitivity from the device mechanism of the DP core', () => {
    const mechanism = createVectorSumMechanism({ dimension: 1000, clipNorm: 1, granularity: 1e-3, noiseStddev: 0 });
    expect(gridSensitivity(1, 1e-3, 1000)).toBe(mechanism.sensitivity);
    expect(gridSensitivity(1, 1e-3, 1000)).toBeGreaterThan(1000); // clip bound plus rounding slack
  });

  it('is ρ = Δ²/2σ_c² with central noise alone, and smaller as other devices add noise', () => {
    const base = { sensitivity: 100, localStddev: 0, centralStddev: 100, contributions: 10, vectorLength: 50 };
    expect(roundRho(base)).toBeCloseTo(0.5, 12);
    const withLocal = roundRho({ ...base, localStddev: 100 });
    // 9 other devices + central: σ² = 10·100², ρ = 100²/(2·10·100²) = 0.05 (the KLS21 slack is < 1e-30 here).
    expect(withLocal).toBeCloseTo(0.05, 12);
    expect(roundRho({ ...base, localStddev: 100, contributions: 100 })).toBeLessThan(withLocal);
    // The user's own noise is not credited: one contribution with local noise is central-only.
    expect(roundRho({ ...base, localStddev: 100, contributions: 1 })).toBeCloseTo(0.5, 12);
    expect(roundRho({ ...base, centralStddev: 0 })).toBe(Infinity);
  });

  it('never credits more than the central bound when local σ is tiny (the distributed slack dominates)', () => {
    const rho = roundRho({ sensitivity: 10, localStddev: 0.1, centralStddev: 10, contributions: 1000, vectorLength: 100_000 });
    expect(rho).toBeLessThanOrEqual(0.5);
    expect(rho).toBeGreaterThan(0.4); // σ_min = 0.1 makes τ·d huge, so the central bound is what holds
  });

  it('reports the error bar of a sum as √(n·σ_l² + σ_c²)', () => {
    expect(totalNoiseStddev({ sensitivity: 1, localStddev: 3, centralStddev: 4, contributions: 1, vectorLength: 1 })).toBe(5);
  });

  it('admits every honest contribution (the norm allowance holds for real device outputs)', () => {
    // 100 honest releases at the bound; the allowance’s false-reject rate is ≤ 1e-9 each, so the
    // chance this test fails spuriously is ≤ 1e-7.
    const dimension = 2000;
    const clipNorm = 1;
    const granularity = 1e-3;
    const sigma = gridSensitivity(clipNorm, granularity, dimension);
    const mechanism = createVectorSumMechanism({ dimension, clipNorm, granularity, noiseStddev: sigma });
    const allowance = normAllowance(clipNorm, granularity, sigma, dimension);
    const update = Array.from({ length: dimension }, (_, i) => (i % 2 === 0 ? 1 : -1));
    let largest = 0;
    for (let k = 0; k < 100; k++) {
      const { output } = mechanism.release(update);
      let squared = 0;
      for (const v of output) squared += v * v;
      largest = Math.max(largest, Math.sqrt(squared));
    }
    expect(largest).toBeLessThanOrEqual(allowance);
    // …and is not loose: honest norms are ≈ σ√(n+1) ≈ 0.89 × the allowance here (n = 2000); ≥ 0.8 always holds.
    expect(largest).toBeGreaterThan(0.8 * allowance);
  });
});
