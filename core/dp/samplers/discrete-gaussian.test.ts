import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { createDiscreteGaussianSampler, discreteGaussianVariance, sampleDiscreteGaussian } from './discrete-gaussian.js';

/** Exact variance of N_Z(0, σ²) by summation (it is slightly below σ² for small σ). */
function exactVariance(sigma: number): number {
  let z = 0;
  let m2 = 0;
  for (let k = -Math.ceil(40 * sigma + 40); k <= 40 * sigma + 40; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    z += w;
    m2 += k * k * w;
  }
  return m2 / z;
}

describe('discrete Gaussian sampler (CKS20 Algorithm 3)', () => {
  it('has mean 0 and the exact variance (40,000 seeded draws, tolerance 5 standard errors)', () => {
    const random = createSeededRandomSourceForTestsOnly(6);
    const n = 40_000;
    // σ = 1.1 has σ² = p²/2^102: the BigInt path. The others run on numbers.
    for (const sigma of [0.5, 1, 1.1, 10, 100]) {
      const variance = exactVariance(sigma);
      const sampler = createDiscreteGaussianSampler({ sigma }, random);
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const y = sampler.sample();
        sum += y;
        squares += y * y;
      }
      expect(Math.abs(sum / n)).toBeLessThan(5 * Math.sqrt(variance / n));
      // Var(y²) ≤ 3σ⁴ for a (sub-)Gaussian: tolerance 5·√(3/n)·variance... plus small-σ slack.
      expect(Math.abs(squares / n - variance)).toBeLessThan(5 * Math.sqrt(3 / n) * Math.max(variance, 0.25));
    }
  });

  it('accepts σ² as an exact rational', () => {
    expect(discreteGaussianVariance({ sigma: 10 })).toEqual({ numerator: 100n, denominator: 1n });
    expect(discreteGaussianVariance({ sigma: 1.5 })).toEqual({ numerator: 9n, denominator: 4n });
    expect(discreteGaussianVariance({ sigmaSquared: { numerator: 4n, denominator: 6n } })).toEqual({ numerator: 2n, denominator: 3n });
    const y = sampleDiscreteGaussian({ sigmaSquared: 2n }, createSeededRandomSourceForTestsOnly(1));
    expect(Number.isInteger(y)).toBe(true);
  });

  it('rejects σ outside (0, 2^32]', () => {
    expect(() => sampleDiscreteGaussian({ sigma: 0 })).toThrow(/^sigma must be a finite number > 0/);
    expect(() => sampleDiscreteGaussian({ sigma: -1 })).toThrow(/^sigma must be a number in \[0, 4294967296\]/);
    expect(() => sampleDiscreteGaussian({ sigma: Number.NaN })).toThrow(/^sigma must be/);
    expect(() => sampleDiscreteGaussian({ sigmaSquared: 0 })).toThrow(/^sigmaSquared must be > 0/);
  });
});
