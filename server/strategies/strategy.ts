/**
 * A federated round as a template method, in the manner of Flower's Strategy: the coordinator
 * asks `configure` what the next round looks like (or whether to stop), collects contributions,
 * then asks `aggregate` for the new global weights. Strategies do no I/O and keep no state
 * between calls: everything they need is in the arguments; randomness is injected.
 * Wrappers (./dp.ts) compose around a strategy instead of subclassing it.
 */
import type { TaskDefinition } from '../tasks.js';

/** Server-wide round settings after per-task overrides. */
export interface RoundSettings {
  readonly minContributions: number;
  readonly maxContributions: number;
  readonly roundMs: number;
  readonly epsilonBudget: number;
  readonly delta: number;
}

/** What one round asks of devices and of itself; stored with the round, advertised in /v1/tasks. */
export interface RoundConfig {
  readonly vectorLength: number;
  readonly clipNorm: number;
  readonly granularity: number;
  /** Device-side σ, grid units. */
  readonly localNoiseStddev: number;
  /** Server-side σ added to the round's sum, grid units (0 without the DP wrapper). */
  readonly centralNoiseStddev: number;
  readonly localSteps: number;
  readonly learningRate: number;
  readonly minContributions: number;
  readonly maxContributions: number;
  /** Epoch milliseconds. */
  readonly deadline: number;
  /**
   * Fixed-schedule tasks ('daily-report'): the round is one period of this many UTC days, its
   * deadline the period's end (core/models/daily-report.ts periodOf); a contribution to a closed
   * round is refused naming the period.
   */
  readonly periodDays?: number;
  /** ALS rounds: the catalogue rows the statistics cover (advertised to devices). */
  readonly rows?: readonly number[];
  /** ALS rounds: the released popularity counts the rows were chosen by (clamped ≥ 0; stored in the model). */
  readonly popularity?: readonly number[];
  /**
   * A strategy that plans its own split of the task's budget (k-means: 10 / 30 / 30 / 30 % over
   * its schedule) names the fraction of the task's ρ this round is sized for; the DP wrappers then
   * size its noise for share · ρ(ε, δ) · rhoFraction instead of 1/plannedRounds of it.
   */
  readonly rhoFraction?: number;
}

export interface ConfigureContext {
  readonly task: TaskDefinition;
  readonly settings: RoundSettings;
  readonly modelVersion: number;
  readonly now: number;
  /**
   * zCDP ρ already spent by the task's aggregated rounds (its own, not its dependency's). For a
   * fixed-schedule task (`periodDays`), only the rounds open at some time in the period `now` is
   * in: its budget renews each period (./budget.ts).
   */
  readonly rhoSpent: number;
  /**
   * The newest released model of the task's `dependsOn` task (e.g. the popularity counts the ALS
   * task picks its rows from); null when the task has no dependency or it has released nothing yet.
   */
  readonly dependency: Float32Array | null;
}

export type RoundPlan =
  | { readonly kind: 'open'; readonly config: RoundConfig }
  | { readonly kind: 'stop'; readonly reason: 'budget_exhausted'; readonly message: string }
  /** Not yet (e.g. the task's dependency has released nothing): the coordinator asks again later. */
  | { readonly kind: 'wait'; readonly message: string };

export interface AggregateInput {
  readonly roundId: string;
  readonly task: TaskDefinition;
  readonly config: RoundConfig;
  /** Global weights the round trained on (float units). Not modified. */
  readonly weights: Float32Array;
  /** Σ of the round's contributions on the grid, plus any noise added by wrappers. Not modified. */
  readonly sum: Float64Array;
  readonly contributions: number;
}

/** A released aggregate with its error bar, for the dashboard. */
export interface HistogramRelease {
  readonly kind: 'histogram';
  readonly labels: readonly string[];
  readonly values: readonly number[];
  /** Standard deviation of each value's noise (float units). */
  readonly stddev: number;
  readonly contributions: number;
}

export interface RoundPrivacy {
  /** zCDP ρ of this round's release (user-level, see ../privacy/round-privacy.ts). */
  readonly rho: number;
}

export interface AggregateOutput {
  readonly weights: Float32Array;
  readonly release: HistogramRelease | null;
  readonly privacy: RoundPrivacy | null;
}

export interface Strategy {
  configure(context: ConfigureContext): RoundPlan;
  aggregate(input: AggregateInput): AggregateOutput;
}
