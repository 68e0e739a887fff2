/**
 * The 'daily-report' task (issue 12 §2, core/models/daily-report.ts): the device answers every
 * round with exactly one report of the task's fixed length — zeros when it did nothing in the
 * period — so that taking part, and when, reveals nothing. It never sits a round out ('no-data'
 * would say "idle today" by its absence). The layout comes from the task's labels; a task whose
 * labels the device cannot fill, or whose clipNorm is under the report's exact bound (the server's
 * clip would then change reports), is refused with a RangeError naming it. The round's period is
 * the one its deadline closes; a device whose clock is in another period refuses (checkReportPeriod
 * names both), rather than sending one period's counts as another's. The ledger charges the round
 * like any other (the client does it), and against the period's own limit (the task's ε is per
 * period, renewing: worker/federated/client.ts reportPeriod).
 *
 * What the report counts is the engine's activity in the period so far, read at the time the
 * device takes part (a report per period, so activity after it waits for the next period's).
 */
import { checkReportPeriod, dailyReportClipNorm, encodeDailyReport, layoutFromLabels, periodBounds, periodOf, type PeriodActivity } from '../../core/models/daily-report.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

export interface DailyReportTaskOptions {
  /** The engine's counts for [start, end) (end: now, inside the period), raw; the encoder clips. */
  readonly activity: (start: number, end: number) => Promise<PeriodActivity>;
  /** Default Date.now. */
  readonly now?: () => number;
}

/** @example handlers.set('daily-report', createDailyReportTaskHandler({ activity: (start, end) => engine.periodActivity(start, end) })); */
export function createDailyReportTaskHandler(options: DailyReportTaskOptions): LocalTaskHandler {
  const now = options.now ?? Date.now;
  return {
    async train(task: TaskDescriptor, _model: ModelBlob): Promise<LocalOutcome> {
      const layout = layoutFromLabels(task.labels ?? []);
      if (layout.length !== task.vectorLength) throw new RangeError(`task ${task.task}: its labels describe ${layout.length} values; the task has ${task.vectorLength}`);
      const bound = dailyReportClipNorm(layout);
      if (task.clipNorm < bound - 1e-9) throw new RangeError(`task ${task.task}: clipNorm ${task.clipNorm} is under the report's exact bound ${bound}`);
      const deadline = Date.parse(task.deadline);
      if (!Number.isFinite(deadline)) throw new RangeError(`task ${task.task}: deadline must be a date; got ${JSON.stringify(task.deadline)}`);
      const at = now();
      // The period's length as the task advertises it (privacy.period.days; a day when absent).
      const days = task.privacy.period?.days ?? 1;
      const open = periodOf(deadline - 1, days);
      checkReportPeriod(periodOf(at, days), open, days);
      const { start, end } = periodBounds(open, days);
      const activity = await options.activity(start, Math.min(at + 1, end));
      const update = Float32Array.from(encodeDailyReport(layout, activity));
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}
