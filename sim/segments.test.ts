import { describe, expect, it } from 'vitest';
import { segmentFeatures, type SegmentFeatureSpec } from '../core/models/kmeans.js';
import { formatSegments } from './report.js';
import { compareSegments } from './segments.js';

const spec: SegmentFeatureSpec = { categories: ['Drama', 'Comedy'] };
/** 30 Drama fans and 10 Comedy fans, two kinds far apart. */
const vectors = [
  ...Array.from({ length: 30 }, (_, i) => segmentFeatures(spec, { interests: [{ category: 'Drama', share: 0.8 + i / 300 }], events: 50, recencyDays: 2, weekendShare: 0.3, spend: 0 })),
  ...Array.from({ length: 10 }, (_, i) => segmentFeatures(spec, { interests: [{ category: 'Comedy', share: 0.8 + i / 300 }], events: 5, recencyDays: 60, weekendShare: 0.6, spend: 0 })),
];
const mean = (xs: readonly Float64Array[]): Float64Array => Float64Array.from(xs[0]!, (_, j) => xs.reduce((t, x) => t + x[j]!, 0) / xs.length);
/** Each kind's own mean: what an exact k-means releases. */
const drama = mean(vectors.slice(0, 30));
const comedy = mean(vectors.slice(30));

describe('a segments release beside the truth of the same devices', () => {
  it('counts the senders per anchor (what the noised size estimates), per released centroid, and per matched centralized cluster', () => {
    // The round's anchors put every device in segment 0 (both near the Drama fans); the release
    // then separates them, listing Comedy first: the truth follows the anchors, "now in it" the release.
    const c = compareSegments({
      dataset: 'test', release: 1, roundId: 'segments-v4-x', version: 5, features: [], spec, vectors,
      anchors: [drama, Float64Array.from(drama, (v) => v + 5)], released: [comedy, drama], counts: [41.5, -2],
      descriptions: ['Comedy browsers', 'Drama browsers'], stddev: 2, contributions: 40,
    });
    expect(c.rows.map((r) => r.truth)).toEqual([40, 0]);
    expect(c.rows.map((r) => r.nowIn)).toEqual([10, 30]);
    // Centralized k-means finds the same two kinds; matched to the release's ids.
    expect(c.rows.map((r) => r.central)).toEqual([10, 30]);
    expect(c.maxError).toBeCloseTo(2, 10);
    // The release is the kinds' own means: centralized k-means' optimum, ratio 1.
    expect(c.wcss.ratio).toBeCloseTo(1, 9);
    const table = formatSegments(c, 'ε 1');
    expect(table).toContain('| 0 | Comedy browsers | 41.5 | 40 | +1.5 | 10 | 10 |');
    expect(table).toContain('| 1 | Drama browsers | -2.0 | 0 | −2.0 | 30 | 30 |');
    expect(table).toMatch(/max \|released − true\| = 2\.00 \(1\.00 σ\)/);
  });

  it('refuses a release whose parts disagree on k, naming them', () => {
    expect(() => compareSegments({ dataset: 't', release: 1, roundId: 'r', version: null, features: [], spec, vectors, anchors: [drama], released: [drama, comedy], counts: [1, 2], descriptions: ['a', 'b'], stddev: 1, contributions: 40 }))
      .toThrow(/a release of 2 segments needs 2 anchors, counts and descriptions; got 1, 2, 2/);
  });
});
