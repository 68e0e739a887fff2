/**
 * The owner's funnel and per-category counts: one period of each fixed-schedule report task
 * ('daily-report': the funnel; 'monthly-report': views per category over 28 days;
 * core/models/daily-report.ts) filled by the simulated devices, and its release beside the truth of
 * the same devices.
 *
 * A report counts what the device did in the period, and the period is now (the server's clock):
 * replayed histories end years ago, so every report would be zeros. So each simulated visitor first
 * comes back today (`visitToday`) and views the films it rated last, its held-out 20 % (sim/data.ts),
 * tracked as the storefront tracks them (population.ts eventsOfRating), stamped in order between
 * the day's start and now (inside the 28-day period too). The data set has no carts or buys: the
 * funnel ends at "viewed a product", as in sim/experiments/daily-report.ts. The engine then counts
 * the period (engine.periodActivity → worker/features/period-activity.ts) and the device sends its
 * one report per task (worker/federated/daily-report-task.ts) through the same client and secure
 * aggregation.
 *
 * Truth: the same devices' reports without noise — each one's `periodActivity` encoded exactly as
 * the device encodes it (clipped with the period's caps), summed, and decoded like the release
 * (decodeDailyReport): so released − true is the DP noise alone; the raw views before the clip are
 * listed beside them.
 */
import { decodeDailyReport, encodeDailyReport, FUNNEL_STAGES, layoutFromLabels, periodBounds, periodLabel, periodOf, REPORT_TASKS, reportBounds, type DailyReportLayout } from '../core/models/daily-report.js';
import { latestAggregate } from './category-histogram.js';
import type { Catalogue } from './data.js';
import { fetchTask, fillHistogramRound, type DevicePool } from './federation.js';
import { eventsOfRating, type Visitor } from './population.js';
import type { SeededRandom } from './random.js';

/**
 * Every visitor with held-out films views them today, between the UTC day's start and `now`, in
 * their order. Returns the product views ingested.
 */
export async function visitToday(visitors: readonly Visitor[], catalogue: Catalogue, now: number): Promise<number> {
  const { start } = periodBounds(periodOf(now));
  let views = 0;
  for (const visitor of visitors) {
    const films = visitor.user.heldOut;
    if (films.length === 0) continue;
    visitor.setNow(now);
    // Two events a film (view, then review 1 ms later), spread over the period so far.
    const step = Math.max(2, Math.floor((now - start) / (films.length + 1)));
    const events = films.flatMap((rating, i) => eventsOfRating(visitor.user.userId, visitor.user.train.length + i, { ...rating, timestamp: Math.min(now - 2, start + step * (i + 1)) }, catalogue));
    const result = await visitor.engine.ingest(events);
    const first = result.errors[0];
    if (first) throw new Error(`user ${visitor.user.userId}: the engine refused today's event: ${first.field} ${first.rule} (${first.message})`);
    views += films.length;
  }
  return views;
}

export interface ReportRow {
  readonly label: string;
  /** Decoded from the release (post-processed: ≥ 0, the funnel non-increasing). */
  readonly released: number;
  /** Standard error of the raw estimate. */
  readonly se: number;
  /** The same decode of the noiseless sum of the same devices' (clipped) reports. */
  readonly truth: number;
  /** Before the device's clip (views only; the funnel is one per device). */
  readonly raw: number;
}

export interface ReportComparison {
  readonly task: string;
  readonly roundId: string;
  /** The period, as core/models/daily-report.ts periodLabel names it ('2026-12-07', '2026-11-26+28d'). */
  readonly period: string;
  readonly reports: number;
  /** σ of the noise on each coordinate of the released sum. */
  readonly stddev: number;
  /** Devices that reached each stage or further. */
  readonly funnel: readonly ReportRow[];
  /** Product views per category, most viewed (truth) first (none for a report without categories). */
  readonly views: readonly ReportRow[];
  /** Per segment (the daily report): devices in it that visited ('<g> visited') and that bought ('<g> bought'). */
  readonly conversion: readonly ReportRow[];
  /**
   * The row farthest from its truth in its own standard errors (a funnel stage's se is σ√stages,
   * larger than a single value's σ): its label, released − true and se.
   */
  readonly worst: { readonly label: string; readonly error: number; readonly se: number };
}

export type ReportRun =
  | { readonly kind: 'compared'; readonly comparison: ReportComparison }
  | { readonly kind: 'not-compared'; readonly task: string; readonly senders: number; readonly reason: string };

/** A period's release beside the truth of the same devices' activity (see the header). */
export function compareReport(task: string, layout: DailyReportLayout, release: { readonly roundId: string; readonly values: readonly number[]; readonly stddev: number; readonly contributions: number }, period: string, activities: readonly Parameters<typeof encodeDailyReport>[1][]): ReportComparison {
  const truthSum = new Float64Array(layout.length);
  const rawViews = layout.categories.map(() => 0);
  for (const activity of activities) {
    const report = encodeDailyReport(layout, activity);
    for (let i = 0; i < report.length; i++) truthSum[i]! += report[i]!;
    layout.categories.forEach((c, i) => (rawViews[i]! += activity.views?.[c] ?? 0));
  }
  const released = decodeDailyReport(layout, release.values, release.stddev, release.contributions);
  const truth = decodeDailyReport(layout, truthSum, 0, activities.length);
  const funnel = FUNNEL_STAGES.map((stage, s): ReportRow => ({ label: stage, released: released.funnel[s]!.value, se: released.funnel[s]!.se, truth: truth.funnel[s]!.value, raw: truth.funnel[s]!.value }));
  const views = layout.categories
    .map((category, i): ReportRow => ({ label: category, released: released.views[i]!.value, se: released.views[i]!.se, truth: truth.views[i]!.value, raw: rawViews[i]! }))
    .sort((a, b) => b.truth - a.truth || a.label.localeCompare(b.label));
  const conversion = released.conversion.flatMap((c, g): ReportRow[] => [
    { label: `${g} visited`, released: c.visited.value, se: c.visited.se, truth: truth.conversion[g]!.visited.value, raw: truth.conversion[g]!.visited.value },
    { label: `${g} bought`, released: c.bought.value, se: c.bought.se, truth: truth.conversion[g]!.bought.value, raw: truth.conversion[g]!.bought.value },
  ]);
  return {
    task,
    roundId: release.roundId,
    period,
    reports: release.contributions,
    stddev: release.stddev,
    funnel,
    views,
    conversion,
    worst: [...funnel, ...views, ...conversion]
      .map((r) => ({ label: r.label, error: r.released - r.truth, se: r.se }))
      .reduce((a, b) => (Math.abs(b.error) / (b.se || 1) > Math.abs(a.error) / (a.se || 1) ? b : a)),
  };
}

/**
 * One period of the report task `taskName` filled with `visitors` until the round is full (a full
 * round is released at once; otherwise it waits for the period's end, and this compares nothing).
 * Not compared when the release counts devices other than these. Call `visitToday` first.
 */
export async function runReport(endpoint: string, pool: DevicePool, visitors: readonly Visitor[], taskName: string, random: SeededRandom, timeoutMs = 60_000): Promise<ReportRun> {
  const notCompared = (senders: number, reason: string): ReportRun => ({ kind: 'not-compared', task: taskName, senders, reason });
  const task = await fetchTask(endpoint, taskName);
  if (task === undefined) return notCompared(0, `no open ${taskName} round (the period's budget is spent, or the server runs no such task)`);
  const days = task.privacy.period?.days ?? 1;
  const layout = layoutFromLabels(task.labels ?? [], reportBounds(days));
  const open = periodOf(Date.parse(task.deadline) - 1, days);
  const { start, end } = periodBounds(open, days);
  const skips = new Map<string, number>();
  const senders = await fillHistogramRound(endpoint, pool, visitors, taskName, random, (why) => skips.set(why, (skips.get(why) ?? 0) + 1));
  if (senders.length < task.minContributions) {
    const mostCommon = [...skips].sort((a, b) => b[1] - a[1])[0];
    const why = mostCommon === undefined ? '' : `; ${mostCommon[1]} devices did not: ${mostCommon[0]}`;
    return notCompared(senders.length, `only ${senders.length} devices reported (the round needs ${task.minContributions})${why}`);
  }
  if (senders.length < task.maxContributions) return notCompared(senders.length, `${senders.length} of ${task.maxContributions} reports: the round is released at the period's end, ${new Date(end).toISOString()}`);
  // (No next round opens this period: its ρ is spent. So wait for the release itself.)
  const waited = Date.now();
  let aggregate = await latestAggregate(endpoint, taskName);
  while (aggregate?.roundId !== task.roundId && Date.now() - waited < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    aggregate = await latestAggregate(endpoint, taskName);
  }
  if (aggregate === undefined || aggregate.roundId !== task.roundId) return notCompared(senders.length, `round ${task.roundId} was not released within ${timeoutMs / 1000} s`);
  if (aggregate.contributions !== senders.length) return notCompared(senders.length, `round ${task.roundId} released ${aggregate.contributions} reports, not these ${senders.length} devices' alone`);
  const activities = [];
  for (const visitor of senders) activities.push(await pool.periodActivity(visitor, start, end));
  return { kind: 'compared', comparison: compareReport(taskName, layout, aggregate, periodLabel(open, days), activities) };
}

/**
 * Today's visit, then one period of each report task the server runs, in REPORT_TASKS' order (the
 * same devices, one report each per task).
 */
export async function runReports(endpoint: string, pool: DevicePool, visitors: readonly Visitor[], catalogue: Catalogue, random: SeededRandom): Promise<{ readonly viewsToday: number; readonly runs: readonly ReportRun[] }> {
  const viewsToday = await visitToday(visitors, catalogue, Date.now());
  const runs: ReportRun[] = [];
  for (const task of REPORT_TASKS) runs.push(await runReport(endpoint, pool, visitors, task, random));
  return { viewsToday, runs };
}
