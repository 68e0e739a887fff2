import { describe, expect, it } from 'vitest';
import { dailyReportClipNorm, dailyReportLabels, dailyReportLayout, reportBounds } from '../../core/models/daily-report.js';
import { contributionByteLength, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { createDailyReportTaskHandler } from './daily-report-task.js';

const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: ['drama'], segments: 2 });
const labels = dailyReportLabels(layout);
const task: TaskDescriptor = {
  task: 'daily-report', kind: 'histogram', model: { name: 'daily-report', version: 1 }, roundId: 'd1', vectorLength: layout.length,
  clipNorm: dailyReportClipNorm(layout), granularity: 0.01, localNoiseStddev: 200, localSteps: 0, learningRate: 0, deadline: '2026-11-24T00:00:00Z',
  expectedBytes: contributionByteLength(layout.length), minContributions: 1, maxContributions: 10, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 }, labels,
};
const blob = { header: { name: 'daily-report', version: 1, tensors: [{ name: 'report', shape: [layout.length] }], dtype: 'float32' as const }, data: new Float32Array(layout.length) };
const noon = Date.parse('2026-11-23T12:00:00Z');

describe('daily-report task', () => {
  it('sends a report of the fixed length every period, zeros when idle (never sits a round out)', async () => {
    const idle = await createDailyReportTaskHandler({ activity: async () => ({}), now: () => noon }).train(task, blob);
    expect(idle.kind).toBe('update');
    expect(idle.kind === 'update' && idle.update.length).toBe(layout.length);
    expect(idle.kind === 'update' && [...idle.update].every((v) => v === 0)).toBe(true);
  });

  it("counts the open period's activity, clipped, from the period's start", async () => {
    let asked: [number, number] | undefined;
    const busy = await createDailyReportTaskHandler({
      activity: async (start, end) => {
        asked = [start, end];
        return { views: { Drama: 5 }, buys: { Comedy: 1 }, stage: 'bought', segment: 1 };
      },
      now: () => noon,
    }).train(task, blob);
    expect(asked).toEqual([Date.parse('2026-11-23T00:00:00Z'), noon + 1]);
    if (busy.kind !== 'update') throw new Error('expected an update');
    expect(busy.update[layout.views]).toBe(2);
    expect(busy.update[layout.buys + 1]).toBe(1);
    expect(busy.update[layout.funnel + 3]).toBe(1);
    expect([...busy.update.subarray(layout.conversion)]).toEqual([0, 0, 1, 1]);
  });

  it('resumes counting where its last charged report stopped (at most one period back), so no event is counted twice or dropped', async () => {
    const saved = new Map<string, number>();
    const cursor = { load: async (t: string) => saved.get(t), save: async (t: string, at: number) => void saved.set(t, at) };
    const windows: [number, number][] = [];
    const activity = async (start: number, end: number) => (windows.push([start, end]), {});
    let clock = noon;
    const handler = createDailyReportTaskHandler({ activity, cursor, now: () => clock });
    const first = await handler.train(task, blob);
    // Not charged yet (the ledger refused, say): the next report counts the same events again.
    clock = noon + 3_600_000;
    const again = await handler.train(task, blob);
    if (again.kind !== 'update' || first.kind !== 'update') throw new Error('expected updates');
    await again.commit();
    expect(saved.get('daily-report')).toBe(noon + 3_600_001);
    // The next day's report starts where that one ended, yesterday afternoon.
    clock = noon + 86_400_000;
    await handler.train({ ...task, deadline: '2026-11-25T00:00:00Z' }, blob);
    // A device back after a month counts at most one period back.
    clock = noon + 30 * 86_400_000;
    await handler.train({ ...task, deadline: '2026-12-24T00:00:00Z' }, blob);
    expect(windows).toEqual([
      [Date.parse('2026-11-23T00:00:00Z'), noon + 1],
      [Date.parse('2026-11-23T00:00:00Z'), noon + 3_600_001],
      [noon + 3_600_001, noon + 86_400_001],
      [Date.parse('2026-12-22T00:00:00Z'), noon + 30 * 86_400_000 + 1],
    ]);
  });

  it("clips a 28-day report with the 28-day caps the task's period implies", async () => {
    const monthly = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0, bounds: reportBounds(28) });
    const m: TaskDescriptor = {
      ...task, task: 'monthly-report', vectorLength: monthly.length, clipNorm: dailyReportClipNorm(monthly), labels: dailyReportLabels(monthly), deadline: '2026-12-17T00:00:00Z',
      expectedBytes: contributionByteLength(monthly.length), privacy: { ...task.privacy, period: { days: 28, epsilonSpent: 0, renewsAt: '2026-12-17T00:00:00Z' } },
    };
    const out = await createDailyReportTaskHandler({ activity: async () => ({ views: { Drama: 40, Comedy: 3 } }), now: () => noon }).train(m, blob);
    expect(out.kind === 'update' && [...out.update.subarray(0, 2)]).toEqual([16, 3]);
    // The daily caps' clipNorm is under the 28-day bound: refused, not clipped differently from what the server assumes.
    await expect(createDailyReportTaskHandler({ activity: async () => ({}), now: () => noon }).train({ ...m, clipNorm: 6 }, blob)).rejects.toThrow(/under the report's exact bound/);
  });

  it('refuses a round of another period, labels it cannot fill, a clipNorm under the bound', async () => {
    const handler = createDailyReportTaskHandler({ activity: async () => ({}), now: () => noon + 86_400_000 });
    await expect(handler.train(task, blob)).rejects.toThrow('report for period 2026-11-24 is for a period not open yet; the open period is 2026-11-23');
    const ok = createDailyReportTaskHandler({ activity: async () => ({}), now: () => noon });
    await expect(ok.train({ ...task, labels: labels.map((l) => (l === 'funnel:carted' ? 'funnel:paid' : l)) }, blob)).rejects.toThrow(/labels\[8\] must be "funnel:carted"/);
    await expect(ok.train({ ...task, clipNorm: 1 }, blob)).rejects.toThrow(/under the report's exact bound/);
    await expect(ok.train({ ...task, vectorLength: layout.length + 1 }, blob)).rejects.toThrow(/labels describe 15 values; the task has 16/);
  });
});
