import { describe, expect, it } from 'vitest';
import { log1pExp, logAdd, logErfc, logSub } from './log-math.js';

describe('logErfc', () => {
  // Reference values: scipy 1.x, log(2) + special.log_ndtr(−x·√2), evaluated independently.
  const reference: ReadonlyArray<readonly [number, number]> = [
    [-3, 0.6931361352504468],
    [-0.5, 0.4190391477755596],
    [0.7, -1.1325865135143411],
    [1.5, -3.3844920895515536],
    [2.5, -7.806815272727267],
    [4, -17.987778312103014],
    [10, -102.87988902484493],
    [25, -628.792039174072],
  ];
  it.each(reference)('matches an independent implementation at x = %d to 1e-12 relative', (x, expected) => {
    expect(Math.abs(logErfc(x) - expected)).toBeLessThan(1e-12 * Math.abs(expected) + 1e-15);
  });

  it('is continuous where the series hands over to the continued fraction (x = 2)', () => {
    const below = logErfc(2 - 1e-12);
    const above = logErfc(2);
    expect(Math.abs(below - above)).toBeLessThan(1e-11);
  });

  it('satisfies erfc(x) + erfc(−x) = 2', () => {
    for (const x of [0.1, 0.9, 1.7, 2.3, 3.1]) {
      expect(Math.exp(logErfc(x)) + Math.exp(logErfc(-x))).toBeCloseTo(2, 14);
    }
  });

  it('handles the infinities', () => {
    expect(logErfc(Infinity)).toBe(-Infinity);
    expect(logErfc(-Infinity)).toBe(Math.LN2);
  });
});

describe('log-space sums', () => {
  it('adds and subtracts without overflow', () => {
    expect(logAdd(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAdd(-Infinity, 3)).toBe(3);
    expect(logSub(1000 + Math.LN2, 1000)).toBeCloseTo(1000, 12);
    expect(logSub(5, 5)).toBe(-Infinity);
    expect(() => logSub(1, 2)).toThrow(RangeError);
    expect(log1pExp(800)).toBeCloseTo(800, 12);
    expect(log1pExp(-800)).toBe(0);
  });
});
