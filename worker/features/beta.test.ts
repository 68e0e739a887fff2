import { describe, expect, it } from 'vitest';
import { betaQuantile, lnGamma, regularizedIncompleteBeta } from './beta.js';

/** SciPy 1.17 (scipy.special.betainc, scipy.stats.beta.ppf), printed with repr. */
const SCIPY_CDF: readonly [a: number, b: number, x: number, value: number][] = [
  [0.5, 0.5, 0.1, 0.20483276469913345],
  [2, 3, 0.4, 0.5247999999999999],
  [0.1, 1.9, 0.01, 0.689024098089589],
  [50, 150, 0.25, 0.5108662874554789],
  [1.3, 27.5, 0.02, 0.2966353900241202],
  [300, 700, 0.31, 0.7564186827315443],
  [1e-3, 5, 1e-4, 0.9928972267549188],
  [5, 0.2, 0.999, 0.6288900790266132],
];
const SCIPY_QUANTILE: readonly [a: number, b: number, p: number, value: number][] = [
  [0.5, 0.5, 0.05, 0.0061558297024311365],
  [2, 3, 0.95, 0.7513953742698181],
  [0.1, 1.9, 0.05, 4.0160602892794827e-14],
  [0.1, 1.9, 0.95, 0.3225268517123411],
  [50, 150, 0.05, 0.20120887276755958],
  [1.3, 27.5, 0.95, 0.12064192491857383],
  [300, 700, 0.05, 0.2764036572036614],
  [1e-3, 5, 0.5, 1.1628752524458348e-302],
  [5, 0.2, 0.05, 0.7999151882431798],
  [0.4, 1.6, 0.05, 0.0003128745376441475],
  [0.4, 1.6, 0.95, 0.70712744521417],
];

describe('lnGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 10);
  });
});

describe('regularizedIncompleteBeta', () => {
  it.each(SCIPY_CDF)('I_x(%s, %s) at %s equals SciPy to 1e-12 relative', (a, b, x, value) => {
    expect(Math.abs(regularizedIncompleteBeta(x, a, b) - value) / value).toBeLessThan(1e-12);
  });

  it('has the closed forms of Beta(1, 1), Beta(a, 1) and Beta(2, 2)', () => {
    for (const x of [0.01, 0.3, 0.77]) {
      expect(regularizedIncompleteBeta(x, 1, 1)).toBeCloseTo(x, 14);
      expect(regularizedIncompleteBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 14);
      expect(regularizedIncompleteBeta(x, 2, 2)).toBeCloseTo(3 * x * x - 2 * x ** 3, 14);
    }
  });

  it('is 0 and 1 at the ends and names a bad argument', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(/alpha/);
    expect(() => regularizedIncompleteBeta(0.5, 1, Number.NaN)).toThrow(/beta/);
    expect(() => regularizedIncompleteBeta(Number.NaN, 1, 1)).toThrow(/x/);
  });
});

describe('betaQuantile', () => {
  it.each(SCIPY_QUANTILE)('Beta(%s, %s) quantile %s equals SciPy to 1e-10 relative', (a, b, p, value) => {
    expect(Math.abs(betaQuantile(p, a, b) - value) / value).toBeLessThan(1e-10);
  });

  it('inverts the CDF across shapes from 0.05 to 5,000 (both tails and the middle)', () => {
    for (const a of [0.05, 0.7, 1, 3.2, 40, 5000]) {
      for (const b of [0.05, 0.9, 2, 17, 800]) {
        for (const p of [1e-6, 0.05, 0.5, 0.95, 1 - 1e-6]) {
          const x = betaQuantile(p, a, b);
          expect(x, `Beta(${a}, ${b}) p ${p}`).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(1);
          // x is within δ of the true quantile: the CDF crosses p between x − δ and x + δ (a
          // steep CDF near 1, e.g. Beta(5000, 0.05), moves by more than 1e-9 per ulp of x).
          const delta = 1e-12 * Math.min(x, 1 - x) + 4 * Number.EPSILON * x;
          expect(regularizedIncompleteBeta(x - delta, a, b), `Beta(${a}, ${b}) p ${p}`).toBeLessThanOrEqual(p + 1e-9);
          expect(regularizedIncompleteBeta(x + delta, a, b), `Beta(${a}, ${b}) p ${p}`).toBeGreaterThanOrEqual(p - 1e-9);
        }
      }
    }
  });

  it('is p itself for Beta(1, 1), 0 and 1 at the ends, and names a bad p', () => {
    expect(betaQuantile(0.37, 1, 1)).toBeCloseTo(0.37, 14);
    expect(betaQuantile(0, 2, 3)).toBe(0);
    expect(betaQuantile(1, 2, 3)).toBe(1);
    expect(() => betaQuantile(1.5, 2, 3)).toThrow(/p: must be a probability/);
    expect(() => betaQuantile(0.5, -1, 3)).toThrow(/alpha/);
  });
});
