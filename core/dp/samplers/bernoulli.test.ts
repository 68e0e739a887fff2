import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { sampleBernoulli, sampleBernoulliExp } from './bernoulli.js';

/** Fraction of `n` seeded draws that are true. */
function frequency(draw: () => boolean, n: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) if (draw()) hits++;
  return hits / n;
}

// Moment checks: 40,000 seeded draws each, tolerance 5 standard errors √(p(1−p)/n)
// (false-failure probability < 10⁻⁶ per check for an unseeded run; the seed makes it reproducible).
const N = 40_000;
const within = (observed: number, p: number) => expect(Math.abs(observed - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));

describe('Bernoulli(p), rational p', () => {
  it('matches p on the number and BigInt paths', () => {
    const random = createSeededRandomSourceForTestsOnly(1);
    within(frequency(() => sampleBernoulli({ numerator: 1n, denominator: 3n }, random), N), 1 / 3);
    within(frequency(() => sampleBernoulli(0.8125, random), N), 0.8125);
    const big = { numerator: 2n ** 70n, denominator: 3n * 2n ** 70n + 1n };
    within(frequency(() => sampleBernoulli(big, random), N), 1 / 3);
    expect(frequency(() => sampleBernoulli(0, random), 1000)).toBe(0);
    expect(frequency(() => sampleBernoulli(1, random), 1000)).toBe(1);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => sampleBernoulli(1.01)).toThrow(/^p must be in \[0, 1\]/);
    expect(() => sampleBernoulli(-0.5)).toThrow(RangeError);
    expect(() => sampleBernoulli(Number.NaN)).toThrow(/^p must be a finite number/);
  });
});

describe('Bernoulli(exp(−γ)), rational γ (CKS20 Algorithm 1)', () => {
  it('matches exp(−γ) below 1, above 1 and on the BigInt path', () => {
    const random = createSeededRandomSourceForTestsOnly(2);
    for (const gamma of [0.25, 1, 2.5, 7]) {
      within(frequency(() => sampleBernoulliExp(gamma, random), N), Math.exp(-gamma));
    }
    const bigGamma = { numerator: 3n * 2n ** 62n + 1n, denominator: 2n ** 62n }; // ≈ 3
    within(frequency(() => sampleBernoulliExp(bigGamma, random), N), Math.exp(-3));
    expect(frequency(() => sampleBernoulliExp(0, random), 1000)).toBe(1);
  });

  it('rejects negative or non-finite γ', () => {
    expect(() => sampleBernoulliExp(-1)).toThrow(/^gamma must be ≥ 0/);
    expect(() => sampleBernoulliExp(Number.POSITIVE_INFINITY)).toThrow(/^gamma must be a finite number/);
  });
});
