/**
 * The owner's segments and funnel (issue 12 §3) read back from what `GET /v1/stats` already
 * carries, with no new server field:
 * - 'segments' (server/strategies/kmeans.ts): each release is one finished k-means schedule, its
 *   labels "<id>: <description>" (segmentLabel), its values the segments' noised sizes, `stddev`
 *   their noise σ; ids are matched across releases (matchSegments), so a size per id over releases
 *   is the segments' drift.
 * - 'daily-report' and 'monthly-report' (core/models/daily-report.ts): each release is one period's
 *   noised sum of fixed-size reports, its labels naming every value (`funnel:<stage>`,
 *   `views:<category>` among them). The funnel is decodeDailyReport's: stage s counts the devices
 *   that reached s or further, the suffix sum of the per-stage slots (se σ√(stages − s)), made
 *   non-increasing and clamped to [0, reports]; a category's views, carts and buys are its slots
 *   clamped at 0 (se σ).
 * Where the simulator seeded the aggregator (`npm start`), it also posted each figure's true value
 * as a quality point (metric 'true-count', series '<figure>.<name>', at the release's version):
 * `trueCounts` reads them back; a real site has none.
 * The task names, the label grammar and that decoding are repeated here because the dashboard may
 * not import project code (scripts/check-boundaries.mjs); owner-estimates.test.ts holds them to
 * the core's. Pure, so it is tested without a browser.
 */
import { Z95 } from './error-bars.js';
import type { HistogramAggregate, TaskStats } from './stats.js';

/** core/models/segments-model.ts SEGMENTS_TASK. */
export const SEGMENTS_TASK = 'segments';
/** core/models/daily-report.ts DAILY_REPORT_TASK. */
export const DAILY_REPORT_TASK = 'daily-report';
/** core/models/daily-report.ts MONTHLY_REPORT_TASK. */
export const MONTHLY_REPORT_TASK = 'monthly-report';
/** core/protocol/aggregator.ts TRUE_COUNT_METRIC: the simulator's truth, posted as quality points. */
export const TRUE_COUNT_METRIC = 'true-count';
/** core/models/daily-report.ts FUNNEL_STAGES, in order. */
export const FUNNEL_STAGES = ['visited', 'viewed-product', 'carted', 'bought'] as const;

/** One drawn estimate: `value` is what the bar shows, `released` the unbiased raw figure, ±`half` its 95 % interval. */
export interface OwnerEstimate {
  readonly label: string;
  readonly value: number;
  readonly released: number;
  readonly low: number;
  readonly high: number;
  /** Standard deviation of the noise on `released`. */
  readonly sd: number;
}

export interface SegmentsRelease {
  readonly roundId: string;
  /** The model version the releasing round produced, when the stats still list that round. */
  readonly version: number | null;
  /** The task's ε once this release was made (null when the round is no longer listed). */
  readonly epsilonAfter: number | null;
  readonly contributions: number;
  readonly segments: readonly (OwnerEstimate & { readonly id: number; readonly description: string })[];
}

function estimate(label: string, value: number, released: number, sd: number): OwnerEstimate {
  return { label, value, released, low: released - Z95 * sd, high: released + Z95 * sd, sd };
}

function epsilonAfterRound(task: TaskStats): Map<string, number | null> {
  return new Map(task.rounds.map((r) => [r.roundId, r.epsilonAfter]));
}

/** "3: weekend Sci-Fi browsers, high spend" → id 3 and its words; a label without an id keeps its index. */
export function parseSegmentLabel(label: string, index: number): { readonly id: number; readonly description: string } {
  const match = /^(\d+): (.*)$/s.exec(label);
  return match ? { id: Number(match[1]), description: match[2]! } : { id: index, description: label };
}

/**
 * Every segments release, oldest first: each segment's size (the post-processed count as the
 * bar, the released one with its ±1.96σ interval) and description.
 */
export function segmentsReleases(task: TaskStats): SegmentsRelease[] {
  const epsilon = epsilonAfterRound(task);
  const versions = versionOfRound(task);
  return task.aggregates.map((aggregate: HistogramAggregate) => ({
    roundId: aggregate.roundId,
    version: versions.get(aggregate.roundId) ?? null,
    epsilonAfter: epsilon.get(aggregate.roundId) ?? null,
    contributions: aggregate.contributions,
    segments: aggregate.labels.map((label, i) => {
      const released = aggregate.values[i] ?? 0;
      const { id, description } = parseSegmentLabel(label, i);
      return { ...estimate(`segment ${id}`, aggregate.projected?.[i] ?? Math.max(0, released), released, aggregate.stddev), id, description };
    }),
  }));
}

/**
 * Pool-adjacent-violators for a non-increasing least-squares fit (Barlow et al. 1972), as
 * core/models/daily-report.ts nonIncreasing.
 */
export function nonIncreasing(values: readonly number[]): number[] {
  const blocks: { sum: number; n: number }[] = [];
  for (const v of values) {
    blocks.push({ sum: v, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.sum / prev.n >= last.sum / last.n) break;
      prev.sum += last.sum;
      prev.n += last.n;
      blocks.pop();
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.n).fill(b.sum / b.n));
}

/**
 * The simulator's true value of each figure of the release at `version` (series → value, e.g.
 * 'funnel.visited', 'views.Drama', 'segment.2'); empty when none was posted.
 */
export function trueCounts(task: TaskStats, version: number | null): Map<string, number> {
  return new Map(task.quality.filter((q) => q.metric === TRUE_COUNT_METRIC && q.version === version).map((q) => [q.series, q.value]));
}

function versionOfRound(task: TaskStats): Map<string, number | null> {
  return new Map(task.rounds.map((r) => [r.roundId, r.producedVersion]));
}

/** What every report release says of itself. */
export interface ReleaseHeader {
  /** The period's round. */
  readonly roundId: string;
  /** The model version it produced (null when the stats no longer list the round). */
  readonly version: number | null;
  readonly epsilonAfter: number | null;
  /** Reports counted (every consenting device sends one per period). */
  readonly reports: number;
}

export interface FunnelRelease extends ReleaseHeader {
  /** One per stage, in FUNNEL_STAGES order; null when the release lacks the funnel labels. */
  readonly stages: readonly OwnerEstimate[] | null;
}

/** The funnel of one daily-report release: decodeDailyReport's `funnel`, with the raw suffix sums kept. */
export function funnelOf(aggregate: HistogramAggregate): OwnerEstimate[] | null {
  const slots = FUNNEL_STAGES.map((stage) => aggregate.labels.indexOf(`funnel:${stage}`));
  if (slots.some((i) => i < 0)) return null;
  const raw: number[] = [];
  let acc = 0;
  for (let s = FUNNEL_STAGES.length - 1; s >= 0; s--) {
    acc += aggregate.values[slots[s]!] ?? 0;
    raw[s] = acc;
  }
  const fitted = nonIncreasing(raw).map((v) => Math.min(aggregate.contributions, Math.max(0, v)));
  // A suffix sum of (stages − s) slots, each with independent noise σ.
  return FUNNEL_STAGES.map((stage, s) => estimate(stage, fitted[s]!, raw[s]!, aggregate.stddev * Math.sqrt(FUNNEL_STAGES.length - s)));
}

function releaseHeaders(task: TaskStats): (aggregate: HistogramAggregate) => ReleaseHeader {
  const epsilon = epsilonAfterRound(task);
  const versions = versionOfRound(task);
  return (aggregate) => ({ roundId: aggregate.roundId, version: versions.get(aggregate.roundId) ?? null, epsilonAfter: epsilon.get(aggregate.roundId) ?? null, reports: aggregate.contributions });
}

/** Every report release's funnel, oldest first. */
export function funnelReleases(task: TaskStats): FunnelRelease[] {
  const header = releaseHeaders(task);
  return task.aggregates.map((aggregate) => ({ ...header(aggregate), stages: funnelOf(aggregate) }));
}

/** One category of a report release: views, carts and buys, each clamped at 0 with its raw figure and interval. */
export interface CategoryEstimate {
  readonly category: string;
  readonly views: OwnerEstimate;
  readonly carts: OwnerEstimate | null;
  readonly buys: OwnerEstimate | null;
}

export interface CategoryRelease extends ReleaseHeader {
  /** Most viewed first (by the drawn, post-processed figure). */
  readonly categories: readonly CategoryEstimate[];
}

/** decodeDailyReport's per-category counts of one release (`views:`, `carts:`, `buys:` labels); [] when it has none. */
export function categoriesOf(aggregate: HistogramAggregate): CategoryEstimate[] {
  const slot = new Map(aggregate.labels.map((label, i) => [label, i]));
  const count = (label: string, name: string): OwnerEstimate | null => {
    const i = slot.get(label);
    if (i === undefined) return null;
    const released = aggregate.values[i] ?? 0;
    return estimate(name, Math.max(0, released), released, aggregate.stddev);
  };
  return aggregate.labels
    .filter((label) => label.startsWith('views:'))
    .map((label) => {
      const category = label.slice('views:'.length);
      return { category, views: count(label, category)!, carts: count(`carts:${category}`, category), buys: count(`buys:${category}`, category) };
    })
    .sort((a, b) => b.views.value - a.views.value || a.category.localeCompare(b.category));
}

/** Every release of a report task with per-category counts, oldest first. */
export function categoryReleases(task: TaskStats): CategoryRelease[] {
  const header = releaseHeaders(task);
  return task.aggregates.map((aggregate) => ({ ...header(aggregate), categories: categoriesOf(aggregate) }));
}

/** One segment's conversion in a daily-report release: devices that visited, that bought, and the rate. */
export interface SegmentConversion {
  readonly segment: number;
  readonly visited: OwnerEstimate;
  readonly bought: OwnerEstimate;
  /** bought / visited in [0, 1]; `sd` by the delta method (null when nobody visited). */
  readonly rate: { readonly value: number; readonly sd: number } | null;
}

/**
 * decodeDailyReport's `conversion` of one release (`segment:<g>:visited`, `segment:<g>:bought`
 * labels): visited clamped to [0, reports], bought to [0, visited], rate = bought / visited with
 * sd σ√(1 + r²)/visited. [] when the release has no segment slots.
 */
export function conversionOf(aggregate: HistogramAggregate): SegmentConversion[] {
  const out: SegmentConversion[] = [];
  aggregate.labels.forEach((label, i) => {
    const match = /^segment:(\d+):visited$/.exec(label);
    const j = aggregate.labels.indexOf(`segment:${match?.[1]}:bought`);
    if (match === null || j < 0) return;
    const visitedRaw = aggregate.values[i] ?? 0;
    const boughtRaw = aggregate.values[j] ?? 0;
    const visited = Math.min(aggregate.contributions, Math.max(0, visitedRaw));
    const bought = Math.min(visited, Math.max(0, boughtRaw));
    const rate = visited > 0 ? bought / visited : null;
    out.push({
      segment: Number(match[1]),
      visited: estimate(`segment ${match[1]}`, visited, visitedRaw, aggregate.stddev),
      bought: estimate(`segment ${match[1]}`, bought, boughtRaw, aggregate.stddev),
      rate: rate === null ? null : { value: rate, sd: (aggregate.stddev * Math.sqrt(1 + rate * rate)) / visited },
    });
  });
  return out;
}
