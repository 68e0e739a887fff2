/**
 * Slow tier: geometric sampler against P[k] = (1 − e^(−γ))e^(−γk). Each test: 10^6 draws per run,
 * tails merged until every bucket expects ≥ 20, chi-square at α = 10⁻³ per run, majority of 3:
 * false-failure probability ≈ 3·10⁻⁶ per test.
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { sampleGeometric } from './geometric.js';
import { exactPmf, fitsPmf } from './goodness-of-fit.testkit.js';

const random = secureRandom();

describe('geometric sampler: chi-square goodness of fit (10^6 draws × majority of 3)', () => {
  for (const [s, t] of [[1n, 10n], [3n, 2n], [7n, 3n]] as const) {
    it(`γ = ${s}/${t}`, () => {
      const gamma = Number(s) / Number(t);
      const rational = { numerator: s, denominator: t };
      const result = fitsPmf(() => sampleGeometric(rational, random), exactPmf.geometric(gamma), 0, Math.ceil(60 / gamma));
      expect(result.passed, JSON.stringify(result.runs)).toBe(true);
    });
  }
});
