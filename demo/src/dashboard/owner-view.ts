/**
 * The owner's cards (issue 12 §3): who the visitors are (segments: sizes with 95 % error bars,
 * descriptions, drift over releases) and where they drop out (the funnel visited → viewed →
 * carted → bought). Each card names the ε its task has spent; when its task is not on the
 * aggregator it says so in words instead of disappearing. The figures come from
 * owner-estimates.ts; this file only draws them.
 */
import { barX, dot, plot, ruleX, ruleY, tickX } from '@observablehq/plot';
import { h } from '../ui/dom.js';
import { Z95 } from './error-bars.js';
import { lineChart } from './line-chart.js';
import { chartWidth, formatNumber, PALETTE } from './plot-theme.js';
import { categoryReleases, conversionOf, DAILY_REPORT_TASK, funnelReleases, MONTHLY_REPORT_TASK, SEGMENTS_TASK, segmentsReleases, trueCounts, type OwnerEstimate, type SegmentConversion } from './owner-estimates.js';
import type { StatsResponse, TaskStats } from './stats.js';

const ROW_HEIGHT = 26;

/**
 * Horizontal bars (the post-processed figure) and a dot per row for the released one with its own
 * ±1.96σ whiskers (a funnel stage's σ grows with the slots it adds up). Short row names: the
 * descriptions go in the table beside it, where a phone has room for their words.
 */
function estimateChart(rows: readonly OwnerEstimate[], what: string, unit = 'devices', truth: Truth = NO_TRUTH): SVGSVGElement | HTMLElement {
  const tip = (d: OwnerEstimate): string => `${d.label}: ${formatNumber(d.value)}; released ${formatNumber(d.released)}, 95 % interval ${formatNumber(d.low)} to ${formatNumber(d.high)}`;
  const truths = rows.flatMap((d) => {
    const value = truth.of(d.label);
    return value === undefined ? [] : [{ label: d.label, value }];
  });
  return plot({
    width: chartWidth(560),
    height: 44 + ROW_HEIGHT * rows.length,
    marginLeft: 104,
    ariaLabel: `${what}: bars post-processed, dots as released with ±${Z95}σ whiskers (95 % intervals)`,
    x: { grid: true, nice: false, label: unit, tickFormat: formatNumber, ticks: 4 },
    y: { domain: rows.map((d) => d.label), label: null },
    marks: [
      barX(rows, { y: 'label', x: 'value', title: tip, fill: PALETTE[0], fillOpacity: 0.75, className: 'chart__bars' }),
      ruleX([0], { className: 'chart__axis' }),
      ruleY(rows, { y: 'label', x1: 'low', x2: 'high', className: 'chart__whisker' }),
      tickX(rows, { y: 'label', x: 'low', inset: 6, className: 'chart__whisker' }),
      tickX(rows, { y: 'label', x: 'high', inset: 6, className: 'chart__whisker' }),
      dot(rows, { y: 'label', x: 'released', title: tip, r: 3, fill: 'currentColor', stroke: 'white', className: 'chart__released' }),
      tickX(truths, { y: 'label', x: 'value', stroke: PALETTE[1], strokeWidth: 2.5, title: (d: { label: string; value: number }) => `${d.label}: true value ${formatNumber(d.value)} (the simulator's)`, className: 'chart__truth' }),
    ],
  });
}

/**
 * The simulator's true value of a drawn row, when it posted one (owner-estimates.ts trueCounts):
 * `of(row label)`, and the words and table column that go with it.
 */
interface Truth {
  of(label: string): number | undefined;
  readonly any: boolean;
}

const NO_TRUTH: Truth = { of: () => undefined, any: false };

function truthOf(task: TaskStats, version: number | null, series: (label: string) => string): Truth {
  const counts = trueCounts(task, version);
  return { of: (label) => counts.get(series(label)), any: counts.size > 0 };
}

/** The table cell of a row's true value, when the simulator posted any for the release. */
function truthCell(truth: Truth, label: string): HTMLElement[] {
  if (!truth.any) return [];
  const value = truth.of(label);
  return [h('td', { 'data-truth': '' }, value === undefined ? '—' : formatNumber(value))];
}

function truthHeader(truth: Truth): string[] {
  return truth.any ? ['True (simulator)'] : [];
}

function truthNote(truth: Truth): string {
  return truth.any ? ' Orange ticks and the last column: the true value, which the simulator that seeded this aggregator knows (a real site has none).' : '';
}

function plusMinus(d: OwnerEstimate): string {
  return `${formatNumber(d.value)} ± ${formatNumber(Z95 * d.sd)}`;
}

function epsilonLine(task: TaskStats, after: number | null): HTMLElement {
  const { epsilonSpent, epsilonBudget, delta, period } = task.privacy;
  const release = after === null ? '' : `; ε ${after.toFixed(2)} once this release was made`;
  if (period !== undefined) {
    // A renewing budget: ε per period, and the periods composed (which grows past one period's ε by design).
    const per = period.days === 1 ? 'day' : `${period.days} days`;
    return h('p', { class: 'muted small', 'data-testid': 'owner-epsilon' }, `Task '${task.task}': ε ${epsilonBudget.toFixed(2)} per ${per}, renewing (${period.epsilonSpent.toFixed(2)} spent this ${per === 'day' ? 'day' : 'period'}); all ${per === 'day' ? 'days' : 'periods'} composed: ε ${epsilonSpent.toFixed(2)} (δ = ${delta.toExponential(0)}, user-level)${release}.`);
  }
  return h('p', { class: 'muted small', 'data-testid': 'owner-epsilon' }, `Task '${task.task}': ε spent ${epsilonSpent.toFixed(2)} of ${epsilonBudget.toFixed(2)} (δ = ${delta.toExponential(0)}, user-level)${release}.`);
}

function card(testId: string, title: string, ...body: (HTMLElement | SVGSVGElement | null)[]): HTMLElement {
  return h('section', { class: 'panel owner-card', 'data-testid': testId }, h('h2', {}, title), ...body);
}

function absent(task: string, what: string): HTMLElement {
  return h('p', { class: 'empty', 'data-testid': 'owner-absent' }, `This aggregator runs no '${task}' task, so there is nothing to show here: ${what}`);
}

export function segmentsCard(stats: StatsResponse): HTMLElement {
  const task = stats.tasks.find((t) => t.task === SEGMENTS_TASK);
  if (task === undefined) return card('segments', 'Segments', absent(SEGMENTS_TASK, 'the visitors’ segments appear once the owner configures one (federated k-means).'));
  const releases = segmentsReleases(task);
  const latest = releases[releases.length - 1];
  if (latest === undefined) return card('segments', 'Segments', epsilonLine(task, null), h('p', { class: 'empty' }, 'No segments released yet: a release comes at the end of each k-means schedule.'));
  // Drift: a segment's size per release; ids are matched across releases by the server.
  const useVersions = releases.every((r) => r.version !== null);
  const drift = releases.length < 2 ? null : h('figure', { class: 'figure', 'data-testid': 'segments-drift' },
    h('h3', {}, 'Sizes over releases'),
    lineChart([...new Set(releases.flatMap((r) => r.segments.map((s) => s.id)))].sort((a, b) => a - b).map((id) => ({
      name: `segment ${id}`,
      points: releases.flatMap((r, i) => r.segments.filter((s) => s.id === id).map((s) => ({ x: useVersions ? r.version! : i + 1, y: s.value }))),
    })), { x: useVersions ? 'model version' : 'release', y: 'devices' }),
  );
  const truth = truthOf(task, latest.version, (label) => `segment.${label.replace(/^segment /, '')}`);
  return card('segments', 'Segments',
    epsilonLine(task, latest.epsilonAfter),
    h('figure', { class: 'figure', 'data-testid': 'segments-sizes' },
      h('h3', {}, `Sizes, latest release (${latest.contributions} devices${latest.version === null ? '' : `, v${latest.version}`})`),
      estimateChart(latest.segments, 'devices per segment', 'devices', truth),
    ),
    h('table', { class: 'table', 'data-testid': 'segments-table' },
      h('thead', {}, h('tr', {}, ['Segment', 'Who they are', 'Devices (95 %)', ...truthHeader(truth)].map((c) => h('th', {}, c)))),
      h('tbody', {}, latest.segments.map((s) => h('tr', { 'data-segment': s.id }, h('td', {}, String(s.id)), h('td', {}, s.description), h('td', {}, plusMinus(s)), ...truthCell(truth, s.label)))),
    ),
    drift,
    h('p', { class: 'muted small' }, `Bars: the sizes post-processed (≥ 0, adding up to the devices counted); dots: as released, whiskers ±${Z95}σ, a 95 % interval for the DP noise alone (σ = ${formatNumber(latest.segments[0]?.sd ?? 0)} devices). Descriptions compare each segment’s centre with the population’s.${truthNote(truth)}`),
  );
}

export function funnelCard(stats: StatsResponse): HTMLElement {
  const task = stats.tasks.find((t) => t.task === DAILY_REPORT_TASK);
  if (task === undefined) return card('funnel', 'Funnel', absent(DAILY_REPORT_TASK, 'the funnel (visited → viewed → carted → bought) comes from the fixed-schedule daily reports.'));
  const latest = funnelReleases(task).at(-1);
  if (latest === undefined) return card('funnel', 'Funnel', epsilonLine(task, null), h('p', { class: 'empty' }, 'No period released yet: a period’s reports are released when it closes.'));
  if (latest.stages === null) return card('funnel', 'Funnel', epsilonLine(task, latest.epsilonAfter), h('p', { class: 'empty' }, `Release ${latest.roundId} has no funnel:<stage> labels; this dashboard and the server disagree on the report's layout.`));
  const visited = latest.stages[0]!.value;
  const truth = truthOf(task, latest.version, (label) => `funnel.${label}`);
  return card('funnel', 'Funnel',
    epsilonLine(task, latest.epsilonAfter),
    h('figure', { class: 'figure', 'data-testid': 'funnel-chart' },
      h('h3', {}, `Period ${latest.roundId} (${latest.reports} reports)`),
      estimateChart(latest.stages, 'devices reaching each funnel stage', 'devices', truth),
    ),
    h('table', { class: 'table', 'data-testid': 'funnel-table' },
      h('thead', {}, h('tr', {}, ['Stage', 'Devices (95 %)', 'Of visited', ...truthHeader(truth)].map((c) => h('th', {}, c)))),
      h('tbody', {}, latest.stages.map((s) => h('tr', { 'data-stage': s.label }, h('td', {}, s.label), h('td', {}, plusMinus(s)), h('td', {}, visited > 0 ? `${((s.value / visited) * 100).toFixed(0)} %` : '—'), ...truthCell(truth, s.label)))),
    ),
    h('p', { class: 'muted small' }, `Each stage counts the devices that reached it or went further in the period. Bars: made non-increasing and within the reports counted; dots: as released, whiskers ±${Z95}σ√(stages added), a 95 % interval for the DP noise alone. Every consenting device reports each period whether or not it visited.${truthNote(truth)}`),
    conversionTable(conversionOf(task.aggregates.at(-1)!), stats),
  );
}

/** Conversion per segment of the same release, each segment named as the segments card names it. */
function conversionTable(rows: readonly SegmentConversion[], stats: StatsResponse): HTMLElement | null {
  if (rows.length === 0) return null;
  const segments = stats.tasks.find((t) => t.task === SEGMENTS_TASK);
  const words = new Map((segments === undefined ? [] : segmentsReleases(segments).at(-1)?.segments ?? []).map((s) => [s.id, s.description]));
  const percent = (x: number): string => `${(100 * x).toFixed(0)} %`;
  return h('figure', { class: 'figure', 'data-testid': 'conversion' },
    h('h3', {}, 'Conversion per segment, same period'),
    h('table', { class: 'table', 'data-testid': 'conversion-table' },
      h('thead', {}, h('tr', {}, ['Segment', 'Visited (95 %)', 'Bought (95 %)', 'Bought ÷ visited (95 % interval)'].map((c) => h('th', {}, c)))),
      h('tbody', {}, rows.map((c) => h('tr', { 'data-segment': c.segment },
        h('td', {}, words.has(c.segment) ? `${c.segment}: ${words.get(c.segment)!}` : String(c.segment)),
        h('td', {}, plusMinus(c.visited)),
        h('td', {}, plusMinus(c.bought)),
        // The interval cut to [0, 100 %], where a rate lives: a small segment's ±σ can be wider than that.
        h('td', {}, c.rate === null ? '— (no visits)' : `${percent(c.rate.value)} (${percent(Math.max(0, c.rate.value - Z95 * c.rate.sd))}–${percent(Math.min(1, c.rate.value + Z95 * c.rate.sd))})`),
      ))),
    ),
    h('p', { class: 'muted small' }, 'Each device counts in the segment it held when it reported; the rate is the two noised counts’ ratio (its interval by the delta method), so a small segment’s rate is wide.'),
  );
}

/**
 * What visitors look at: product views per category from the 28-day report (a day's report cannot
 * carry them accurately: sim/experiments/README.md), carts and buys beside them in the table.
 */
export function categoriesCard(stats: StatsResponse): HTMLElement {
  const title = 'Top categories';
  const task = stats.tasks.find((t) => t.task === MONTHLY_REPORT_TASK);
  if (task === undefined) return card('categories', title, absent(MONTHLY_REPORT_TASK, 'views, carts and buys per category come from the fixed-schedule 28-day reports.'));
  const latest = categoryReleases(task).at(-1);
  if (latest === undefined) return card('categories', title, epsilonLine(task, null), h('p', { class: 'empty' }, 'No period released yet: a period’s reports are released when it closes (or when every expected device has reported).'));
  if (latest.categories.length === 0) return card('categories', title, epsilonLine(task, latest.epsilonAfter), h('p', { class: 'empty' }, `Release ${latest.roundId} has no views:<category> labels; this dashboard and the server disagree on the report's layout.`));
  const cell = (e: OwnerEstimate | null): HTMLElement => h('td', {}, e === null ? '—' : plusMinus(e));
  const truth = truthOf(task, latest.version, (label) => `views.${label}`);
  return card('categories', title,
    epsilonLine(task, latest.epsilonAfter),
    h('figure', { class: 'figure', 'data-testid': 'categories-chart' },
      h('h3', {}, `Product views, period ${latest.roundId} (${latest.reports} reports)`),
      estimateChart(latest.categories.map((c) => c.views), 'product views per category', 'views', truth),
    ),
    h('table', { class: 'table', 'data-testid': 'categories-table' },
      h('thead', {}, h('tr', {}, ['Category', 'Views (95 %)', 'Carts (95 %)', 'Buys (95 %)', ...truthHeader(truth).map((c) => `${c}, views`)].map((c) => h('th', {}, c)))),
      h('tbody', {}, latest.categories.map((c) => h('tr', { 'data-category': c.category }, h('td', {}, c.category), cell(c.views), cell(c.carts), cell(c.buys), ...truthCell(truth, c.category)))),
    ),
    h('p', { class: 'muted small' }, `A film counts once for each of its categories. Each device caps what it reports (per category and per period; a heavy device's counts are scaled down, its mix kept), so the bars run a few per cent under the raw views. Bars: ≥ 0; dots: as released, whiskers ±${Z95}σ (σ = ${formatNumber(latest.categories[0]!.views.sd)} views), a 95 % interval for the DP noise alone.${truthNote(truth)}`),
  );
}

/** The owner's cards: segments and the funnel side by side, the categories under them (one column on a phone). */
export function ownerCards(stats: StatsResponse): HTMLElement {
  return h('div', { class: 'owner', 'data-testid': 'owner' }, segmentsCard(stats), funnelCard(stats), categoriesCard(stats));
}

/** Tasks whose releases these cards draw: their task cards do not draw the raw histogram again. */
export const OWNER_TASKS: ReadonlySet<string> = new Set([SEGMENTS_TASK, DAILY_REPORT_TASK, MONTHLY_REPORT_TASK]);
