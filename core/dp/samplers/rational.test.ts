import { describe, expect, it } from 'vitest';
import { integerSquareRoot, rationalFromFiniteNumber, reduced } from './rational.js';

describe('rational', () => {
  it('converts doubles exactly', () => {
    for (const x of [0, 1, 0.5, 0.1, 1e-300, 123456.789, 2 ** 60, 5e-324]) {
      const r = rationalFromFiniteNumber(x);
      // Exactness: multiplying back gives the same double, and the denominator is a power of two.
      expect(Number(r.numerator) / Number(r.denominator) === x || r.denominator > 2n ** 1000n).toBe(true);
      expect(r.denominator & (r.denominator - 1n)).toBe(0n);
    }
    expect(rationalFromFiniteNumber(2.5)).toEqual({ numerator: 5n, denominator: 2n });
    expect(rationalFromFiniteNumber(-0.75)).toEqual({ numerator: -3n, denominator: 4n });
  });

  it('reduces and takes exact integer square roots', () => {
    expect(reduced(10n, 4n)).toEqual({ numerator: 5n, denominator: 2n });
    for (const n of [0n, 1n, 2n, 3n, 4n, 99n, 100n, 101n, 2n ** 106n - 1n, 2n ** 106n, 10n ** 40n + 7n]) {
      const r = integerSquareRoot(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }
  });
});
