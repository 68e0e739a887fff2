import { describe, expect, it } from 'vitest';
import { poissonSampledGaussianRdp } from './subsampled-gaussian.js';

describe('Poisson-subsampled Gaussian: log A_α against numerical integration', () => {
  // (q, σ, α) are the parameters of dp_accounting's test_compute_log_a_equals_mp (plus two
  // fractional orders of our own). The reference log A_α was computed independently, by
  // mpmath.quad of N(0, σ²)-expectation of ((1 − q) + q·e^{(2z−1)/2σ²})^α at 50 digits,
  // not by the series under test. dp_accounting accepts rtol 1e−4; we hold 1e−6.
  const reference: ReadonlyArray<readonly [number, number, number, number]> = [
    [1e-7, 0.1, 1.01, 4.0034123225263381e-8],
    [1e-6, 0.1, 256, 3260463.2292971602],
    [1e-5, 0.1, 256.1, 3263607.0397884208],
    [1e-6, 1, 27, 8.7695113048484979e-10],
    [1e-4, 1, 1.5, 6.4426869538366497e-9],
    [1e-3, 1, 2, 1.7182803522145154e-6],
    [0.01, 10, 20, 0.00019129699912842963],
    [0.1, 100, 20.5, 0.00019991818458068296],
    [0.99, 0.1, 256, 3263997.4271140206],
    [0.999, 100, 256.1, 3.2601080379731127],
    [0.05, 0.8, 3.7, 0.10126411321255179],
    [0.2, 2, 7.5, 0.38053303451162312],
  ];
  it.each(reference)('q = %d, σ = %d, α = %d', (q, sigma, alpha, logA) => {
    const computed = poissonSampledGaussianRdp(q, sigma, alpha) * (alpha - 1);
    expect(Math.abs(computed - logA) / logA).toBeLessThan(1e-6);
  });

  it('has the closed forms at the edges', () => {
    expect(poissonSampledGaussianRdp(0, 1, 5)).toBe(0);
    expect(poissonSampledGaussianRdp(0.3, 0, 5)).toBe(Infinity);
    expect(poissonSampledGaussianRdp(0.3, 1, Infinity)).toBe(Infinity);
    expect(poissonSampledGaussianRdp(1, 2, 3)).toBe(3 / 8);
    expect(poissonSampledGaussianRdp(0.3, 2, 1)).toBeCloseTo(0.3 / 8, 15);
  });
});
