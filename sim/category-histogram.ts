/**
 * The dashboard's DP aggregate, checked against the truth: one round of the 'category-histogram'
 * task (each device sends its top long-term genre as a one-hot vector, privatized on the device),
 * and beside its release the true histogram of the same devices' top genres, read from the same
 * replayed profiles the devices answered from (worker/federated/histogram-task.ts topInterest).
 *
 * What the comparison says: the release's error is the DP noise and nothing else (a one-hot is
 * exactly 100 grid steps, so quantisation adds no error), so released − true should look like
 * N(0, σ²) per bin. A bias before any noise (the simulator once sent only a film's first genre)
 * shows as a truth that does not look like the data (sim/category-histogram.test.ts pins its shape).
 */
import type { HistogramAggregate, StatsResponse } from '../core/protocol/aggregator.js';
import { topInterest } from '../worker/federated/histogram-task.js';
import { fillHistogramRound, type DevicePool } from './federation.js';
import type { Visitor } from './population.js';
import type { SeededRandom } from './random.js';

/** The server's task the dashboard draws (server/tasks.ts). */
export const CATEGORY_TASK = 'category-histogram';

export interface HistogramComparison {
  readonly roundId: string;
  readonly labels: readonly string[];
  /** How many of the devices that sent have each label as their top genre. */
  readonly truth: readonly number[];
  /** The noised counts as released (unbiased). */
  readonly released: readonly number[];
  /** The release post-processed by the server (≥ 0, adding up to the contributions). */
  readonly projected: readonly number[];
  /** σ of the noise in each bin, as the server states it. */
  readonly stddev: number;
  readonly contributions: number;
  /** max over bins of |estimate − true|. */
  readonly maxError: { readonly released: number; readonly projected: number };
  /** ‖estimate − true‖₂. */
  readonly l2Error: { readonly released: number; readonly projected: number };
  /** Total variation distance of the shares: ½ Σ |estimate − true| / n. */
  readonly tvd: { readonly released: number; readonly projected: number };
}

/** Counts of each label among `tops` (a top outside the labels, or none, is not counted). */
export function countLabels(labels: readonly string[], tops: readonly (string | null)[]): number[] {
  const counts = labels.map(() => 0);
  for (const top of tops) {
    const i = top === null ? -1 : labels.indexOf(top);
    if (i >= 0) counts[i]!++;
  }
  return counts;
}

/** Each visitor's top genre, exactly as its device answers the histogram task. */
export async function topCategories(visitors: readonly Visitor[]): Promise<(string | null)[]> {
  const tops: (string | null)[] = [];
  for (const visitor of visitors) tops.push(topInterest(await visitor.engine.profile()));
  return tops;
}

/** The release beside the truth, with its errors. */
export function compareHistogram(aggregate: HistogramAggregate, truth: readonly number[]): HistogramComparison {
  if (truth.length !== aggregate.labels.length) throw new RangeError(`truth has ${truth.length} counts; the release has ${aggregate.labels.length} labels`);
  const n = aggregate.contributions;
  const errors = (estimate: readonly number[]) => {
    const diff = estimate.map((v, i) => v - truth[i]!);
    return {
      max: Math.max(...diff.map(Math.abs)),
      l2: Math.sqrt(diff.reduce((s, d) => s + d * d, 0)),
      tvd: n > 0 ? diff.reduce((s, d) => s + Math.abs(d), 0) / (2 * n) : 0,
    };
  };
  const released = errors(aggregate.values);
  const projected = errors(aggregate.projected);
  return {
    roundId: aggregate.roundId,
    labels: aggregate.labels,
    truth,
    released: aggregate.values,
    projected: aggregate.projected,
    stddev: aggregate.stddev,
    contributions: n,
    maxError: { released: released.max, projected: projected.max },
    l2Error: { released: released.l2, projected: projected.l2 },
    tvd: { released: released.tvd, projected: projected.tvd },
  };
}

/** The task's newest release from the public stats, or undefined. */
export async function latestAggregate(endpoint: string, taskName = CATEGORY_TASK): Promise<HistogramAggregate | undefined> {
  const response = await fetch(`${endpoint}/v1/stats`);
  if (!response.ok) throw new Error(`GET ${endpoint}/v1/stats answered ${response.status}`);
  const stats = (await response.json()) as StatsResponse;
  const aggregates = stats.tasks.find((t) => t.task === taskName)?.aggregates ?? [];
  return aggregates[aggregates.length - 1];
}

export type CategoryHistogramRun =
  | { readonly kind: 'compared'; readonly comparison: HistogramComparison }
  | { readonly kind: 'not-compared'; readonly senders: number; readonly reason: string };

/**
 * Fills one round of the histogram task with `visitors` (until it is full), waits for its release
 * (a secure round is released once the helper has sent its share) and compares it with the
 * senders' true top genres. Not compared when no round was open, nothing was released in time, or
 * the release counts devices other than these (a real visitor of `npm start`'s shop may send too).
 */
export async function runCategoryHistogram(endpoint: string, pool: DevicePool, visitors: readonly Visitor[], random: SeededRandom, timeoutMs = 60_000): Promise<CategoryHistogramRun> {
  const before = (await latestAggregate(endpoint))?.roundId;
  const senders = await fillHistogramRound(endpoint, pool, visitors, CATEGORY_TASK, random);
  if (senders.length === 0) return { kind: 'not-compared', senders: 0, reason: `no open ${CATEGORY_TASK} round took a contribution` };
  const started = Date.now();
  for (;;) {
    const aggregate = await latestAggregate(endpoint);
    if (aggregate !== undefined && aggregate.roundId !== before) {
      if (aggregate.contributions !== senders.length) {
        return { kind: 'not-compared', senders: senders.length, reason: `round ${aggregate.roundId} released ${aggregate.contributions} contributions, not these ${senders.length} devices' alone` };
      }
      return { kind: 'compared', comparison: compareHistogram(aggregate, countLabels(aggregate.labels, await topCategories(senders))) };
    }
    if (Date.now() - started > timeoutMs) return { kind: 'not-compared', senders: senders.length, reason: `no release within ${timeoutMs / 1000} s (the round closes when full or at its deadline)` };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
