import { describe, expect, it } from 'vitest';
import { seededUniform } from './seeded-uniform.js';
import {
  blockBound,
  checkReportPeriod,
  dailyReportLabels,
  layoutFromLabels,
  dailyReportClipNorm,
  dailyReportLayout,
  dailyReportSigma,
  DAY_MS,
  reportBounds,
  decodeDailyReport,
  DEFAULT_DAILY_REPORT_BOUNDS,
  encodeDailyReport,
  FUNNEL_STAGES,
  nonIncreasing,
  periodBounds,
  periodLabel,
  periodOf,
  type PeriodActivity,
} from './daily-report.js';

const CATEGORIES = ['Drama', 'Comedy', 'Action', 'Horror', 'Sci-Fi', 'Romance', 'Family', 'Crime', 'War', 'Music'];
const layout = dailyReportLayout({ categories: CATEGORIES, searchTerms: ['drama', 'comedy', 'space'], segments: 3 });

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

describe('dailyReportLayout', () => {
  it('lays the blocks out one after the other: 3K + 4 + V + 2S', () => {
    expect(layout.length).toBe(3 * 10 + 4 + 3 + 2 * 3);
    expect([layout.views, layout.carts, layout.buys, layout.funnel, layout.searches, layout.conversion]).toEqual([0, 10, 20, 30, 34, 37]);
    expect(layout.bounds).toBe(DEFAULT_DAILY_REPORT_BOUNDS);
  });

  it('rejects a bad spec with a RangeError naming the argument', () => {
    expect(() => dailyReportLayout({ categories: 'Drama' as unknown as string[], searchTerms: [], segments: 0 })).toThrow(/spec\.categories/);
    expect(() => dailyReportLayout({ categories: ['a', 'a'], searchTerms: [], segments: 0 })).toThrow(/spec\.categories\[1\] must be unique/);
    expect(() => dailyReportLayout({ categories: ['a'], searchTerms: [''], segments: 0 })).toThrow(RangeError);
    expect(() => dailyReportLayout({ categories: ['a'], searchTerms: [], segments: 17 })).toThrow(/spec\.segments/);
    expect(() =>
      dailyReportLayout({ categories: ['a'], searchTerms: [], segments: 0, bounds: { ...DEFAULT_DAILY_REPORT_BOUNDS, views: { perCategory: 0, perPeriod: 4 } } }),
    ).toThrow(/spec\.bounds\.views\.perCategory/);
  });
});

describe('a report without categories, and the caps by period', () => {
  it('lays out and bounds the daily report that carries only the funnel, searches and conversion', () => {
    const daily = dailyReportLayout({ categories: [], searchTerms: ['drama', 'comedy', 'horror'], segments: 4 });
    expect(daily.length).toBe(4 + 3 + 8);
    expect(dailyReportLabels(daily).slice(0, 2)).toEqual(['funnel:visited', 'funnel:viewed-product']);
    expect(dailyReportClipNorm(daily)).toBeCloseTo(Math.sqrt(1 + 2 + 2), 12); // funnel, two search terms, [visited, bought]
    expect(layoutFromLabels(dailyReportLabels(daily)).length).toBe(daily.length);
    const report = encodeDailyReport(daily, { views: { Drama: 5 }, stage: 'bought', segment: 2 });
    expect([...report]).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  });

  it('caps a longer period more loosely, as measured, and refuses a period outside [1, 28]', () => {
    expect(reportBounds(1)).toBe(DEFAULT_DAILY_REPORT_BOUNDS);
    expect(reportBounds(7).views).toEqual({ perCategory: 8, perPeriod: 64 });
    expect(reportBounds(28).views).toEqual({ perCategory: 16, perPeriod: 128 });
    const monthly = dailyReportLayout({ categories: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], searchTerms: [], segments: 0, bounds: reportBounds(28) });
    expect(dailyReportClipNorm(monthly)).toBeCloseTo(Math.sqrt(8 * 256 + 16 + 16 + 1), 12);
    expect(() => reportBounds(29)).toThrow(/periodDays/);
  });
});

describe('the L2 bound', () => {
  it('blockBound is the vertex of { 0 ≤ x ≤ b, Σx ≤ m } farthest from 0', () => {
    expect(blockBound({ perCategory: 1, perPeriod: 4 })).toBe(2);
    expect(blockBound({ perCategory: 2, perPeriod: 5 })).toBeCloseTo(Math.sqrt(2 * 4 + 1), 12);
    expect(blockBound({ perCategory: 2, perPeriod: 16 }, 3)).toBeCloseTo(Math.sqrt(12), 12); // only 3 coordinates
  });

  it('is exact: a device that maxes every block reaches it', () => {
    const all = Object.fromEntries(CATEGORIES.map((c) => [c, 100]));
    const report = encodeDailyReport(layout, { views: all, carts: all, buys: all, searches: { drama: 5, comedy: 5, space: 5 }, stage: 'bought', segment: 1 });
    // Proportional scaling spreads the block over all 10 categories (16/10 each), under the vertex's
    // norm; a device with 8 categories at 2 reaches it.
    expect(norm(report)).toBeLessThanOrEqual(dailyReportClipNorm(layout) + 1e-12);
    const eight = Object.fromEntries(CATEGORIES.slice(0, 8).map((c) => [c, 2]));
    const one = { Drama: 1, Comedy: 1 };
    const max = encodeDailyReport(layout, { views: eight, carts: one, buys: one, searches: { drama: 1, space: 1 }, stage: 'bought', segment: 0 });
    expect(norm(max)).toBeCloseTo(dailyReportClipNorm(layout), 12);
    expect(dailyReportClipNorm(layout)).toBeCloseTo(Math.sqrt(32 + 2 + 2 + 1 + 2 + 2), 12);
  });

  it('holds for 2,000 random activities (property test, deterministic seed)', () => {
    const rng = seededUniform(12);
    const bound = dailyReportClipNorm(layout);
    for (let t = 0; t < 2000; t++) {
      const counts = (): Record<string, number> => Object.fromEntries(CATEGORIES.filter(() => rng() < 0.4).map((c) => [c, Math.floor(rng() ** 3 * 50)]));
      const activity: PeriodActivity = {
        views: counts(),
        carts: counts(),
        buys: counts(),
        searches: { drama: Math.floor(rng() * 4), space: Math.floor(rng() * 4), unknown: 9 },
        stage: rng() < 0.2 ? null : FUNNEL_STAGES[Math.floor(rng() * 4)]!,
        segment: rng() < 0.3 ? null : Math.floor(rng() * 3),
      };
      const report = encodeDailyReport(layout, activity);
      expect(report.length).toBe(layout.length);
      expect(norm(report)).toBeLessThanOrEqual(bound + 1e-9);
    }
  });
});

describe('encodeDailyReport', () => {
  it('sends zeros of the same length for an idle period', () => {
    const idle = encodeDailyReport(layout, {});
    expect(idle.length).toBe(layout.length);
    expect([...idle].every((v) => v === 0)).toBe(true);
  });

  it('caps each count, scales an over-full block proportionally, ignores names outside the vocabulary', () => {
    const r = encodeDailyReport(layout, { views: { Drama: 30, Comedy: 1, Unknown: 5 }, stage: 'viewed-product' });
    expect(r[0]).toBe(2);
    expect(r[1]).toBe(1);
    expect(r[layout.funnel + 1]).toBe(1);
    const heavy = encodeDailyReport(layout, { views: Object.fromEntries(CATEGORIES.map((c) => [c, 3])) });
    for (let i = 0; i < 10; i++) expect(heavy[i]).toBeCloseTo(1.6, 12); // 10 × 2 = 20 > 16: × 0.8
  });

  it('writes conversion into the segment slot only when the device visited', () => {
    const r = encodeDailyReport(layout, { stage: 'bought', segment: 2 });
    expect([...r.subarray(layout.conversion)]).toEqual([0, 0, 0, 0, 1, 1]);
    const idle = encodeDailyReport(layout, { segment: 2 });
    expect([...idle.subarray(layout.conversion)]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects negative counts, unknown stages and segments out of range', () => {
    expect(() => encodeDailyReport(layout, { views: { Drama: -1 } })).toThrow(/activity\.views\.Drama/);
    expect(() => encodeDailyReport(layout, { stage: 'paid' as never })).toThrow(/activity\.stage/);
    expect(() => encodeDailyReport(layout, { stage: 'visited', segment: 3 })).toThrow(/activity\.segment/);
  });
});

describe('periods', () => {
  it('are whole UTC days (or periodDays of them) since the epoch', () => {
    const t = Date.UTC(2013, 9, 16, 23, 59, 59);
    expect(periodOf(t)).toBe(Math.floor(t / DAY_MS));
    expect(periodOf(Date.UTC(2013, 9, 17))).toBe(periodOf(t) + 1);
    expect(periodLabel(periodOf(t))).toBe('2013-10-16');
    const { start, end } = periodBounds(periodOf(t));
    expect(start).toBeLessThanOrEqual(t);
    expect(end).toBeGreaterThan(t);
    expect(periodLabel(periodOf(t, 7), 7)).toMatch(/^\d{4}-\d{2}-\d{2}\+7d$/);
    expect(() => periodOf(Number.NaN)).toThrow(/atMs/);
    expect(() => periodOf(0, 29)).toThrow(/periodDays/);
  });
});

describe('decodeDailyReport', () => {
  it('clamps counts at 0, makes the funnel non-increasing and within the reports, rates in [0, 1]', () => {
    const sum = new Float64Array(layout.length);
    sum[0] = 120.4;
    sum[1] = -3.2;
    // Furthest-stage counts: visited-only 50, viewed 30, carted −4 (noise), bought 10.
    sum.set([50, 30, -4, 10], layout.funnel);
    sum.set([80, 12, 5, -2, 0, 0], layout.conversion);
    const est = decodeDailyReport(layout, sum, 3, 100);
    expect(est.views[0]).toEqual({ value: 120.4, se: 3 });
    expect(est.views[1]!.value).toBe(0);
    // Raw suffix sums 86, 36, 6, 10: 6 < 10 breaks the order, pooled to 8, 8.
    expect(est.funnel.map((e) => e.value)).toEqual([86, 36, 8, 8]);
    expect(est.funnel.map((e) => e.se)).toEqual([6, 3 * Math.sqrt(3), 3 * Math.sqrt(2), 3]);
    expect(est.conversion[0]!.rate.value).toBeCloseTo(0.15, 12);
    expect(est.conversion[0]!.rate.se).toBeCloseTo((3 * Math.sqrt(1 + 0.15 ** 2)) / 80, 12);
    expect(est.conversion[1]!.bought.value).toBe(0);
    expect(est.conversion[2]!.rate).toEqual({ value: 0, se: Infinity });
    expect(decodeDailyReport(layout, sum.map((v) => v * 10), 3, 100).funnel[0]!.value).toBe(100); // ≤ the reports
  });

  it('rejects a sum of the wrong size', () => {
    expect(() => decodeDailyReport(layout, new Float64Array(layout.length - 1), 1, 10)).toThrow(/sum\.length must be 43/);
  });

  it('nonIncreasing is the pool-adjacent-violators fit', () => {
    expect(nonIncreasing([5, 3, 4, 1])).toEqual([5, 3.5, 3.5, 1]);
    expect(nonIncreasing([1, 2, 3])).toEqual([2, 2, 2]);
  });

  it('dailyReportSigma is Δ/√(2ρ)', () => {
    expect(dailyReportSigma(layout, 0.5)).toBeCloseTo(dailyReportClipNorm(layout), 12);
    expect(() => dailyReportSigma(layout, 0)).toThrow(/rho/);
  });
});

describe('labels and periods of the task', () => {
  it('labels round-trip to the layout; a label out of place is named', () => {
    const labels = dailyReportLabels(layout);
    expect(labels.length).toBe(layout.length);
    expect(labels[layout.funnel]).toBe('funnel:visited');
    expect(labels[layout.conversion + 3]).toBe('segment:1:bought');
    const back = layoutFromLabels(labels);
    expect(dailyReportLabels(back)).toEqual(labels);
    const swapped = [...labels];
    swapped[layout.funnel] = 'funnel:bought';
    expect(() => layoutFromLabels(swapped)).toThrow(/labels\[30\] must be "funnel:visited"/);
    expect(() => layoutFromLabels(labels.slice(0, -1))).toThrow(RangeError);
  });

  it('a report for a closed period (or one not open yet) is refused naming both periods', () => {
    const open = periodOf(Date.UTC(2013, 9, 16, 12));
    expect(() => checkReportPeriod(open, open)).not.toThrow();
    expect(() => checkReportPeriod(open - 1, open)).toThrow('report for period 2013-10-15 is for a closed period; the open period is 2013-10-16');
    expect(() => checkReportPeriod(open + 1, open)).toThrow(/2013-10-17 is for a period not open yet/);
    expect(() => checkReportPeriod(1.5, open)).toThrow(/period must be/);
  });
});
