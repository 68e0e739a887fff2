import { describe, expect, it } from 'vitest';
import { segmentInputs } from './segment-inputs.js';

const SATURDAY_NOON = new Date(2026, 10, 7, 12).getTime(); // local time, as the Worker reads it
const MONDAY_NOON = new Date(2026, 10, 9, 12).getTime();

describe('segmentInputs', () => {
  it('is null before the first event: nothing to describe the visitor with', () => {
    expect(segmentInputs({ interests: [], events: 0, recencyDays: null, spend: 0, stepTimes: [] })).toBeNull();
  });

  it('sums shares by top-level category, renormalises rounding above 1, and reads the weekend share of the kept steps', () => {
    const inputs = segmentInputs({
      interests: [{ category: 'Drama/Period', longTerm: 0.5 }, { category: 'Drama', longTerm: 0.2 }, { category: 'Comedy', longTerm: 0.3000001 }, { category: 'Horror', longTerm: 0 }],
      events: 12,
      recencyDays: 2,
      spend: -1,
      stepTimes: [SATURDAY_NOON, SATURDAY_NOON, MONDAY_NOON, MONDAY_NOON],
    })!;
    const total = inputs.interests.reduce((a, s) => a + s.share, 0);
    expect(total).toBeLessThanOrEqual(1);
    expect(inputs.interests.map((s) => s.category)).toEqual(['Drama', 'Comedy']);
    expect(inputs.interests[0]!.share).toBeCloseTo(0.7, 6);
    expect(inputs).toMatchObject({ events: 12, recencyDays: 2, weekendShare: 0.5, spend: 0 });
    expect(segmentInputs({ interests: [], events: 3, recencyDays: 0, spend: 5, stepTimes: [] })!.weekendShare).toBeNull();
  });
});
