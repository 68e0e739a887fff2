/**
 * Slow tier: discrete Laplace sampler against P[k] ∝ e^(−|k|/b). Each test: 10^6 draws per run,
 * tails merged until every bucket expects ≥ 20, chi-square at α = 10⁻³ per run, majority of 3:
 * false-failure probability ≈ 3·10⁻⁶ per test.
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { createDiscreteLaplaceSampler } from './discrete-laplace.js';
import { exactPmf, fitsPmf } from './goodness-of-fit.testkit.js';
import type { RationalLike } from './rational.js';

const random = secureRandom();

describe('discrete Laplace sampler: chi-square goodness of fit (10^6 draws × majority of 3)', () => {
  const cases: readonly [string, RationalLike, number][] = [
    ['1', 1, 1],
    ['10', 10, 10],
    ['7/3', { numerator: 7n, denominator: 3n }, 7 / 3],
    ['0.3 as a double (BigInt path)', 0.3, 0.3],
  ];
  for (const [name, scale, b] of cases) {
    it(`scale ${name}`, () => {
      const sampler = createDiscreteLaplaceSampler({ scale }, random);
      const reach = Math.ceil(40 * b + 5);
      const result = fitsPmf(() => sampler.sample(), exactPmf.discreteLaplace(b), -reach, reach);
      expect(result.passed, JSON.stringify(result.runs)).toBe(true);
    });
  }
});
