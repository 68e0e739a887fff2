import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly } from '../random.js';
import { createVectorSumMechanism } from './vector-sum.js';

const norm2 = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
};

describe('vector sum mechanism', () => {
  it('states its sensitivity bound (KLS21 vs triangle) and ρ = M/2σ²', () => {
    const m = createVectorSumMechanism({ dimension: 100, clipNorm: 1, granularity: 0.01, noiseStddev: 50 });
    const c = 100;
    const kls21 = c * c + 100 / 4 + Math.sqrt(2 * 0.5) * (c + 10 / 2);
    expect(m.sensitivitySquared).toBe(Math.floor(Math.min(kls21, (c + 10) ** 2)));
    expect(m.sensitivity).toBeCloseTo(Math.sqrt(m.sensitivitySquared), 12);
    if (m.event.kind !== 'zcdp') throw new Error('expected a zcdp event');
    expect(m.event.rho).toBeGreaterThanOrEqual(m.sensitivitySquared / (2 * 50 * 50));
    // Large dimension relative to c: the bound approaches n/4, far below the triangle bound (c + √n)².
    const wide = createVectorSumMechanism({ dimension: 10_000, clipNorm: 1, granularity: 0.1, noiseStddev: 1 });
    expect(wide.sensitivitySquared).toBeLessThan((10 + 100) ** 2);
  });

  it('clips, quantises within the bound, and is unbiased without noise', () => {
    const dimension = 50;
    const m = createVectorSumMechanism(
      { dimension, clipNorm: 2, granularity: 0.05, noiseStddev: 0 },
      createSeededRandomSourceForTestsOnly(1),
    );
    expect(m.event).toEqual({ kind: 'zcdp', rho: Number.POSITIVE_INFINITY });
    const update = Float64Array.from({ length: dimension }, (_, i) => Math.sin(i + 1) * 3); // norm ≫ 2: clipped
    const scale = 2 / Math.sqrt(norm2(update)) / 0.05;
    const mean = new Float64Array(dimension);
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const { output } = m.release(update);
      expect(norm2(output)).toBeLessThanOrEqual(m.sensitivitySquared);
      for (let i = 0; i < dimension; i++) mean[i]! += output[i]! / runs;
    }
    // Randomized rounding is unbiased: each mean within 5 standard errors (sd ≤ 1/2 per draw).
    // Conditional rejection shifts it slightly; allow 0.02 grid units on top.
    for (let i = 0; i < dimension; i++) {
      expect(Math.abs(mean[i]! - update[i]! * scale)).toBeLessThan(5 * 0.5 / Math.sqrt(runs) + 0.02);
    }
    const decoded = m.decode(m.release(new Float64Array(dimension)).output);
    expect(Array.from(decoded)).toEqual(new Array<number>(dimension).fill(0));
  });

  it('keeps ‖q‖² ≤ M when the bound is tight (β → 1: about half the roundings are redrawn)', () => {
    const dimension = 1000;
    const clipNorm = Math.sqrt(250) + 1e-9;
    const m = createVectorSumMechanism(
      { dimension, clipNorm, granularity: 1, noiseStddev: 0, roundingBeta: 0.999999 },
      createSeededRandomSourceForTestsOnly(5),
    );
    // Every coordinate 0.5: E‖q‖² = ‖v‖² + n/4 = 500 and M = ⌊500 + 0.0014·(c + √n/2)⌋ = 500.
    expect(m.sensitivitySquared).toBe(500);
    const update = new Float64Array(dimension).fill(0.5);
    for (let r = 0; r < 50; r++) expect(norm2(m.release(update).output)).toBeLessThanOrEqual(500);
  });

  it('adds discrete Gaussian noise of the stated σ per coordinate (10,000 coordinates, 5 standard errors)', () => {
    const dimension = 10_000;
    const sigma = 20;
    const m = createVectorSumMechanism({ dimension, clipNorm: 1, granularity: 1, noiseStddev: sigma }, createSeededRandomSourceForTestsOnly(2));
    const { output, event } = m.release(new Float64Array(dimension));
    expect(output).toBeInstanceOf(Int32Array);
    expect(event.kind).toBe('zcdp');
    const variance = norm2(output) / dimension;
    expect(Math.abs(variance - sigma * sigma)).toBeLessThan(5 * Math.sqrt(2 / dimension) * sigma * sigma);
    const summed = m.privatizeSum(new Array<number>(dimension).fill(7));
    expect(summed.output).toHaveLength(dimension);
  });

  it('rejects bad arguments, naming them', () => {
    const ok = { dimension: 3, clipNorm: 1, granularity: 0.1, noiseStddev: 1 };
    expect(() => createVectorSumMechanism({ ...ok, dimension: 0 })).toThrow(/^dimension must be an integer in \[1, /);
    expect(() => createVectorSumMechanism({ ...ok, clipNorm: -1 })).toThrow(/^clipNorm must be a finite number > 0/);
    expect(() => createVectorSumMechanism({ ...ok, granularity: 0 })).toThrow(/^granularity must be/);
    expect(() => createVectorSumMechanism({ ...ok, noiseStddev: Number.NaN })).toThrow(/^noiseStddev must be a number in \[0, /);
    expect(() => createVectorSumMechanism({ ...ok, granularity: 1e-9 })).toThrow(/^clipNorm \/ granularity must be a number in \[0, 16777216\]/);
    expect(() => createVectorSumMechanism({ ...ok, roundingBeta: 1 })).toThrow(/^roundingBeta must be a number in \(0, 1\)/);
    const m = createVectorSumMechanism(ok);
    expect(() => m.release([1, 2])).toThrow(/^update.length must be 3; got 2/);
    expect(() => m.release([1, Number.NaN, 2])).toThrow(/^update\[1\] must be a finite number/);
    expect(() => createVectorSumMechanism({ ...ok, noiseStddev: 0 }).privatizeSum([1, 2, 3])).toThrow(/^noiseStddev must be > 0 to privatize a sum/);
  });
});
