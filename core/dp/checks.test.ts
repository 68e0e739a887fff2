import { describe, expect, it } from 'vitest';
import {
  requireFiniteVector,
  requireIntegerInRange,
  requireIntegerVector,
  requireNumberInRange,
  requireOneOf,
  requirePositiveFinite,
  requireRational,
} from './checks.js';

describe('checks', () => {
  it('names the argument and the rule in a RangeError', () => {
    expect(() => requirePositiveFinite('clipNorm', 0)).toThrow(new RangeError('clipNorm must be a finite number > 0; got 0'));
    expect(() => requirePositiveFinite('clipNorm', Number.NaN)).toThrow(/^clipNorm must be a finite number > 0; got NaN$/);
    expect(() => requireIntegerInRange('bins', 1.5, 1, 10)).toThrow(/^bins must be an integer in \[1, 10\]; got 1.5$/);
    expect(() => requireNumberInRange('beta', 1, 0, 1, true)).toThrow(/^beta must be a number in \(0, 1\); got 1$/);
    expect(() => requireOneOf('noise.kind', 'uniform' as 'a' | 'b', ['a', 'b'])).toThrow(/^noise.kind must be one of "a", "b"; got "uniform"$/);
    expect(() => requireFiniteVector('update', [1, Number.POSITIVE_INFINITY])).toThrow(/^update\[1\] must be a finite number; got Infinity$/);
    expect(() => requireFiniteVector('update', [1, 2], 3)).toThrow(/^update.length must be 3; got 2$/);
    expect(() => requireIntegerVector('counts', [1, 2.5], 100)).toThrow(/^counts\[1\] must be an integer/);
  });

  it('converts rationals exactly and enforces their rule', () => {
    expect(requireRational('p', 0.25, 'probability')).toEqual({ numerator: 1n, denominator: 4n });
    expect(requireRational('p', { numerator: 6n, denominator: 9n }, 'probability')).toEqual({ numerator: 2n, denominator: 3n });
    expect(requireRational('gamma', 3n, 'nonNegative')).toEqual({ numerator: 3n, denominator: 1n });
    // 0.1 is the double 3602879701896397 / 2^55, not 1/10.
    expect(requireRational('x', 0.1, 'positive')).toEqual({ numerator: 3602879701896397n, denominator: 2n ** 55n });
    expect(() => requireRational('p', 1.5, 'probability')).toThrow(/^p must be in \[0, 1\]; got 1.5$/);
    expect(() => requireRational('gamma', -1, 'nonNegative')).toThrow(/^gamma must be ≥ 0/);
    expect(() => requireRational('scale', { numerator: 1n, denominator: 0n }, 'positive')).toThrow(/^scale.denominator must be a bigint ≥ 1/);
    expect(() => requireRational('scale', Number.POSITIVE_INFINITY, 'positive')).toThrow(RangeError);
    expect(() => requireRational('scale', 10, 'positive', 5)).toThrow(/^scale must be > 0 and ≤ 5; got 10$/);
  });
});
