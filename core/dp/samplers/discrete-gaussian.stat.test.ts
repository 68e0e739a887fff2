/**
 * Slow tier: discrete Gaussian sampler against P[k] ∝ e^(−k²/2σ²). Each test: 10^6 draws per run,
 * tails merged until every bucket expects ≥ 20, chi-square at α = 10⁻³ per run, majority of 3:
 * false-failure probability ≈ 3·10⁻⁶ per test. A power check shows the test rejects σ off by 3%.
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { createDiscreteGaussianSampler, type DiscreteGaussianOptions } from './discrete-gaussian.js';
import { chiSquareTest, exactPmf, fitsPmf, STAT_SAMPLES, tally } from './goodness-of-fit.testkit.js';

const random = secureRandom();

describe('discrete Gaussian sampler: chi-square goodness of fit (10^6 draws × majority of 3)', () => {
  const cases: readonly [string, DiscreteGaussianOptions, number][] = [
    ['σ = 1', { sigma: 1 }, 1],
    ['σ = 10', { sigma: 10 }, 10],
    ['σ = 100', { sigma: 100 }, 100],
    ['σ² = 2/3', { sigmaSquared: { numerator: 2n, denominator: 3n } }, Math.sqrt(2 / 3)],
    ['σ = 1.1 as a double (BigInt path)', { sigma: 1.1 }, 1.1],
  ];
  for (const [name, options, sigma] of cases) {
    it(name, () => {
      const sampler = createDiscreteGaussianSampler(options, random);
      const reach = Math.ceil(8 * sigma + 5);
      const result = fitsPmf(() => sampler.sample(), exactPmf.discreteGaussian(sigma), -reach, reach);
      expect(result.passed, JSON.stringify(result.runs)).toBe(true);
    });
  }

  it('has power: σ = 10 samples are rejected against the PMF of σ = 10.3 (one run)', () => {
    const sampler = createDiscreteGaussianSampler({ sigma: 10 }, random);
    const result = chiSquareTest(tally(() => sampler.sample(), STAT_SAMPLES), exactPmf.discreteGaussian(10.3), -90, 90);
    expect(result.passed).toBe(false);
  });
});
