import { describe, expect, it } from 'vitest';
import type { PrivacyEvent } from '../events.js';
import { deltaFromRdp, epsilonFromRdp } from './conversion.js';
import { logErfc } from './log-math.js';
import { DEFAULT_RDP_ORDERS } from './orders.js';
import { RdpAccountant, rdpOfEvent } from './rdp-accountant.js';

/** |actual − expected| ≤ rtol·|expected|, with ∞ equal only to ∞ (numpy.allclose semantics, atol = 0). */
function expectRelativelyClose(actual: readonly number[], expected: readonly number[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, index) => {
    const target = expected[index]!;
    if (!Number.isFinite(target)) expect(value).toBe(target);
    else expect(Math.abs(value - target), `index ${index}: ${value} vs ${target}`).toBeLessThanOrEqual(rtol * Math.abs(target));
  });
}

describe('default orders', () => {
  it('are dp_accounting’s DEFAULT_RDP_ORDERS: 1.1…10.9 by tenths, 11…63, 128, 256, 512, 1024', () => {
    expect(DEFAULT_RDP_ORDERS).toHaveLength(99 + 53 + 4);
    expect(DEFAULT_RDP_ORDERS.slice(0, 3)).toEqual([1.1, 1.2, 1.3]);
    expect(DEFAULT_RDP_ORDERS[98]).toBe(10.9);
    expect(DEFAULT_RDP_ORDERS.slice(99, 101)).toEqual([11, 12]);
    expect(DEFAULT_RDP_ORDERS.slice(-5)).toEqual([63, 128, 256, 512, 1024]);
    expect([...DEFAULT_RDP_ORDERS].sort((a, b) => a - b)).toEqual(DEFAULT_RDP_ORDERS);
  });
});

describe('dp_accounting test vectors', () => {
  // rdp_privacy_accountant_test.py, test_compute_epsilon_delta_pure_dp.
  it('constant RDP 1.1 at orders 2…32, δ = 1e−5 → ε = 1.32783806176 at order 32, and back', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const rdp = orders.map(() => 1.1);
    const { epsilon, order } = epsilonFromRdp(orders, rdp, 1e-5);
    expect(epsilon).toBeCloseTo(1.32783806176, 10);
    expect(order).toBe(32);
    const inverse = deltaFromRdp(orders, rdp, 1.32783806176);
    expect(inverse.delta).toBeCloseTo(1e-5, 12);
    expect(Math.abs(inverse.delta - 1e-5) / 1e-5).toBeLessThan(1e-9);
    expect(inverse.order).toBe(32);
  });

  // TensorFlow Privacy rdp_accountant_test.py test_compute_rdp_sequence (same setting as
  // dp_accounting's test_compute_rdp_poisson_sampled_gaussian). dp_accounting now sums |C(α, i)|
  // in the fractional series and reports 6.7058e−4 at α = 1.5, an upper bound; the signed series
  // is exact and agrees with numerical integration of A_α (mpmath.quad: 6.500709e−4).
  it('Poisson-subsampled Gaussian q = 0.01, σ = 2.5, 50 steps at [1.5, 2.5, 5, 50, 100, ∞]', () => {
    const accountant = new RdpAccountant([1.5, 2.5, 5, 50, 100, Infinity]);
    accountant.compose({ kind: 'poissonSampledGaussian', samplingProbability: 0.01, noiseMultiplier: 2.5 }, 50);
    expectRelativelyClose(accountant.rdp, [6.5007e-4, 1.0854e-3, 2.1808e-3, 2.3846e-2, 1.6742e2, Infinity], 1e-4);
  });

  // test_laplace: a huge order simulates pure DP, so basic composition is recovered exactly.
  it.each([
    [0.01, 1],
    [1, 1],
    [100, 1],
    [1, 100],
  ])('Laplace with scale 1/ε, ε = %d, composed %d times → ε(δ = 1e−10) = ε·count', (epsilon, count) => {
    const accountant = new RdpAccountant([1, 1 + 1e-6, 1.1 - 1e-6, 1.1 + 1e-6, 1e10]);
    accountant.compose({ kind: 'laplace', noiseMultiplier: 1 / epsilon }, count);
    expect(accountant.epsilon(1e-10).epsilon).toBeCloseTo(epsilon * count, 7);
    // KL (order 1) is at most min(ε, ε²/2) per step, and the three formulas agree at their seams.
    const [kl, justAboveOne, justBelowSeam, justAboveSeam] = accountant.rdp;
    expect(kl).toBeLessThanOrEqual(Math.min(epsilon, (epsilon * epsilon) / 2) * count);
    expect(kl).toBeCloseTo(justAboveOne!, 3);
    expect(justBelowSeam).toBeCloseTo(justAboveSeam!, 3);
  });

  // test_compute_epsilon_delta_gaussian: σ = 4.530877117 was chosen so that the RDP route over a
  // dense order grid gives exactly (1, 1e−6) (the optimal analytic bound would allow σ ≈ 4.2247).
  it('Gaussian σ = 4.530877117 over a dense grid of orders → (1, 1e−6)', () => {
    const orders = Array.from({ length: 99000 }, (_, i) => 0.001 * (i + 1000));
    const rdp = rdpOfEvent({ kind: 'gaussian', noiseMultiplier: 4.530877117 }, orders);
    expect(epsilonFromRdp(orders, rdp, 1e-6).epsilon).toBeCloseTo(1, 6);
    expect(deltaFromRdp(orders, rdp, 1).delta).toBeCloseTo(1e-6, 10);
  });

  it('composition: counts, self-composition and composition all add up (test_rdp_composition)', () => {
    const base: PrivacyEvent = { kind: 'gaussian', noiseMultiplier: 3.14159 };
    const one = rdpOfEvent(base, [2.71828])[0]!;
    const six = one * 6;
    const variants: PrivacyEvent[] = [
      { kind: 'selfComposed', event: base, count: 6 },
      { kind: 'composed', events: [base, base, base, base, base, base] },
      {
        kind: 'composed',
        events: [1, 2, 3].map((count) => ({ kind: 'selfComposed', event: base, count }) as const),
      },
    ];
    for (const event of variants) expect(rdpOfEvent(event, [2.71828])[0]).toBeCloseTo(six, 12);
    expect(new RdpAccountant([2.71828]).compose({ kind: 'selfComposed', event: base, count: 2 }, 3).rdp[0]).toBeCloseTo(six, 12);
  });

  it('a zero sampling probability costs nothing, a zero noise multiplier everything', () => {
    const free = new RdpAccountant([3.14159]).compose({ kind: 'poissonSampledGaussian', samplingProbability: 0, noiseMultiplier: 0 });
    expect(free.epsilon(1e-10).epsilon).toBe(0);
    expect(free.delta(1e-10).delta).toBe(0);
    expect(new RdpAccountant([3.14159]).compose({ kind: 'gaussian', noiseMultiplier: 0 }).epsilon(0.1).epsilon).toBe(Infinity);
  });
});

describe('event curves', () => {
  it('zCDP is ρα and pure ε-DP is at most ε, exactly ε at α = ∞', () => {
    expect(rdpOfEvent({ kind: 'zcdp', rho: 0.3 }, [2, 10])).toEqual([0.6, 3]);
    const pure = rdpOfEvent({ kind: 'pureDp', epsilon: 0.7 }, [1, 1.5, 2, 64, Infinity]);
    pure.forEach((value) => expect(value).toBeLessThanOrEqual(0.7));
    expect(pure[4]).toBe(0.7);
    expect(pure).toEqual([...pure].sort((a, b) => a - b)); // non-decreasing in α
  });

  it('binary randomized response equals the generic pure-DP bound (it is the extremal pair)', () => {
    const orders = [1, 1.5, 3, 20, Infinity];
    const rr = rdpOfEvent({ kind: 'randomizedResponse', epsilon: 1.3, k: 2 }, orders);
    const pure = rdpOfEvent({ kind: 'pureDp', epsilon: 1.3 }, orders);
    rr.forEach((value, index) => expect(value).toBeCloseTo(pure[index]!, 12));
  });

  it('k-ary randomized response: direct Rényi divergence of the two output distributions', () => {
    const epsilon = 2;
    const k = 5;
    const alpha = 3;
    const b = 1 / (Math.exp(epsilon) + k - 1);
    const a = Math.exp(epsilon) * b;
    const direct = Math.log(a ** alpha * b ** (1 - alpha) + b ** alpha * a ** (1 - alpha) + (k - 2) * b) / (alpha - 1);
    expect(rdpOfEvent({ kind: 'randomizedResponse', epsilon, k }, [alpha])[0]).toBeCloseTo(direct, 12);
    expect(rdpOfEvent({ kind: 'randomizedResponse', epsilon, k }, [Infinity])[0]).toBe(epsilon);
  });

  it('the subsampled Gaussian at q = 1 is the Gaussian, and amplification lowers it for q < 1', () => {
    const orders = [1.5, 2, 7.3, 32];
    const full = rdpOfEvent({ kind: 'poissonSampledGaussian', samplingProbability: 1, noiseMultiplier: 1.7 }, orders);
    expect(full).toEqual(rdpOfEvent({ kind: 'gaussian', noiseMultiplier: 1.7 }, orders));
    const sampled = rdpOfEvent({ kind: 'poissonSampledGaussian', samplingProbability: 0.1, noiseMultiplier: 1.7 }, orders);
    sampled.forEach((value, index) => expect(value).toBeLessThan(full[index]!));
  });

  it('the fractional-order series is continuous with the exact integer sum', () => {
    const at = (alpha: number): number =>
      rdpOfEvent({ kind: 'poissonSampledGaussian', samplingProbability: 0.05, noiseMultiplier: 1.2 }, [alpha])[0]!;
    expect(at(3 - 1e-7)).toBeCloseTo(at(3), 6);
    expect(at(3 + 1e-7)).toBeCloseTo(at(3), 6);
    expect(at(2.5)).toBeGreaterThan(at(2));
    expect(at(2.5)).toBeLessThan(at(3));
  });
});

describe('subsampled Gaussian over the whole default grid', () => {
  it('is finite, non-negative, non-decreasing in α and never above the unsampled Gaussian', () => {
    for (const samplingProbability of [1e-6, 0.001, 0.1, 0.5, 0.9, 0.999999]) {
      for (const noiseMultiplier of [0.1, 0.5, 1, 5, 100]) {
        const sampled = rdpOfEvent({ kind: 'poissonSampledGaussian', samplingProbability, noiseMultiplier });
        const full = rdpOfEvent({ kind: 'gaussian', noiseMultiplier });
        sampled.forEach((value, index) => {
          const where = `q=${samplingProbability} σ=${noiseMultiplier} α=${DEFAULT_RDP_ORDERS[index]}`;
          expect(Number.isFinite(value) && value >= 0, where).toBe(true);
          expect(value, where).toBeLessThanOrEqual(full[index]! * (1 + 1e-12));
          if (index > 0) expect(value, where).toBeGreaterThanOrEqual(sampled[index - 1]!);
        });
      }
    }
  });

  it('bounds an order whose fractional series does not converge by the exact value at ⌈α⌉', () => {
    // q = 0.5, σ = 0.5: the series terms decay only polynomially (z0 = 0.5 cancels the Gaussian
    // factor), so 1000 terms do not reach dp_accounting's stopping rule at α = 1.5.
    const event = { kind: 'poissonSampledGaussian', samplingProbability: 0.5, noiseMultiplier: 0.5 } as const;
    const [atOneAndHalf, atTwo] = rdpOfEvent(event, [1.5, 2]);
    expect(Number.isFinite(atOneAndHalf)).toBe(true);
    expect(atOneAndHalf).toBeLessThanOrEqual(atTwo!);
  });
});

/**
 * The exact δ(ε) of the Gaussian mechanism with noise multiplier σ (Balle & Wang 2018, Thm. 8):
 * Φ(1/2σ − εσ) − e^ε Φ(−1/2σ − εσ), with Φ(x) = erfc(−x/√2)/2.
 */
function exactGaussianDelta(sigma: number, epsilon: number): number {
  const upper = Math.exp(logErfc(-(1 / (2 * sigma) - epsilon * sigma) / Math.SQRT2)) / 2;
  const lower = Math.exp(epsilon + logErfc((1 / (2 * sigma) + epsilon * sigma) / Math.SQRT2)) / 2;
  return Math.max(0, upper - lower);
}

describe('soundness against the exact Gaussian (test_delta_bounds_gaussian)', () => {
  it('the RDP δ is never below the exact δ, and never above the standard bound e^{−(ε−½)²/2}', () => {
    const orders = Array.from({ length: 495 }, (_, i) => 0.1 * (i + 10));
    const rdp = rdpOfEvent({ kind: 'gaussian', noiseMultiplier: 1 }, orders);
    for (let step = 0; step < 500; step += 1) {
      const epsilon = 0.1 * step;
      const { delta } = deltaFromRdp(orders, rdp, epsilon);
      expect(exactGaussianDelta(1, epsilon)).toBeLessThanOrEqual(delta + 1e-300);
      if (epsilon >= 0.5) expect(delta).toBeLessThanOrEqual(Math.exp(-0.5 * (epsilon - 0.5) ** 2) + 1e-300);
    }
  });

  it('the default orders never claim less than the exact Gaussian either', () => {
    for (const sigma of [0.7, 1, 3, 10]) {
      const accountant = new RdpAccountant().compose({ kind: 'gaussian', noiseMultiplier: sigma });
      for (const delta of [1e-3, 1e-6, 1e-9]) {
        const { epsilon } = accountant.epsilon(delta);
        expect(exactGaussianDelta(sigma, epsilon)).toBeLessThanOrEqual(delta);
      }
    }
  });
});

describe('properties', () => {
  it('ε decreases as the noise grows', () => {
    for (const samplingProbability of [1, 0.01]) {
      let previous = Infinity;
      for (const noiseMultiplier of [0.6, 0.8, 1, 1.5, 2, 4, 8]) {
        const { epsilon } = new RdpAccountant()
          .compose({ kind: 'poissonSampledGaussian', samplingProbability, noiseMultiplier }, 100)
          .epsilon(1e-6);
        expect(epsilon).toBeLessThan(previous);
        previous = epsilon;
      }
    }
  });

  // test_epsilon_delta_consistency: δ → ε → δ comes back to δ (or below it when ε clamps to 0).
  it('δ → ε → δ and ε → δ → ε round-trip', () => {
    const orders = Array.from({ length: 48 }, (_, i) => i + 2);
    for (const samplingProbability of [0, 0.01, 0.1, 0.8, 1]) {
      for (const noiseMultiplier of [0, 0.1, 1, 10, 100]) {
        const accountant = new RdpAccountant(orders).compose({ kind: 'poissonSampledGaussian', samplingProbability, noiseMultiplier });
        for (const delta of [0.99, 0.9, 0.1, 0.01, 1e-3, 1e-5, 1e-9, 1e-12]) {
          const { epsilon } = accountant.epsilon(delta);
          const back = accountant.delta(Number.isFinite(epsilon) ? epsilon : Number.MAX_VALUE).delta;
          if (epsilon === Infinity) expect(back).toBe(1);
          else if (epsilon === 0) expect(back).toBeLessThanOrEqual(delta);
          else {
            expect(Math.abs(back - delta) / delta).toBeLessThan(1e-9);
            expect(accountant.epsilon(back).epsilon).toBeCloseTo(epsilon, 9);
          }
        }
      }
    }
  });
});

describe('validation', () => {
  it('rejects bad arguments with a RangeError naming them', () => {
    expect(() => new RdpAccountant([])).toThrow(/orders/);
    expect(() => new RdpAccountant([0.5])).toThrow(/orders\[0\]/);
    expect(() => new RdpAccountant().compose({ kind: 'gaussian', noiseMultiplier: -1 })).toThrow(/event\.noiseMultiplier/);
    expect(() =>
      new RdpAccountant().compose({ kind: 'composed', events: [{ kind: 'poissonSampledGaussian', samplingProbability: 1.5, noiseMultiplier: 1 }] }),
    ).toThrow(/event\.events\[0\]\.samplingProbability/);
    expect(() => new RdpAccountant().compose({ kind: 'gaussian', noiseMultiplier: 1 }, 1.5)).toThrow(/count/);
    expect(() => new RdpAccountant().epsilon(2)).toThrow(/delta/);
    expect(() => epsilonFromRdp([2, 3], [1], 1e-5)).toThrow(/rdp/);
    expect(() => new RdpAccountant().compose({ kind: 'gaussian', noiseMultiplier: Number.NaN })).toThrow(RangeError);
  });

  it('a rejected event leaves the accountant unchanged', () => {
    const accountant = new RdpAccountant([2]).compose({ kind: 'gaussian', noiseMultiplier: 1 });
    expect(() =>
      accountant.compose({ kind: 'composed', events: [{ kind: 'gaussian', noiseMultiplier: 1 }, { kind: 'laplace', noiseMultiplier: -1 }] }),
    ).toThrow(RangeError);
    expect(accountant.rdp).toEqual([1]);
  });
});
