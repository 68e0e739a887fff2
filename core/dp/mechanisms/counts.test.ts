import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { createCountMechanism, createHistogramMechanism } from './counts.js';

describe('count and histogram mechanisms', () => {
  it('discrete Laplace reports pure ε and the L1 sensitivity L0·L∞', () => {
    const histogram = createHistogramMechanism(
      { bins: 4, noise: { kind: 'discreteLaplace', epsilon: 0.5 }, maxContributedBins: 2, maxContributionPerBin: 3 },
      createSeededRandomSourceForTestsOnly(1),
    );
    expect(histogram.l1Sensitivity).toBe(6);
    expect(histogram.l2Sensitivity).toBeCloseTo(3 * Math.SQRT2, 12);
    const { output, event } = histogram.release([5, 0, 7, 100]);
    expect(event).toEqual({ kind: 'pureDp', epsilon: 0.5 });
    expect(output).toHaveLength(4);
    expect(output.every((v) => Number.isInteger(v))).toBe(true);
  });

  it('discrete Gaussian reports ρ = Δ₂²/2σ² (rounded up, never down)', () => {
    const count = createCountMechanism({ noise: { kind: 'discreteGaussian', sigma: 3 }, sensitivity: 2 }, createSeededRandomSourceForTestsOnly(2));
    const { event } = count.release(10);
    expect(event.kind).toBe('zcdp');
    if (event.kind !== 'zcdp') throw new Error('unreachable');
    expect(event.rho).toBeGreaterThanOrEqual(4 / 18);
    expect(event.rho).toBeLessThan((4 / 18) * (1 + 1e-14));
  });

  it('noise is unbiased with the right spread (20,000 seeded releases, tolerance 5 standard errors)', () => {
    const count = createCountMechanism({ noise: { kind: 'discreteLaplace', epsilon: 1 } }, createSeededRandomSourceForTestsOnly(3));
    const n = 20_000;
    const q = Math.exp(-1);
    const variance = (2 * q) / (1 - q) ** 2;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const noise = count.release(1000).output - 1000;
      sum += noise;
      squares += noise * noise;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(Math.abs(squares / n - variance)).toBeLessThan(5 * Math.sqrt(6 / n) * variance);
  });

  it('rejects bad arguments, naming them', () => {
    const laplace = { kind: 'discreteLaplace', epsilon: 1 } as const;
    expect(() => createHistogramMechanism({ bins: 0, noise: laplace })).toThrow(/^bins must be an integer in \[1, /);
    expect(() => createHistogramMechanism({ bins: 2, noise: laplace, maxContributedBins: 3 })).toThrow(/^maxContributedBins must be an integer in \[1, 2\]/);
    expect(() => createHistogramMechanism({ bins: 2, noise: { kind: 'discreteLaplace', epsilon: 0 } })).toThrow(/^noise.epsilon must be a finite number > 0/);
    expect(() => createHistogramMechanism({ bins: 2, noise: { kind: 'discreteGaussian', sigma: -1 } })).toThrow(/^noise.sigma must be/);
    const untyped: { kind: 'discreteLaplace'; epsilon: number } = JSON.parse('{"kind":"uniform","epsilon":1}');
    expect(() => createHistogramMechanism({ bins: 2, noise: untyped })).toThrow(/^noise.kind must be one of "discreteLaplace", "discreteGaussian"/);
    const histogram = createHistogramMechanism({ bins: 2, noise: laplace });
    expect(() => histogram.release([1])).toThrow(/^counts.length must be 2; got 1/);
    expect(() => histogram.release([1, 0.5])).toThrow(/^counts\[1\] must be an integer/);
    expect(() => createCountMechanism({ noise: laplace }).release(Number.NaN)).toThrow(/^count must be an integer/);
  });
});
