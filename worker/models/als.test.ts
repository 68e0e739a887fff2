import { describe, expect, it } from 'vitest';
import { alsTriangle, alsVectorLength, ridgeSolve, solveAlsItems } from '../../core/models/als.js';
import { ALS_ALPHA, alsStatistics, solveUserVector } from './als.js';
import type { Interaction } from './feedback.js';

/** Deterministic pseudo-random numbers in [-0.5, 0.5) (test data only). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const dim = 3;
const nItems = 6;
const rand = lcg(7);
const factors = Float32Array.from({ length: nItems * dim }, () => rand());
const positives: Interaction[] = [{ item: 1, weight: 2 }, { item: 4, weight: 1 }];

/** The user's loss Σ_i c_i (p_i − u·v_i)² + λ‖u‖² over every item (c = 1, p = 0 off the positives). */
function userLoss(u: ArrayLike<number>, lambda = 1): number {
  let loss = 0;
  for (let i = 0; i < nItems; i++) {
    const pos = positives.find((p) => p.item === i);
    const c = pos ? 1 + ALS_ALPHA * pos.weight : 1;
    let s = 0;
    for (let x = 0; x < dim; x++) s += u[x]! * factors[i * dim + x]!;
    loss += c * ((pos ? 1 : 0) - s) ** 2;
  }
  for (let x = 0; x < dim; x++) loss += lambda * u[x]! ** 2;
  return loss;
}

describe('ALS user solve', () => {
  it('is the minimiser of the user loss (gradient ≈ 0, every nearby point is worse)', () => {
    const u = solveUserVector(factors, dim, positives);
    const best = userLoss(u);
    const h = 1e-3;
    for (let x = 0; x < dim; x++) {
      const plus = Array.from(u);
      const minus = Array.from(u);
      plus[x]! += h;
      minus[x]! -= h;
      expect(Math.abs((userLoss(plus) - userLoss(minus)) / (2 * h))).toBeLessThan(1e-3);
    }
    // A brute-force grid search around u never finds a lower loss.
    const r = lcg(3);
    for (let k = 0; k < 500; k++) {
      const v = Array.from(u, (ux) => ux + 0.2 * r());
      expect(userLoss(v)).toBeGreaterThanOrEqual(best - 1e-9);
    }
  });

  it('gives u = 0 without positives', () => {
    expect(Array.from(solveUserVector(factors, dim, []))).toEqual([0, 0, 0]);
  });
});

describe('ALS statistics vector', () => {
  const rows = [0, 1, 2, 5];
  it('has a fixed length, is dense over the rows, and stays within the clip bound', () => {
    const user = Float32Array.from([3, -4, 0]); // ‖u‖ = 5: capped to 1 first
    const stats = alsStatistics({ user, dim, rows, interactions: positives, clipNorm: 1 });
    expect(stats.length).toBe(alsVectorLength(dim, rows.length));
    expect(stats.length).toBe(6 + 4 * 3);
    expect(Math.hypot(...stats)).toBeLessThanOrEqual(1 + 1e-6);
    const T = alsTriangle(dim);
    // Row of item 1 carries c·u; item 4 is not a row; untouched rows are zeros.
    const row = (r: number): number[] => Array.from(stats.subarray(T + r * dim, T + (r + 1) * dim));
    expect(row(0)).toEqual([0, 0, 0]);
    expect(row(2)).toEqual([0, 0, 0]);
    expect(row(1)[0]!).toBeGreaterThan(0);
    // Same user, no clip: the exact statistics of the capped u.
    const exact = alsStatistics({ user, dim, rows, interactions: positives, clipNorm: 1e9 });
    const c = 1 + ALS_ALPHA * 2;
    expect(exact[0]).toBeCloseTo(0.36, 6); // (3/5)²
    expect(Array.from(exact.subarray(T + dim, T + 2 * dim))).toEqual([c * 0.6, c * -0.8, 0].map(Math.fround));
    // The clipped vector is the exact one scaled uniformly.
    const s = stats[0]! / exact[0]!;
    stats.forEach((v, k) => expect(v).toBeCloseTo(s * exact[k]!, 6));
  });
});

describe('ALS item solve (server)', () => {
  it('from exact sums equals the centralized ALS-light item step', () => {
    const r = lcg(11);
    const users = Array.from({ length: 5 }, () => Float32Array.from({ length: dim }, () => 0.5 * r()));
    const data: Interaction[][] = [[{ item: 0, weight: 1 }], [{ item: 0, weight: 2 }, { item: 2, weight: 1 }], [{ item: 3, weight: 1 }], [], [{ item: 2, weight: 3 }]];
    const rows = [0, 2, 3];
    const sum = new Float64Array(alsVectorLength(dim, rows.length));
    for (let u = 0; u < users.length; u++) {
      const v = alsStatistics({ user: users[u]!, dim, rows, interactions: data[u]!, clipNorm: 1e9, userNormCap: 1e9 });
      v.forEach((x, k) => (sum[k] += x));
    }
    const solved = solveAlsItems({ sum, dim, rows: rows.length, lambda: 1 });
    // Centralized: G = Σ u uᵀ, per item (G + λI) v = Σ c·p·u, written out directly.
    for (let k = 0; k < rows.length; k++) {
      const item = rows[k]!;
      const a = new Float64Array(dim * dim);
      const b = new Float64Array(dim);
      for (let u = 0; u < users.length; u++) {
        const uu = users[u]!;
        for (let x = 0; x < dim; x++) for (let y = 0; y < dim; y++) a[x * dim + y] += uu[x]! * uu[y]!;
        const hit = data[u]!.find((p) => p.item === item);
        const c = hit ? 1 + ALS_ALPHA * hit.weight : 1;
        // b = Σ c·p·u: only the users who touched the item (p = 0 elsewhere).
        if (hit) for (let x = 0; x < dim; x++) b[x] += c * uu[x]!;
      }
      const v = new Float64Array(dim);
      ridgeSolve(a, dim, 1, b, v);
      // Check (A + λI) v = b for the server's answer.
      for (let x = 0; x < dim; x++) {
        let lhs = solved[k * dim + x]!;
        for (let y = 0; y < dim; y++) lhs += a[x * dim + y]! * solved[k * dim + y]!;
        expect(lhs).toBeCloseTo(b[x]!, 5);
        expect(solved[k * dim + x]).toBeCloseTo(v[x]!, 5);
      }
    }
  });

  it('survives an indefinite noisy system (the ridge grows until it factorises)', () => {
    const sum = new Float64Array(alsVectorLength(2, 1));
    sum.set([-5, 0, -5, 1, 1]);
    const v = solveAlsItems({ sum, dim: 2, rows: 1, lambda: 1 });
    expect(v.every(Number.isFinite)).toBe(true);
  });
});
