import { describe, expect, it } from 'vitest';
import { dailyReportLayout, encodeDailyReport } from '../../core/models/daily-report.js';
import { periodActivity } from './period-activity.js';
import type { SequenceEntry } from './sequence.js';

const day = Date.UTC(2026, 10, 23);
const at = (h: number): number => day + h * 3_600_000;

describe('periodActivity', () => {
  it("counts the period's views, carts and buys per top-level category and the furthest funnel stage", () => {
    const entries: SequenceEntry[] = [
      { categories: ['Drama'], action: 'view', at: at(-1) }, // the day before: not counted
      { categories: ['Drama/Noir', 'Drama', 'Comedy'], action: 'view', at: at(1) },
      { categories: [], action: 'search', at: at(2) },
      { categories: ['Comedy'], action: 'cart', at: at(3) },
      { categories: ['Drama'], action: 'view', at: at(4) },
      { categories: ['Drama'], action: 'view', at: at(25) }, // the next day
    ];
    const a = periodActivity(entries, day, day + 86_400_000, 2);
    expect(a).toEqual({ views: { Drama: 2, Comedy: 1 }, carts: { Comedy: 1 }, buys: {}, searches: {}, stage: 'carted', segment: 2 });
    const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 3 });
    expect([...encodeDailyReport(layout, a)]).toEqual([2, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('an idle period has no stage; a period with only non-product steps is a visit', () => {
    expect(periodActivity([], day, day + 86_400_000).stage).toBeNull();
    expect(periodActivity([{ categories: [], action: 'search', at: at(5) }], day, day + 86_400_000).stage).toBe('visited');
  });
});
