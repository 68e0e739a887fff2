/**
 * The privacy part of `profile()`: budgets spent and left per task, and a receipt for every
 * contribution (when, which round, ε/δ/ρ charged, size). Wire it as the engine's `privacy` option:
 *   new Engine({ site, privacy: () => privacyView({ db, ledger, site, tasks: ['mf-items', 'propensity'] }) })
 *
 * A fixed-schedule task (the daily report) also gets its per-period budget (`period`), from the
 * period its newest report was charged against (worker/federated/client.ts): ε per period, what the
 * current period cost, when it renews, and every period's report composed.
 */
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import type { PrivacyLedger } from '../../core/dp/ledger.js';
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
import type { PeriodBudgetView, ProfileView } from '../../core/protocol/engine-api.js';
import { listReceipts, type ContributionReport, type FederatedDb, type StoredLedgerEntry } from './db.js';

const DAY_MS = 86_400_000;

export interface PrivacyViewOptions {
  readonly db: FederatedDb;
  readonly ledger: PrivacyLedger<ContributionReport>;
  readonly site: string;
  /** Tasks to show a budget for even before their first contribution. */
  readonly tasks?: readonly string[];
  /** Default Date.now. */
  readonly now?: () => number;
}

export async function privacyView(options: PrivacyViewOptions): Promise<ProfileView['privacy']> {
  const receipts = await listReceipts(options.db);
  const entries = await options.db.getAllFromIndex('ledger', 'at');
  const now = (options.now ?? Date.now)();
  const tasks = [...new Set([...(options.tasks ?? []), ...receipts.map((r) => r.task)])].sort();
  const budgets = [];
  for (const task of tasks) {
    const view = await options.ledger.spent({ site: options.site, task });
    const period = periodBudget(entries.filter((e) => e.charge.site === options.site && e.charge.task === task), now);
    budgets.push({ task, rhoSpent: view.task?.spentRho ?? 0, rhoLimit: view.task?.limitRho ?? 0, windowDays: view.windowMs / DAY_MS, ...(period === undefined ? {} : { period }) });
  }
  return { budgets, receipts };
}

/** The task's per-period budget from its newest report that names a period; undefined for other tasks. */
function periodBudget(entries: readonly StoredLedgerEntry[], now: number): PeriodBudgetView | undefined {
  const newest = [...entries].reverse().find((e) => e.report.period !== undefined)?.report;
  const period = newest?.period;
  if (newest === undefined || period === undefined) return undefined;
  const current = periodBounds(periodOf(now, period.days), period.days);
  const reported = entries.filter((e) => e.report.period !== undefined);
  const rhoThisPeriod = reported.filter((e) => e.charge.at >= current.start && e.charge.at < current.end).reduce((a, e) => a + e.charge.rho, 0);
  const rhoAll = reported.reduce((a, e) => a + e.charge.rho, 0);
  return {
    days: period.days,
    epsilonPerPeriod: period.epsilonLimit,
    epsilonThisPeriod: zcdpToEpsilon(rhoThisPeriod, newest.delta).epsilon,
    renewsAt: current.end,
    periodsReported: new Set(reported.map((e) => periodOf(e.charge.at, period.days))).size,
    epsilonComposed: zcdpToEpsilon(rhoAll, newest.delta).epsilon,
  };
}
