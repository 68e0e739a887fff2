import { describe, expect, it } from 'vitest';
import { emptyCounts, EVALUATION_CLIP_NORM, HELD_OUT_MAX, modelEvaluationLabels, namedCounts, versionSlot, VERSION_SLOTS } from './model-evaluation.js';

describe('model-evaluation layout', () => {
  it('names every count of every version slot once', () => {
    const labels = modelEvaluationLabels();
    const perSlot = namedCounts(emptyCounts()).length;
    expect(perSlot).toBe(21); // 5 hit counts, 4 confusion counts, 4 calibration bins × 3
    expect(labels).toHaveLength(VERSION_SLOTS * perSlot);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.slice(0, 3)).toEqual(['v0 held-out', 'v0 model hit@1', 'v0 model hit@5']);
    expect(labels).toContain('v7+ calibration 50-100% expected');
    expect(labels).toContain('v2 calibration 2-10% buys');
  });

  it('maps versions onto slots, later ones pooled in the last', () => {
    expect([0, 1, 6, 7, 8, 1000].map(versionSlot)).toEqual(['v0', 'v1', 'v6', 'v7+', 'v7+', 'v7+']);
    expect(() => versionSlot(-1)).toThrow(RangeError);
    expect(() => versionSlot(1.5)).toThrow(/version must be an integer/);
  });

  it('bounds the worst device exactly by the clip norm', () => {
    const h = HELD_OUT_MAX;
    // Every held-out step a hit for both, every step a purchase predicted, all in one calibration bin.
    const worst = {
      heldOut: h, model: { hit1: h, hit5: h }, baseline: { hit1: h, hit5: h }, buy: { tp: h, fp: 0, fn: 0, tn: 0 },
      calibration: [{ steps: 0, buys: 0, expected: 0 }, { steps: 0, buys: 0, expected: 0 }, { steps: 0, buys: 0, expected: 0 }, { steps: h, buys: h, expected: h }],
    };
    const norm = Math.hypot(...namedCounts(worst).map(([, v]) => v));
    expect(norm).toBe(EVALUATION_CLIP_NORM);
    expect(() => namedCounts({ ...worst, calibration: [] })).toThrow(/calibration must have 4 bins/);
  });
});
