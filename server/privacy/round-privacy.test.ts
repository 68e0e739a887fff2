import { describe, expect, it } from 'vitest';
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';
import { gridSensitivity, normAllowance, roundRho, totalNoiseStddev } from './round-privacy.js';

describe('round privacy arithmetic', () => {
  it('takes the sensitivity from the device mechanism of the DP core', () => {
    const mechanism = createVectorSumMechanism({ dimension: 1000, clipNorm: 1, granularity: 1e-3, noiseStddev: 0 });
    expect(gridSensitivity(1, 1e-3, 1000)).toBe(mechanism.sensitivity);
    expect(gridSensitivity(1, 1e-3, 1000)).toBeGreaterThan(1000); // clip bound plus rounding slack
  });

  it('is ρ = Δ²/2σ_c² with central noise alone, or the other devices’ noise bound when smaller', () => {
    const base = { sensitivity: 100, localStddev: 0, centralStddev: 100, contributions: 10, vectorLength: 50 };
    expect(roundRho(base)).toBeCloseTo(0.5, 12);
    // 9 other devices: ρ = Δ²/(2·9·σ_l²) = 1/18 (the KLS21 slack τ·d is < 1e-300 at σ_l = 100).
    const withLocal = roundRho({ ...base, localStddev: 100 });
    expect(withLocal).toBeCloseTo(1 / 18, 12);
    expect(roundRho({ ...base, localStddev: 100, contributions: 100 })).toBeCloseTo(1 / 198, 12);
    // The user's own noise is not credited: one contribution with local noise is central-only.
    expect(roundRho({ ...base, localStddev: 100, contributions: 1 })).toBeCloseTo(0.5, 12);
    expect(roundRho({ ...base, centralStddev: 0 })).toBe(Infinity);
    expect(roundRho({ ...base, centralStddev: 0, localStddev: 100 })).toBeCloseTo(1 / 18, 12);
  });

  it('never credits more than the central bound when local σ is tiny', () => {
    // σ_l = 0.6: τ·d is large, so the central bound is what holds; σ_l < 1/2 is outside KLS21.
    expect(roundRho({ sensitivity: 10, localStddev: 0.6, centralStddev: 10, contributions: 1000, vectorLength: 100_000 })).toBe(0.5);
    expect(roundRho({ sensitivity: 10, localStddev: 0.4, centralStddev: 10, contributions: 1000, vectorLength: 10 })).toBe(0.5);
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
