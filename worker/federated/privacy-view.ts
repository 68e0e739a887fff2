/**
 * The privacy part of `profile()`: budgets spent and left per task, and a receipt for every
 * contribution (when, which round, ε/δ/ρ charged, size). Wire it as the engine's `privacy` option:
 *   new Engine({ site, privacy: () => privacyView({ db, ledger, site, tasks: ['mf-items', 'propensity'] }) })
 */
import type { PrivacyLedger } from '../../core/dp/ledger.js';
import type { ProfileView } from '../../core/protocol/engine-api.js';
import { listReceipts, type ContributionReport, type FederatedDb } from './db.js';

const DAY_MS = 86_400_000;

export interface PrivacyViewOptions {
  readonly db: FederatedDb;
  readonly ledger: PrivacyLedger<ContributionReport>;
  readonly site: string;
  /** Tasks to show a budget for even before their first contribution. */
  readonly tasks?: readonly string[];
}

export async function privacyView(options: PrivacyViewOptions): Promise<ProfileView['privacy']> {
  const receipts = await listReceipts(options.db);
  const tasks = [...new Set([...(options.tasks ?? []), ...receipts.map((r) => r.task)])].sort();
  const budgets = [];
  for (const task of tasks) {
    const view = await options.ledger.spent({ site: options.site, task });
    budgets.push({ task, rhoSpent: view.task?.spentRho ?? 0, rhoLimit: view.task?.limitRho ?? 0, windowDays: view.windowMs / DAY_MS });
  }
  return { budgets, receipts };
}
