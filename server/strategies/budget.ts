/**
 * The budget check both DP wrappers make before opening a round: the round's worst-case ρ (closing
 * with minContributions) must keep the task within its budget. A task with a `budgetShare` s < 1
 * (e.g. the popularity histogram and the ALS task, which share one budget: server/tasks.ts) may
 * spend at most s · ρ(ε, δ) itself, in zCDP ρ (which adds up over tasks and rounds, so the shares
 * together stay within ε); a task with the whole budget keeps the ε comparison it always had.
 *
 * A fixed-schedule task (`periodDays`, the 'daily-report') has a budget that renews: ε is per
 * period, `context.rhoSpent` is what the rounds open at some time in the current period spent
 * (the coordinator sums them), and a round that would take the period past ε is not refused for
 * good but waits for the next period ('wait'); the coordinator asks again on its ticks. Since a
 * device sends at most one report per round, and only while the round is open, no device spends
 * more than ε in any one period; over N periods the costs compose (N × ρ), which /v1/stats reports.
 */
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import type { ConfigureContext, RoundPlan } from './strategy.js';

/** Relative slack for ρ computed two ways (σ calibrated from ρ, then ρ recomputed from σ). */
const RHO_SLACK = 1e-9;

/** A stop plan when one more round (worst case `worstRho`) would exceed the task's budget, else null. */
export function budgetStop(context: ConfigureContext, worstRho: number, what = 'round'): RoundPlan | null {
  const { epsilonBudget, delta } = context.settings;
  const periodDays = context.task.periodDays;
  if (periodDays !== undefined) {
    const rhoBudget = zcdpRhoFor({ epsilon: epsilonBudget, delta });
    if (context.rhoSpent + worstRho <= rhoBudget * (1 + RHO_SLACK)) return null;
    const renews = new Date(periodBounds(periodOf(context.now, periodDays), periodDays).end).toISOString();
    return {
      kind: 'wait',
      message: `task ${context.task.task} has spent ρ = ${context.rhoSpent.toPrecision(4)} of its per-period budget (ε = ${epsilonBudget} per ${periodDays === 1 ? 'day' : `${periodDays} days`}, ρ = ${rhoBudget.toPrecision(4)}, δ = ${delta}) in the period ending ${renews}; one more ${what} costs up to ρ = ${worstRho.toPrecision(4)}; the budget renews at ${renews}`,
    };
  }
  const share = context.task.budgetShare ?? 1;
  if (share < 1) {
    const rhoBudget = share * zcdpRhoFor({ epsilon: epsilonBudget, delta });
    if (context.rhoSpent + worstRho <= rhoBudget * (1 + RHO_SLACK)) return null;
    return {
      kind: 'stop',
      reason: 'budget_exhausted',
      message: `task ${context.task.task} has spent ρ = ${context.rhoSpent.toPrecision(4)} of its share ${share} of the ε = ${epsilonBudget} budget (ρ = ${rhoBudget.toPrecision(4)}, δ = ${delta}); one more ${what} costs up to ρ = ${worstRho.toPrecision(4)}`,
    };
  }
  const epsilonAfter = zcdpToEpsilon(context.rhoSpent + worstRho, delta).epsilon;
  if (epsilonAfter <= epsilonBudget) return null;
  const spent = zcdpToEpsilon(context.rhoSpent, delta).epsilon;
  return {
    kind: 'stop',
    reason: 'budget_exhausted',
    message: `task ${context.task.task} has spent ε = ${spent.toFixed(3)} of ${epsilonBudget} (δ = ${delta}); one more ${what} could reach ε = ${epsilonAfter.toFixed(3)}`,
  };
}
