import { describe, expect, it } from 'vitest';
import { projectOntoSimplex } from './postprocess.js';
import { createSeededRandomSourceForTestsOnly, type RandomSource } from './random.js';

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
const distance = (a: readonly number[], b: readonly number[]): number => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));

/** Uniform in [lo, hi) from the test-only seeded source (core/dp draws every random number from random.ts). */
const uniform = (random: RandomSource, lo: number, hi: number): number => lo + (hi - lo) * (random.nextUint53() / 2 ** 53);

/** A random point of { x ≥ 0, Σx = total } (a few zero bins, as real histograms have). */
function feasible(random: RandomSource, k: number, total: number): number[] {
  const raw = Array.from({ length: k }, () => (random.nextBit() ? uniform(random, 0, 1) : 0));
  raw[random.uniformBelow(k)] = 1;
  const s = sum(raw);
  return raw.map((x) => (x / s) * total);
}

describe('projectOntoSimplex', () => {
  it('floors a negative bin and takes the excess evenly off the others (the JSDoc example)', () => {
    expect(projectOntoSimplex([40, 31.5, -2], 70)).toEqual([39.25, 30.75, 0]);
  });

  it('leaves counts that are already non-negative and add up to the total unchanged', () => {
    expect(projectOntoSimplex([3, 0, 7], 10)).toEqual([3, 0, 7]);
  });

  it('shares a total out even when every value is negative, and gives zeros for a total of 0', () => {
    expect(projectOntoSimplex([-1, -3], 10)).toEqual([6, 4]);
    expect(projectOntoSimplex([5, -1, 2], 0)).toEqual([0, 0, 0]);
    expect(projectOntoSimplex(Float64Array.of(2, 2), 2)).toEqual([1, 1]);
  });

  // 2,000 seeded cases, each checked exactly (no tolerance beyond float rounding): no false failures.
  it('is the least-squares point of the set: feasible, of the form max(y − θ, 0), no farther from y than other points, non-expansive towards them', () => {
    const random = createSeededRandomSourceForTestsOnly(20_261_123);
    for (let trial = 0; trial < 2000; trial++) {
      const k = 1 + random.uniformBelow(25);
      const total = random.nextBit() ? uniform(random, 0, 100) : random.uniformBelow(200);
      const y = Array.from({ length: k }, () => uniform(random, -20, 60));
      const p = projectOntoSimplex(y, total);
      const where = `trial ${trial}: y = ${JSON.stringify(y)}, total ${total}`;
      expect(p.every((x) => x >= 0), where).toBe(true);
      expect(Math.abs(sum(p) - total), where).toBeLessThan(1e-9 * (1 + total + k * 60));
      // One shift θ for every kept bin; every dropped bin was at or below it (the KKT conditions).
      const kept = p.map((x, i) => [x, y[i]!] as const).filter(([x]) => x > 0);
      if (kept.length > 0) {
        const theta = kept[0]![1] - kept[0]![0];
        for (const [x, v] of kept) expect(Math.abs(v - x - theta), where).toBeLessThan(1e-9 * 100);
        y.forEach((v, i) => {
          if (p[i] === 0) expect(v - theta, where).toBeLessThanOrEqual(1e-9 * 100);
        });
      }
      // Against any other point x of the set: y is no closer to x, and P(y) is no farther from x than y is.
      const x = feasible(random, k, total);
      expect(distance(y, p), where).toBeLessThanOrEqual(distance(y, x) + 1e-9);
      expect(distance(p, x), where).toBeLessThanOrEqual(distance(y, x) + 1e-9);
    }
  });

  it('validates its arguments in core/dp/checks.ts, naming the argument', () => {
    expect(() => projectOntoSimplex([1, Number.NaN], 1)).toThrow(/values\[1\] must be a finite number/);
    expect(() => projectOntoSimplex([1, 2], -1)).toThrow(/total must be a finite number ≥ 0/);
    expect(() => projectOntoSimplex([1, 2], Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => projectOntoSimplex([], 1)).toThrow(/values.length must be at least 1/);
  });
});
