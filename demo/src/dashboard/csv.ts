/**
 * The dashboard's estimates as one CSV file (issue 12 §3: "Export as CSV"): every figure a chart
 * draws, with its 95 % interval and the privacy it cost where the dashboard knows it, so that the
 * owner can take the numbers elsewhere without reading them off a chart. RFC 4180 text (CRLF,
 * double quotes), numbers in plain JavaScript notation, never in a locale's (a "1,234" would split
 * a row). Pure, so it is tested without a browser (csv.test.ts).
 */
import { histogramBins, Z95 } from './error-bars.js';
import { MODEL_EVALUATION_TASK, summariseEvaluation, type Interval } from './evaluation.js';
import { categoryReleases, DAILY_REPORT_TASK, funnelReleases, MONTHLY_REPORT_TASK, SEGMENTS_TASK, segmentsReleases, type OwnerEstimate } from './owner-estimates.js';
import type { StatsResponse, TaskStats } from './stats.js';

/**
 * The columns, in order. `ci95_low`/`ci95_high` = `estimate` ± 1.96 `noise_sd`, an interval for
 * the DP noise alone; `epsilon_spent` is the task's ε (at `delta`) once the figure was released.
 */
export const CSV_COLUMNS = ['task', 'figure', 'round', 'version', 'label', 'series', 'estimate', 'post_processed', 'ci95_low', 'ci95_high', 'noise_sd', 'epsilon_spent', 'delta'] as const;

export type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/**
 * Twelve significant digits: every figure here carries noise far above that, and it drops the
 * binary tails (40 − 8.82 is 31.179999999999996 in floating point) that would read as precision.
 */
function formatCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : '';
  // Quote only what needs it: separators, quotes, line breaks, and edge spaces a reader would trim.
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * @example toCsv([{ task: 'a, b', estimate: -2 }]) // 'task,figure,…\r\n"a, b",,,,,,-2,,,,,,\r\n'
 */
export function toCsv(rows: readonly CsvRow[]): string {
  const lines = [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((column) => formatCell(row[column])).join(','))];
  return lines.map((line) => `${line}\r\n`).join('');
}

/** value ± half as the interval columns (half = 1.96 σ). */
function interval(value: Interval): CsvRow {
  return { estimate: value.value, ci95_low: value.value - value.half, ci95_high: value.value + value.half, noise_sd: value.half / Z95 };
}

/** An owner's-card figure: the released value with its interval, the drawn one as post-processed. */
function ownerEstimate(d: OwnerEstimate): CsvRow {
  return { estimate: d.released, post_processed: d.value, ci95_low: d.low, ci95_high: d.high, noise_sd: d.sd };
}

function taskRows(task: TaskStats): CsvRow[] {
  const { delta, epsilonSpent } = task.privacy;
  // The task's ε after the round that released an aggregate, or that produced a model version.
  const epsilonAfterRound = new Map(task.rounds.map((r) => [r.roundId, r.epsilonAfter]));
  const epsilonAtVersion = new Map(task.rounds.filter((r) => r.producedVersion !== null).map((r) => [r.producedVersion, r.epsilonAfter]));
  const rows: CsvRow[] = task.quality.map((point) => ({
    task: task.task, figure: 'quality', version: point.version, label: point.metric, series: point.series, estimate: point.value,
    epsilon_spent: epsilonAtVersion.get(point.version) ?? null, delta,
  }));
  if (task.task === MODEL_EVALUATION_TASK) {
    // Summed over every release, so the whole task's ε is what these figures cost.
    for (const v of summariseEvaluation(task.aggregates).versions) {
      const figures: [string, string, Interval | null][] = [
        ['hit@1', 'model', v.model.hit1], ['hit@1', 'baseline', v.baseline.hit1],
        ['hit@5', 'model', v.model.hit5], ['hit@5', 'baseline', v.baseline.hit5],
        ['buy precision', 'model', v.buy.precision], ['buy recall', 'model', v.buy.recall], ['buy F1', 'model', v.buy.f1],
      ];
      for (const [label, series, value] of figures) {
        if (value !== null) rows.push({ task: task.task, figure: 'evaluation', version: v.version, label, series, ...interval(value), epsilon_spent: epsilonSpent, delta });
      }
    }
    return rows;
  }
  if (task.task === SEGMENTS_TASK) {
    // The full "<id>: <description>" as the label: the words are what the owner reads a segment by.
    for (const release of segmentsReleases(task)) {
      for (const s of release.segments) {
        rows.push({ task: task.task, figure: 'segment-size', round: release.roundId, version: release.version, label: `${s.id}: ${s.description}`, ...ownerEstimate(s), epsilon_spent: release.epsilonAfter, delta });
      }
    }
    return rows;
  }
  if (task.task === DAILY_REPORT_TASK || task.task === MONTHLY_REPORT_TASK) {
    for (const release of funnelReleases(task)) {
      for (const stage of release.stages ?? []) {
        rows.push({ task: task.task, figure: 'funnel', round: release.roundId, label: stage.label, ...ownerEstimate(stage), epsilon_spent: release.epsilonAfter, delta });
      }
    }
    for (const release of categoryReleases(task)) {
      for (const c of release.categories) {
        for (const [figure, e] of [['category-views', c.views], ['category-carts', c.carts], ['category-buys', c.buys]] as const) {
          if (e !== null) rows.push({ task: task.task, figure, round: release.roundId, label: c.category, ...ownerEstimate(e), epsilon_spent: release.epsilonAfter, delta });
        }
      }
    }
    // The report's other values (searches, per-segment conversion) follow as released.
  }
  for (const aggregate of task.aggregates) {
    for (const bin of histogramBins(aggregate)) {
      rows.push({
        task: task.task, figure: 'dp-histogram', round: aggregate.roundId, label: bin.label, estimate: bin.released,
        post_processed: aggregate.projected === undefined ? null : bin.bar, ci95_low: bin.low, ci95_high: bin.high, noise_sd: aggregate.stddev,
        epsilon_spent: epsilonAfterRound.get(aggregate.roundId) ?? null, delta,
      });
    }
  }
  return rows;
}

/** Every estimate the dashboard draws, one row each, as CSV text. */
export function estimatesCsv(stats: StatsResponse): string {
  return toCsv(stats.tasks.flatMap(taskRows));
}
