import { describe, expect, it } from 'vitest';
import { distributedGaussianRho, distributedGaussianSigmaFor } from './distributed-gaussian.js';

describe('distributed discrete Gaussian (KLS21 Prop. 14)', () => {
  it('never credits a device its own noise: n devices cost what one Gaussian of (n−1)σ² would', () => {
    const rho = distributedGaussianRho({ sensitivity: 100, sigma: 10, contributions: 101, dimension: 1000 });
    expect(rho).toBeCloseTo(100 ** 2 / (2 * 100 * 10 ** 2), 12);
  });

  it('gives no guarantee with one contribution or σ below 1/2', () => {
    expect(distributedGaussianRho({ sensitivity: 1, sigma: 10, contributions: 1, dimension: 1 })).toBe(Infinity);
    expect(distributedGaussianRho({ sensitivity: 1, sigma: 0.4, contributions: 10, dimension: 1 })).toBe(Infinity);
  });

  it('the τ·d slack counts for small σ', () => {
    const rho = distributedGaussianRho({ sensitivity: 4, sigma: 0.6, contributions: 1000, dimension: 10_000 });
    expect(rho).toBeGreaterThan(4 ** 2 / (2 * 999 * 0.36) * 10);
  });

  it('σ for a target ρ reaches it within 1e−9', () => {
    const sigma = distributedGaussianSigmaFor(0.2, 10_050, 100, 43_996);
    const rho = distributedGaussianRho({ sensitivity: 10_050, sigma, contributions: 100, dimension: 43_996 });
    expect(rho).toBeLessThanOrEqual(0.2 * (1 + 1e-9));
    expect(rho).toBeGreaterThan(0.2 * 0.999);
    expect(() => distributedGaussianSigmaFor(0.2, 1, 1, 1)).toThrow(/contributions must be an integer ≥ 2/);
  });
});
