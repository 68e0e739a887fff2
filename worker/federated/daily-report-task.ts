/**
 * The fixed-schedule report tasks (issue 12 §2, core/models/daily-report.ts: 'daily-report' and the
 * 28-day 'monthly-report'): the device answers every round with exactly one report of the task's
 * fixed length — zeros when it did nothing — so that taking part, and when, reveals nothing. It
 * never sits a round out ('no-data' would say "idle" by its absence). The layout comes from the
 * task's labels and the caps from its period (reportBounds: what the device clips with follows
 * from the period the task advertises); a task whose labels the device cannot fill, or whose
 * clipNorm is under the report's exact bound (the server's clip would then change reports), is
 * refused with a RangeError naming it. The round's period is the one its deadline closes; a device
 * whose clock is in another period refuses (checkReportPeriod names both), rather than sending one
 * period's counts as another's. The ledger charges the round like any other (the client does it),
 * and against the period's own limit (the task's ε is per period, renewing:
 * worker/federated/client.ts reportPeriod).
 *
 * What a report counts: the engine's activity since the end of what this device's previous report
 * of the task counted (a cursor in IndexedDB 'state', moved once the report is charged), at most
 * one period back, up to now. A device takes part at the first chance in a period, which for a
 * 28-day report is often on its first day; counting from the period's start would drop the rest
 * of the month, while counting from the last report counts every event in exactly one report as
 * long as the visitor comes back. A report's content is clipped like any other, so the window does
 * not change what one report may reveal (the privacy unit is the device's report, per period).
 */
import { checkReportPeriod, dailyReportClipNorm, encodeDailyReport, layoutFromLabels, periodBounds, periodOf, reportBounds, type PeriodActivity } from '../../core/models/daily-report.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

/** Where the end of the last counted window is kept, per task (IndexedDB 'state' in the browser). */
export interface ReportCursor {
  load(task: string): Promise<number | undefined>;
  save(task: string, countedUntil: number): Promise<void>;
}

export interface DailyReportTaskOptions {
  /** The engine's counts for [start, end), raw; the encoder clips. */
  readonly activity: (start: number, end: number) => Promise<PeriodActivity>;
  /** Absent: every report counts its period from the start (tests, and the simulator's one report a device). */
  readonly cursor?: ReportCursor;
  /** Default Date.now. */
  readonly now?: () => number;
}

/** @example handlers.set('daily-report', createDailyReportTaskHandler({ activity: (start, end) => engine.periodActivity(start, end), cursor })); */
export function createDailyReportTaskHandler(options: DailyReportTaskOptions): LocalTaskHandler {
  const now = options.now ?? Date.now;
  return {
    async train(task: TaskDescriptor, _model: ModelBlob): Promise<LocalOutcome> {
      // The period's length as the task advertises it (privacy.period.days; a day when absent).
      const days = task.privacy.period?.days ?? 1;
      const layout = layoutFromLabels(task.labels ?? [], reportBounds(days));
      if (layout.length !== task.vectorLength) throw new RangeError(`task ${task.task}: its labels describe ${layout.length} values; the task has ${task.vectorLength}`);
      const bound = dailyReportClipNorm(layout);
      if (task.clipNorm < bound - 1e-9) throw new RangeError(`task ${task.task}: clipNorm ${task.clipNorm} is under the report's exact bound ${bound}`);
      const deadline = Date.parse(task.deadline);
      if (!Number.isFinite(deadline)) throw new RangeError(`task ${task.task}: deadline must be a date; got ${JSON.stringify(task.deadline)}`);
      const at = now();
      const open = periodOf(deadline - 1, days);
      checkReportPeriod(periodOf(at, days), open, days);
      const { start, end } = periodBounds(open, days);
      const counted = await options.cursor?.load(task.task);
      // Since the last report's window, but never more than one period back (a device back after months).
      const from = counted === undefined ? start : Math.max(counted, start - (end - start));
      const until = Math.min(at + 1, end);
      const activity = await options.activity(from, until);
      const update = Float32Array.from(encodeDailyReport(layout, activity));
      return { kind: 'update', update, commit: async () => options.cursor?.save(task.task, until) };
    },
  };
}
