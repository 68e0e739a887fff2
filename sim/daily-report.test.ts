import { describe, expect, it } from 'vitest';
import { dailyReportLayout, encodeDailyReport, type PeriodActivity } from '../core/models/daily-report.js';
import { compareReport } from './daily-report.js';
import { formatReport } from './report.js';

const layout = dailyReportLayout({ categories: ['Drama', 'Comedy', 'Horror'], searchTerms: [], segments: 0 });
/** Three devices: two viewed films (one over the per-category cap), one only visited. */
const activities: PeriodActivity[] = [
  { views: { Drama: 30, Comedy: 1 }, stage: 'viewed-product' },
  { views: { Drama: 2 }, stage: 'viewed-product' },
  { stage: 'visited' },
];

describe('a report period beside the truth of the same devices', () => {
  it('decodes the release and the noiseless sum of the same (clipped) reports alike; raw views beside them', () => {
    const exact = new Float64Array(layout.length);
    for (const a of activities) encodeDailyReport(layout, a).forEach((v, i) => (exact[i]! += v));
    // The release: the exact sum plus +3 on Comedy's views (its "noise").
    const values = Array.from(exact);
    values[layout.views + 1]! += 3;
    const c = compareReport('monthly-report', layout, { roundId: 'daily-report-v1-x', values, stddev: 2, contributions: 3 }, '2026-12-07', activities);
    expect(c.funnel.map((r) => [r.label, r.truth])).toEqual([['visited', 3], ['viewed-product', 2], ['carted', 0], ['bought', 0]]);
    expect(c.funnel.map((r) => r.released)).toEqual([3, 2, 0, 0]);
    const drama = c.views.find((r) => r.label === 'Drama')!;
    // Drama's 30 views are capped by the device (the default per-category cap) before they leave: truth is the capped sum, raw the 32 views.
    expect(drama.raw).toBe(32);
    expect(drama.truth).toBeLessThan(32);
    expect(drama.released).toBeCloseTo(drama.truth, 10);
    const comedy = c.views.find((r) => r.label === 'Comedy')!;
    expect(comedy.released - comedy.truth).toBeCloseTo(3, 10);
    expect(c.worst.label).toBe('Comedy');
    expect(c.worst.error).toBeCloseTo(3, 10);
    expect(c.views[0]!.label).toBe('Drama');
    const table = formatReport(c, 'ε 1');
    expect(table).toContain('| visited | 3.0 | ±7.8 | 3 | +0.0 |');
    expect(table).toContain('| Comedy | 4.0 | ±3.9 | 1 | +3.0 | 1 |');
    expect(table).toContain('| 1 other category | | | 0 | | 0 |');
    expect(table).toMatch(/^monthly-report, period 2026-12-07 \(round daily-report-v1-x, 3 reports, ε 1\): σ = 2\.00 per value; farthest from the truth in its own standard errors: Comedy \+3\.0 \(1\.50 se\)\.$/m);
    // The daily report has no categories: no views table; its conversion per segment beside the truth.
    const daily = dailyReportLayout({ categories: [], searchTerms: [], segments: 2 });
    const d = compareReport('daily-report', daily, { roundId: 'r', values: [1, 0, 0, 1, 0, 0, 2.5, 1.5], stddev: 2, contributions: 2 }, '2026-12-07', [{ stage: 'visited', segment: 1 }, { stage: 'bought', segment: 1 }]);
    expect(d.conversion.map((r) => [r.label, r.released, r.truth])).toEqual([['0 visited', 0, 0], ['0 bought', 0, 0], ['1 visited', 2, 2], ['1 bought', 1.5, 1]]);
    expect(formatReport(d, 'ε 1')).not.toContain('views of');
    expect(formatReport(d, 'ε 1')).toContain('| 1 bought | 1.5 | ±3.9 | 1 | +0.5 |');
  });
});
