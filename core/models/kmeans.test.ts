import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_WEIGHT,
  centroidsFromSums,
  coresetCentroids,
  describeSegment,
  encodeKmeansContribution,
  featureDimension,
  featureNames,
  hyperplaneCellOf,
  hyperplaneNormals,
  INTEREST_WEIGHT,
  kmeansClipNorm,
  kmeansLayout,
  kmeansTensors,
  kmeansVectorLength,
  matchSegments,
  meanLayout,
  minCostAssignment,
  minimumCount,
  nearestCentroid,
  planesFor,
  planRadius,
  populationFromSums,
  populationMean,
  PRIOR_MEAN_SQUARE,
  projectFeatures,
  RADIUS_MAX_MULTIPLE,
  readFeatures,
  segmentFeatures,
  squaredDistance,
  weightedKmeans,
  type KmeansLayout,
  type SegmentFeatureSpec,
  type SegmentInputs,
} from './kmeans.js';
import { seededUniform } from './seeded-uniform.js';

const spec: SegmentFeatureSpec = { categories: ['Drama', 'Comedy', 'Sci-Fi', 'Horror'] };
const d = featureDimension(spec); // 4 interests + 4 activity features
const base: SegmentInputs = { interests: [{ category: 'Drama', share: 0.5 }, { category: 'Comedy', share: 0.5 }], events: 20, recencyDays: 30, weekendShare: 0.3, spend: 0 };

/** Random feature vectors of real devices (through segmentFeatures), from a seeded generator. */
function randomDevices(n: number, seed: number): Float64Array[] {
  const random = seededUniform(seed);
  return Array.from({ length: n }, () => {
    const raw = spec.categories.map(() => random() ** 3);
    const total = raw.reduce((a, b) => a + b, 0) + random() * 0.3;
    return segmentFeatures(spec, {
      interests: spec.categories.map((category, j) => ({ category, share: raw[j]! / total })),
      events: Math.floor(random() * 2000),
      recencyDays: random() < 0.1 ? null : random() * 800,
      weekendShare: random(),
      spend: random() * 3000,
    });
  });
}

/** The sum a round releases without noise: every device's encoded block, added up. */
function exactSum(layout: KmeansLayout, devices: readonly Float64Array[], blockOf: (x: Float64Array) => number, anchors: readonly Float64Array[]): Float64Array {
  const sum = new Float64Array(kmeansVectorLength(layout));
  for (const x of devices) {
    const b = blockOf(x);
    encodeKmeansContribution(layout, b, x, anchors[b]).forEach((v, i) => (sum[i]! += v));
  }
  return sum;
}

describe('segment features', () => {
  it('maps the engine figures into the documented ranges, interests then activity', () => {
    expect(featureNames(spec)).toEqual(['interest:Drama', 'interest:Comedy', 'interest:Sci-Fi', 'interest:Horror', 'frequency', 'recency', 'weekend', 'spend']);
    const x = segmentFeatures(spec, { ...base, interests: [{ category: 'Sci-Fi', share: 0.6 }, { category: 'Western', share: 0.4 }] });
    expect(x).toHaveLength(d);
    // Western is not a listed category: its share is left out ("none of these"), not spread.
    expect(Array.from(x.subarray(0, 4))).toEqual([0, 0, 0.6 * INTEREST_WEIGHT, 0]);
    const view = readFeatures(spec, x);
    expect(view.events).toBeCloseTo(20, 9);
    expect(view.recencyDays).toBeCloseTo(30, 9);
    expect(view.weekendShare).toBeCloseTo(0.3, 12);
    expect(view.spend).toBeCloseTo(0, 12);
    // Clipped at the caps; no event → recency 0, weekend at the neutral 2/7.
    const capped = readFeatures(spec, segmentFeatures(spec, { ...base, events: 1e6, recencyDays: 5000, spend: 1e9, weekendShare: null }));
    expect(capped.activity).toEqual({ frequency: 1, recency: 0, weekend: 2 / 7, spend: 1 });
  });

  it('is in the unit ball whatever the history, with the bound reached by the most extreme visitor', () => {
    const extreme = segmentFeatures(spec, { interests: [{ category: 'Horror', share: 1 }], events: 1e9, recencyDays: 0, weekendShare: 1, spend: 1e9 });
    expect(Math.hypot(...extreme)).toBeCloseTo(1, 12);
    for (const x of randomDevices(500, 3)) expect(Math.hypot(...x)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('names the input a device cannot turn into a feature', () => {
    expect(() => segmentFeatures(spec, { ...base, interests: [{ category: 'Drama', share: 0.8 }, { category: 'Comedy', share: 0.4 }] })).toThrow(/interests: shares must add up to ≤ 1/);
    expect(() => segmentFeatures(spec, { ...base, interests: [{ category: 'Drama', share: Number.NaN }] })).toThrow(/interests\[0\] \(Drama\): share must be in \[0, 1\]/);
    expect(() => segmentFeatures(spec, { ...base, events: -1 })).toThrow(/events: must be a finite number ≥ 0/);
    expect(() => segmentFeatures(spec, { ...base, recencyDays: Number.POSITIVE_INFINITY })).toThrow(/recencyDays/);
    expect(() => segmentFeatures(spec, { ...base, weekendShare: 1.5 })).toThrow(/weekendShare: must be in \[0, 1\] or null/);
    expect(() => segmentFeatures({ categories: [] }, base)).toThrow(/categories: a segment task needs 1 to 16/);
    expect(() => segmentFeatures({ categories: ['A', 'A'] }, base)).toThrow(/categories: must be distinct/);
  });

  it('projects a noisy centroid onto the domain, never farther from any device', () => {
    const random = seededUniform(11);
    const devices = randomDevices(50, 12);
    for (let t = 0; t < 200; t++) {
      const noisy = Array.from({ length: d }, () => (random() - 0.5) * 1.5);
      const p = projectFeatures(spec, noisy);
      const interests = Array.from(p.subarray(0, 4));
      expect(Math.min(...interests)).toBeGreaterThanOrEqual(0);
      expect(interests.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(INTEREST_WEIGHT + 1e-12);
      for (let i = 4; i < d; i++) {
        expect(p[i]!).toBeGreaterThanOrEqual(0);
        expect(p[i]!).toBeLessThanOrEqual(ACTIVITY_WEIGHT);
      }
      // Non-expansive onto a convex set that holds every device.
      for (const x of devices.slice(0, 5)) expect(squaredDistance(p, x)).toBeLessThanOrEqual(squaredDistance(noisy, x) + 1e-12);
    }
    for (const x of devices) expect(Array.from(projectFeatures(spec, x))).toEqual(Array.from(x));
  });
});

describe('the upload', () => {
  const layout = kmeansLayout(3, d, 0.15);

  it('has one non-zero block [δ, a, b·‖δ‖²/C²] within the exact L2 bound √(C² + a² + b²)', () => {
    expect(kmeansVectorLength(layout)).toBe(3 * (d + 2));
    expect(kmeansTensors(layout)).toEqual([{ name: 'sums', shape: [3, d + 2] }]);
    expect(kmeansClipNorm(layout)).toBeCloseTo(0.15 * Math.sqrt(1 + 0.25 + 0.0625), 12);
    const devices = randomDevices(300, 5);
    const anchors = randomDevices(3, 6);
    let clipped = 0;
    devices.forEach((x, i) => {
      const block = i % 3;
      const v = encodeKmeansContribution(layout, block, x, anchors[block]);
      const at = block * (d + 2);
      for (let j = 0; j < v.length; j++) if (j < at || j >= at + d + 2) expect(v[j]).toBe(0);
      expect(Math.hypot(...v)).toBeLessThanOrEqual(kmeansClipNorm(layout));
      expect(v[at + d]).toBeCloseTo(layout.countWeight, 7);
      const distance = Math.sqrt(squaredDistance(x, anchors[block]!));
      const delta = Math.hypot(...v.subarray(at, at + d));
      if (distance > layout.radius) clipped++;
      // The delta keeps its direction and is cut to C; the spread slot is its squared length over C².
      expect(delta).toBeCloseTo(Math.min(distance, layout.radius), 5);
      expect(v[at + d + 1]).toBeCloseTo(layout.spreadWeight * (delta / layout.radius) ** 2, 6);
    });
    expect(clipped).toBeGreaterThan(0); // the bound holds because of the clip, not by luck
    // The mean round: raw features from the origin, radius 1: nothing clipped, the bound still exact.
    const mean = meanLayout(d);
    for (const x of devices) expect(Math.hypot(...encodeKmeansContribution(mean, 0, x))).toBeLessThanOrEqual(kmeansClipNorm(mean));
  });

  it('rejects what does not fit the layout', () => {
    const x = randomDevices(1, 1)[0]!;
    expect(() => encodeKmeansContribution(layout, 3, x)).toThrow(/block: must be an integer in \[0, 2\]/);
    expect(() => encodeKmeansContribution(layout, 0, x.subarray(1))).toThrow(/x: expected 8 features/);
    expect(() => encodeKmeansContribution(layout, 0, Float64Array.from(x, (v, i) => (i === 2 ? Number.NaN : v)))).toThrow(/x\[2\]: must be finite/);
    expect(() => kmeansLayout(0, d, 0.1)).toThrow(/blocks: must be an integer in \[1, 1024\]/);
    expect(() => kmeansLayout(2, d, 0)).toThrow(/radius: must be in \(0, 2\]/);
  });

  it('puts a device in the cell of its hyperplane side pattern and sizes the cells by the population', () => {
    const normals = hyperplaneNormals(d, 3, 7);
    expect(normals.map((v) => Math.hypot(...v))).toEqual([1, 1, 1].map((one) => expect.closeTo(one, 12)));
    const anchor = new Float64Array(d);
    const x = Float64Array.from(normals[1]!); // on the positive side of plane 1
    const expected = normals.reduce((cell, v, i) => cell | ((v.reduce((s, t, j) => s + t * x[j]!, 0) > 0 ? 1 : 0) << i), 0);
    expect(hyperplaneCellOf(x, anchor, normals)).toBe(expected);
    expect(expected & 2).toBe(2);
    expect(hyperplaneCellOf(anchor, anchor, normals)).toBe(0);
    expect([10, 160, 671, 21_081, 1e7].map(planesFor)).toEqual([3, 3, 5, 10, 10]);
  });
});

describe('the server step', () => {
  it('without noise is the Lloyd step, with counts, kept segments and the spread about the new centroid', () => {
    const devices = randomDevices(400, 21);
    const centroids = weightedKmeans(devices, devices.map(() => 1), 3, { restarts: 3, random: seededUniform(2) }).centroids;
    const layout = kmeansLayout(3, d, 2); // C above every distance: no clip
    const sum = exactSum(layout, devices, (x) => nearestCentroid(centroids, x), centroids);
    const update = centroidsFromSums(spec, layout, sum, centroids, 1);
    for (let j = 0; j < 3; j++) {
      const members = devices.filter((x) => nearestCentroid(centroids, x) === j);
      expect(update.counts[j]).toBeCloseTo(members.length, 4);
      const mean = Array.from({ length: d }, (_, i) => members.reduce((s, x) => s + x[i]!, 0) / members.length);
      update.centroids[j]!.forEach((v, i) => expect(v).toBeCloseTo(mean[i]!, 5));
    }
    // Parallel axis: mean squared distance to the NEW centroids, exactly.
    const truth = devices.reduce((s, x) => s + squaredDistance(x, update.centroids[nearestCentroid(centroids, x)]!), 0) / devices.length;
    expect(update.meanSquare).toBeCloseTo(truth, 5);
    expect(update.kept).toEqual([false, false, false]);
  });

  it('keeps a noise-dominated or empty segment where it was and clamps counts at 0', () => {
    const layout = kmeansLayout(2, d, 0.2);
    const previous = randomDevices(2, 4);
    const sum = new Float64Array(kmeansVectorLength(layout));
    // Block 0: 50 devices exactly at +0.01 per feature; block 1: noise only, a negative count.
    for (let i = 0; i < d; i++) sum[i] = 50 * 0.01;
    sum[d] = 50 * layout.countWeight;
    sum[d + 2 + 3] = 0.7;
    sum[2 * (d + 2) - 2] = -2 * layout.countWeight;
    const minCount = minimumCount(1, layout.countWeight); // σ 1: 3σ/a = 30 devices
    expect(minCount).toBeCloseTo(30, 12);
    const update = centroidsFromSums(spec, layout, sum, previous, minCount);
    expect(update.kept).toEqual([false, true]);
    expect(update.counts).toEqual([expect.closeTo(50, 9), 0]);
    expect(Array.from(update.centroids[1]!)).toEqual(Array.from(previous[1]!));
    expect(Array.from(update.centroids[0]!)).toEqual(Array.from(projectFeatures(spec, previous[0]!.map((v) => v + 0.01))));
    expect(() => centroidsFromSums(spec, layout, sum.subarray(1), previous, minCount)).toThrow(/sums: expected 20 values/);
    expect(() => centroidsFromSums(spec, layout, sum, previous.slice(1), minCount)).toThrow(/anchors: expected 2/);
    expect(() => centroidsFromSums(spec, layout, sum.map((v, i) => (i === 3 ? Number.NaN : v)), previous, minCount)).toThrow(/sums\[3\]: must be finite/);
  });

  it('reads the population from the mean round, blending a noisy spread towards the prior', () => {
    const devices = randomDevices(300, 8);
    const sum = exactSum(meanLayout(d), devices, () => 0, [new Float64Array(d)]);
    const mean = Array.from({ length: d }, (_, i) => devices.reduce((s, x) => s + x[i]!, 0) / devices.length);
    const spread = devices.reduce((s, x) => s + squaredDistance(x, mean), 0) / devices.length;
    const exact = populationFromSums(spec, sum, 0)!;
    expect(exact.devices).toBeCloseTo(300, 4);
    exact.mean.forEach((v, i) => expect(v).toBeCloseTo(mean[i]!, 5));
    expect(exact.meanSquare).toBeCloseTo(spread, 5);
    // With noise σ 5 on 300 devices the estimate's sd (σ/(b·n) = 0.067) is larger than the prior: pulled most of the way.
    const noisy = populationFromSums(spec, sum, 5)!;
    expect(Math.abs(noisy.meanSquare - PRIOR_MEAN_SQUARE)).toBeLessThan(Math.abs(spread - PRIOR_MEAN_SQUARE));
    expect(populationFromSums(spec, new Float64Array(d + 2), 5)).toBeNull();
  });

  it('finds well-separated segments from the coreset of their cells', () => {
    const random = seededUniform(9);
    const centres = [
      segmentFeatures(spec, { ...base, interests: [{ category: 'Sci-Fi', share: 1 }], events: 500, weekendShare: 0.9 }),
      segmentFeatures(spec, { ...base, interests: [{ category: 'Drama', share: 1 }], events: 3, weekendShare: 0.05 }),
      segmentFeatures(spec, { ...base, interests: [{ category: 'Comedy', share: 0.5 }, { category: 'Horror', share: 0.5 }], spend: 800, recencyDays: 1 }),
    ];
    const devices = Array.from({ length: 600 }, (_, i) => projectFeatures(spec, centres[i % 3]!.map((v) => v + (random() - 0.5) * 0.04)));
    const mean = Float64Array.from({ length: d }, (_, i) => devices.reduce((s, x) => s + x[i]!, 0) / devices.length);
    const normals = hyperplaneNormals(d, 4, 1);
    const layout = kmeansLayout(16, d, 1);
    const anchors = Array.from({ length: 16 }, () => mean);
    const sum = exactSum(layout, devices, (x) => hyperplaneCellOf(x, mean, normals), anchors);
    const { centroids, meanSquare } = coresetCentroids(spec, layout, sum, anchors, 3, { minCount: 1, seed: 1 });
    for (const c of centres) expect(Math.min(...centroids.map((q) => Math.sqrt(squaredDistance(q, c))))).toBeLessThan(0.03);
    expect(meanSquare).toBeGreaterThan(0);
    expect(meanSquare!).toBeLessThan(0.01);
    expect(() => coresetCentroids(spec, layout, sum, anchors, 1, { minCount: 1, seed: 1 })).toThrow(/k: must be an integer in \[2, 16\]/);
  });

  it('plans the radius from the rms distance: 1 × with little signal, 2.5 × with much, the whole bound without noise', () => {
    const rms = 0.1;
    expect(planRadius({ meanSquare: rms ** 2, devices: 671, dims: 10, noisePerRadius: 10 })).toBeCloseTo(rms, 12);
    expect(planRadius({ meanSquare: rms ** 2, devices: 21_081, dims: 10, noisePerRadius: 10 })).toBeCloseTo(RADIUS_MAX_MULTIPLE * rms, 12);
    expect(planRadius({ meanSquare: rms ** 2, devices: 50 * 4 * 10 * Math.sqrt(10), dims: 10, noisePerRadius: 10 })).toBeCloseTo(2 * rms, 9);
    expect(planRadius({ meanSquare: 0.25, devices: 10, dims: 10, noisePerRadius: 0 })).toBe(1);
    expect(planRadius({ meanSquare: 0, devices: 10, dims: 10, noisePerRadius: 1 })).toBe(0.02);
    expect(() => planRadius({ meanSquare: -1, devices: 10, dims: 10, noisePerRadius: 1 })).toThrow(/meanSquare: must be a finite number ≥ 0/);
  });
});

describe('stable segment ids', () => {
  function bruteForce(cost: number[][]): number {
    const n = cost.length;
    let best = Infinity;
    const permute = (row: number, used: boolean[], total: number): void => {
      if (row === n) return void (best = Math.min(best, total));
      for (let j = 0; j < n; j++) {
        if (used[j]) continue;
        used[j] = true;
        permute(row + 1, used, total + cost[row]![j]!);
        used[j] = false;
      }
    };
    permute(0, new Array<boolean>(n).fill(false), 0);
    return best;
  }

  it('finds the minimum-cost assignment (checked against all permutations, n ≤ 6)', () => {
    const random = seededUniform(31);
    for (let t = 0; t < 200; t++) {
      const n = 1 + (t % 6);
      const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.floor(random() * 20) - 5));
      const column = minCostAssignment(cost);
      expect(new Set(column).size).toBe(n);
      expect(column.reduce((s, j, i) => s + cost[i]![j]!, 0)).toBe(bruteForce(cost));
    }
    expect(() => minCostAssignment([[1, 2], [3]])).toThrow(/cost\[1\]: the matrix must be square/);
    expect(() => minCostAssignment([[Number.NaN]])).toThrow(/cost\[0\]\[0\]: must be finite/);
  });

  it('gives a new version the ids of the previous centroids it is closest to', () => {
    const previous = randomDevices(6, 41);
    const permutation = [3, 0, 5, 1, 4, 2];
    const random = seededUniform(42);
    const next = permutation.map((j) => previous[j]!.map((v) => v + (random() - 0.5) * 0.01));
    const matched = matchSegments(previous, next);
    // Id j gets the new centroid that came from previous[j].
    matched.order.forEach((slot, id) => expect(permutation[slot]).toBe(id));
    matched.centroids.forEach((c, id) => expect(Math.sqrt(squaredDistance(c, previous[id]!))).toBeLessThan(0.02));
    expect(Math.max(...matched.moved)).toBeLessThan(0.02);
    expect(() => matchSegments(previous, next.slice(1))).toThrow(/next: expected 6 centroids/);
  });
});

describe('a segment in words', () => {
  const everyone = segmentFeatures(spec, { interests: [{ category: 'Drama', share: 0.4 }, { category: 'Comedy', share: 0.3 }, { category: 'Sci-Fi', share: 0.15 }, { category: 'Horror', share: 0.15 }], events: 40, recencyDays: 30, weekendShare: 2 / 7, spend: 20 });

  it('names what sets a segment apart: activity, weekend, interests above the population, spend, recency', () => {
    const fans = segmentFeatures(spec, { interests: [{ category: 'Sci-Fi', share: 0.5 }, { category: 'Horror', share: 0.3 }, { category: 'Drama', share: 0.2 }], events: 600, recencyDays: 2, weekendShare: 0.7, spend: 900 });
    expect(describeSegment(spec, fans, everyone)).toBe('frequent weekend Sci-Fi & Horror buyers, high spend, active this week');
    const quiet = segmentFeatures(spec, { interests: [{ category: 'Drama', share: 0.9 }, { category: 'Comedy', share: 0.1 }], events: 2, recencyDays: 200, weekendShare: 0.1, spend: 0 });
    expect(describeSegment(spec, quiet, everyone)).toBe('occasional weekday Drama browsers, lapsed');
    expect(describeSegment(spec, everyone, everyone)).toBe('all-round buyers');
  });

  it('weighs the population mean by the segments\u2019 sizes, negative noisy counts as 0', () => {
    const a = Float64Array.from({ length: d }, () => 0.1);
    const b = Float64Array.from({ length: d }, () => 0.3);
    expect(Array.from(populationMean([a, b], [30, 10]))).toEqual(Array.from({ length: d }, () => expect.closeTo(0.15, 12)));
    expect(Array.from(populationMean([a, b], [30, -4]))).toEqual(Array.from(a).map((v) => expect.closeTo(v, 12)));
    expect(() => populationMean([a, b], [1])).toThrow(/counts: one per centroid/);
  });
});
