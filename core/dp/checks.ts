/**
 * The one validation module of core/dp (as google/differential-privacy's `checks`): every public
 * entry of random.ts, the samplers and the mechanisms validates its arguments here, and a bad
 * argument throws a RangeError whose message names the argument and the rule it broke.
 */
import type { RandomSource } from './random.js';
import { rationalFromFiniteNumber, reduced, type Rational, type RationalLike } from './samplers/rational.js';

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

/** Throws the module's RangeError for a rule no helper below covers. */
export function fail(name: string, rule: string, value: unknown): never {
  throw new RangeError(`${name} must be ${rule}; got ${describe(value)}`);
}

export function requirePositiveFinite(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(name, 'a finite number > 0', value);
  return value;
}

export function requireNonNegativeFinite(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(name, 'a finite number ≥ 0', value);
  return value;
}

/** A safe integer in [min, max] (inclusive). */
export function requireIntegerInRange(name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function requireBigIntAtLeast(name: string, value: bigint, min: bigint): bigint {
  if (typeof value !== 'bigint' || value < min) fail(name, `a bigint ≥ ${min}`, value);
  return value;
}

export type RationalRule = 'positive' | 'nonNegative' | 'probability';

const RULE_TEXT: Record<RationalRule, string> = {
  positive: '> 0',
  nonNegative: '≥ 0',
  probability: 'in [0, 1]',
};

/**
 * A finite number, bigint or {numerator, denominator} turned into a reduced exact Rational that
 * satisfies the rule. Numbers are converted exactly (see rationalFromFiniteNumber).
 */
export function requireRational(name: string, value: RationalLike, rule: RationalRule, max?: number): Rational {
  let r: Rational;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(name, `a finite number ${RULE_TEXT[rule]}`, value);
    r = rationalFromFiniteNumber(value);
  } else if (typeof value === 'bigint') {
    r = { numerator: value, denominator: 1n };
  } else if (
    typeof value === 'object' && value !== null &&
    typeof value.numerator === 'bigint' && typeof value.denominator === 'bigint'
  ) {
    if (value.denominator <= 0n) fail(`${name}.denominator`, 'a bigint ≥ 1', value.denominator);
    r = reduced(value.numerator, value.denominator);
  } else {
    fail(name, 'a number, a bigint or { numerator: bigint, denominator: bigint }', value);
  }
  const ok =
    rule === 'positive' ? r.numerator > 0n
    : rule === 'nonNegative' ? r.numerator >= 0n
    : r.numerator >= 0n && r.numerator <= r.denominator;
  const shown = typeof value === 'object' ? `${r.numerator}/${r.denominator}` : value;
  if (!ok) fail(name, RULE_TEXT[rule], shown);
  if (max !== undefined && r.numerator > BigInt(max) * r.denominator) fail(name, `${RULE_TEXT[rule]} and ≤ ${max}`, shown);
  return r;
}

/** Every element finite; optionally an exact length. */
export function requireFiniteVector(name: string, values: ArrayLike<number>, length?: number): ArrayLike<number> {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    fail(name, 'an array or typed array of finite numbers', values);
  }
  if (length !== undefined && values.length !== length) fail(`${name}.length`, `${length}`, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${name}[${i}]`, 'a finite number', v);
  }
  return values;
}

/** Every element an integer within ±bound (counts, histogram bins, grid sums). */
export function requireIntegerVector(name: string, values: ArrayLike<number>, bound: number, length?: number): ArrayLike<number> {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    fail(name, 'an array or typed array of integers', values);
  }
  if (length !== undefined && values.length !== length) fail(`${name}.length`, `${length}`, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > bound) fail(`${name}[${i}]`, `an integer in [-${bound}, ${bound}]`, v);
  }
  return values;
}

/** A discriminant out of a fixed set (for tagged-union options coming from untyped callers). */
export function requireOneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) fail(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  return value;
}

/** A caller-supplied RandomSource must at least have its methods (guards untyped callers). */
export function requireRandomSource(name: string, source: RandomSource): RandomSource {
  if (source === null || typeof source !== 'object') fail(name, 'a RandomSource object', source);
  for (const method of ['nextUint32', 'nextUint53', 'nextBit', 'uniformBelow', 'uniformBelowBigInt', 'fillBytes'] as const) {
    if (typeof source[method] !== 'function') fail(`${name}.${method}`, 'a function', source[method]);
  }
  return source;
}

/** A finite number in [min, max], or in (min, max) when `open` is set. */
export function requireNumberInRange(name: string, value: number, min: number, max: number, open = false): number {
  const inside = open ? value > min && value < max : value >= min && value <= max;
  if (typeof value !== 'number' || !Number.isFinite(value) || !inside) {
    fail(name, open ? `a number in (${min}, ${max})` : `a number in [${min}, ${max}]`, value);
  }
  return value;
}
