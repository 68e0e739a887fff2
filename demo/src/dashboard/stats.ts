/**
 * The shape of the aggregator's `GET /v1/stats` answer, as the dashboard reads it. The demo may
 * not import project code (it is a client like any other), so this mirrors
 * core/protocol/aggregator.ts's `StatsResponse`; `parseStats` checks the fields it draws so that
 * a different server version shows a clear message instead of a broken page.
 */

export interface RoundStats {
  readonly roundId: string;
  readonly baseVersion: number;
  readonly producedVersion: number | null;
  readonly contributions: number;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly outcome: 'open' | 'aggregated' | 'expired';
  readonly epsilonAfter: number | null;
}

export interface QualityPoint {
  readonly version: number;
  readonly metric: string;
  readonly series: string;
  readonly value: number;
  readonly at: string;
}

export interface HistogramAggregate {
  readonly roundId: string;
  readonly labels: readonly string[];
  /** Noised counts as released (unbiased; may be below zero). */
  readonly values: readonly number[];
  /** The same post-processed: ≥ 0, adding up to `contributions` (absent from older servers). */
  readonly projected?: readonly number[];
  readonly stddev: number;
  readonly contributions: number;
}

export interface TaskStats {
  readonly task: string;
  readonly kind: 'fedavg' | 'histogram' | 'kmeans' | 'als';
  readonly model: { readonly name: string; readonly version: number };
  readonly status: 'open' | 'budget_exhausted';
  readonly privacy: {
    readonly epsilonBudget: number;
    readonly delta: number;
    readonly epsilonSpent: number;
    readonly rhoSpent: number;
    /** A fixed-schedule task (the daily report): epsilonBudget is per period and renews; epsilonSpent composes all periods. */
    readonly period?: { readonly days: number; readonly epsilonSpent: number; readonly renewsAt: string };
  };
  readonly currentRound: RoundStats | null;
  /** What one device uploads per contribution (absent from older servers; null before any round). */
  readonly bytesPerContribution?: number | null;
  readonly rounds: readonly RoundStats[];
  readonly quality: readonly QualityPoint[];
  readonly aggregates: readonly HistogramAggregate[];
}

/** A helper's round as the leader last heard of it (core/protocol/secure-aggregation.ts HelperRoundStats). */
export interface HelperRoundStats {
  readonly roundId: string;
  readonly task: string;
  readonly shares: number;
  readonly collected: number | null;
}

/** Present when the aggregator is the leader of a secure-aggregation pair (LeaderHelperView). */
export interface HelperView {
  readonly url: string;
  readonly reachable: boolean;
  readonly checkedAt: string | null;
  readonly problem: string | null;
  readonly keyIds: readonly number[];
  readonly rounds: readonly HelperRoundStats[];
}

export interface StatsResponse {
  readonly generatedAt: string;
  readonly totals: { readonly contributions: number; readonly roundsAggregated: number };
  readonly tasks: readonly TaskStats[];
  readonly helper?: HelperView;
}

export type StatsResult =
  | { readonly kind: 'ok'; readonly stats: StatsResponse }
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The first field the dashboard draws that is missing or of the wrong kind, or null. */
function statsProblem(body: unknown): string | null {
  if (!isRecord(body)) return 'the answer is not a JSON object';
  if (!Array.isArray(body.tasks)) return '"tasks" must be an array';
  if (!isRecord(body.totals)) return '"totals" must be an object';
  for (const [i, task] of body.tasks.entries()) {
    if (!isRecord(task)) return `tasks[${i}] must be an object`;
    for (const field of ['rounds', 'quality', 'aggregates'] as const) {
      if (!Array.isArray(task[field])) return `tasks[${i}].${field} must be an array`;
    }
    if (!isRecord(task.privacy) || !isRecord(task.model)) return `tasks[${i}] needs "privacy" and "model" objects`;
    const period = task.privacy.period;
    if (period !== undefined && (!isRecord(period) || typeof period.days !== 'number' || typeof period.epsilonSpent !== 'number' || typeof period.renewsAt !== 'string')) {
      return `tasks[${i}].privacy.period must be an object with numbers "days", "epsilonSpent" and a string "renewsAt"`;
    }
  }
  if (body.helper !== undefined) {
    if (!isRecord(body.helper) || !Array.isArray(body.helper.rounds) || !Array.isArray(body.helper.keyIds)) return '"helper" must be an object with "rounds" and "keyIds" arrays';
  }
  return null;
}

/** The structure is checked; the remaining scalar fields are only printed, so a wrong one shows as text. */
function isStats(body: unknown): body is StatsResponse {
  return statsProblem(body) === null;
}

export function parseStats(body: unknown): StatsResult {
  if (isStats(body)) return { kind: 'ok', stats: body };
  return { kind: 'invalid', reason: statsProblem(body) ?? 'unknown shape' };
}

export async function fetchStats(url = '/v1/stats'): Promise<StatsResult> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (error) {
    return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
  }
  if (!response.ok) return { kind: 'unreachable', reason: `${url} answered HTTP ${response.status}` };
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return { kind: 'unreachable', reason: `${url} answered ${type || 'no content type'}, not JSON` };
  try {
    return parseStats(await response.json());
  } catch {
    return { kind: 'invalid', reason: `${url} did not answer valid JSON` };
  }
}
