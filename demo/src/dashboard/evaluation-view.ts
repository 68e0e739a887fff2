/**
 * The 'model-evaluation' task's card body: next-category hit@1 / hit@5 per model version with
 * 95 % error bars, the model beside the baseline; "will buy" precision, recall and F1; the
 * calibration of P(buy) for the newest version that predicts actions. The figures come from
 * evaluation.ts; this file only draws them.
 */
import { dot, legend, plot, ruleX } from '@observablehq/plot';
import { h } from '../ui/dom.js';
import { chartWidth, PALETTE } from './plot-theme.js';
import { summariseEvaluation, type EvaluationSummary, type Interval, type VersionQuality } from './evaluation.js';
import type { TaskStats } from './stats.js';

const SERIES = [
  { name: 'model', pick: (v: VersionQuality) => v.model },
  { name: 'baseline: own all-time counts', pick: (v: VersionQuality) => v.baseline },
] as const;
/** Pixels between a version's model and baseline dots, so that their whiskers do not overlap. */
const DODGE = 8;

function pct(interval: Interval | null): string {
  if (interval === null) return '—';
  return `${(interval.value * 100).toFixed(0)} % ± ${(interval.half * 100).toFixed(0)}`;
}

/** One metric per version: a dot per series with its 95 % whiskers, on a 0–100 % axis (noise may reach past it: clamped). */
function hitChart(versions: readonly VersionQuality[], metric: 'hit1' | 'hit5', title: string): SVGSVGElement | HTMLElement {
  const marks = SERIES.flatMap((series, j) => {
    const rows = versions.flatMap((v) => {
      const interval = series.pick(v)[metric];
      return interval === null ? [] : [{ version: v.version, value: interval.value * 100, low: (interval.value - interval.half) * 100, high: (interval.value + interval.half) * 100, tip: `${v.version} ${series.name}: ${pct(interval)} (95 % interval for the noise)` }];
    });
    const dx = (j - 0.5) * DODGE;
    return [
      ruleX(rows, { x: 'version', y1: 'low', y2: 'high', stroke: PALETTE[j], strokeWidth: 1.5, dx }),
      dot(rows, { x: 'version', y: 'value', fill: PALETTE[j], r: 3.5, dx, title: 'tip' }),
    ];
  });
  return plot({
    width: chartWidth(320),
    height: 200,
    ariaLabel: `${title} per model version, model and baseline, with 95 % intervals`,
    x: { domain: versions.map((v) => v.version), label: null },
    y: { domain: [0, 100], clamp: true, grid: true, ticks: 4, label: `${title} (%)` },
    marks,
  });
}

function qualityTable(versions: readonly VersionQuality[]): HTMLElement {
  const heads = ['Version', 'Held-out steps', 'hit@1 model', 'hit@1 baseline', 'hit@5 model', 'hit@5 baseline', 'Buy precision', 'Buy recall', 'Buy F1'];
  return h('table', { class: 'table', 'data-testid': 'evaluation-table' },
    h('thead', {}, h('tr', {}, heads.map((c) => h('th', {}, c)))),
    h('tbody', {}, versions.map((v) => h('tr', { 'data-version': v.version },
      h('td', {}, v.version === 'v0' ? 'v0 (no model yet)' : v.version),
      h('td', {}, Math.max(0, v.heldOut).toFixed(0)),
      [v.model.hit1, v.baseline.hit1, v.model.hit5, v.baseline.hit5, v.buy.precision, v.buy.recall, v.buy.f1].map((x) => h('td', {}, pct(x))),
    ))),
  );
}

function calibrationTable(version: VersionQuality): HTMLElement {
  return h('div', {},
    h('h3', {}, `Calibration of P(buy), ${version.version}`),
    h('table', { class: 'table', 'data-testid': 'calibration-table' },
      h('thead', {}, h('tr', {}, ['Model said', 'Steps', 'Mean predicted', 'Purchases seen'].map((c) => h('th', {}, c)))),
      h('tbody', {}, version.calibration.map((bin) => h('tr', {},
        h('td', {}, bin.range.replace('-', '–')),
        h('td', {}, Math.max(0, bin.steps).toFixed(0)),
        h('td', {}, bin.predicted === null ? '—' : `${(bin.predicted * 100).toFixed(1)} %`),
        h('td', {}, pct(bin.observed)),
      ))),
    ),
  );
}

/** What the bars and the baseline mean, in words under the figures. */
export function evaluationCaption(summary: EvaluationSummary): string[] {
  const lines = [
    `${summary.rounds} released round${summary.rounds === 1 ? '' : 's'}, ${summary.contributions} contributions, added up (a visitor may count once per round). Each device held out its latest steps (20 %, at most 10), predicted each from the steps before it with the model version it uses, and sent the counts, noised, under that version.`,
    `Bars and ±: 95 % intervals for the DP noise alone (σ = ${summary.stddev.toFixed(1)} per summed count; for a ratio r of two sums over n steps, ±1.96σ√(1 + r²)/n); which visitors took part adds sampling error on top. A figure whose denominator is within the noise shows as —.`,
    'Baseline: each visitor’s own categories ranked by how often they occurred so far. v0: the profile’s prediction before any model reached the device. "Will buy": the model gave the next step in the session a purchase probability of 50 % or more.',
    'The model may have trained on some of these steps (one device of many, under DP noise), so its figures can be slightly optimistic; the baseline’s cannot.',
  ];
  if (summary.unreadable.length > 0) lines.push(`Too few held-out steps to read yet: ${summary.unreadable.join(', ')}.`);
  return lines;
}

export function evaluationPanel(task: TaskStats): HTMLElement | null {
  if (task.aggregates.length === 0) return null;
  const summary = summariseEvaluation(task.aggregates);
  const withActions = [...summary.versions].reverse().find((v) => v.buy.steps > 0 && v.calibration.some((bin) => bin.observed !== null));
  return h('figure', { class: 'figure', 'data-testid': 'evaluation' },
    h('h3', {}, 'Model quality per version, measured on visitors’ own devices'),
    summary.versions.length === 0 ? h('p', { class: 'empty' }, 'Not enough held-out steps released yet to read any version.') : h('div', {},
      h('div', { class: 'task__grid' }, hitChart(summary.versions, 'hit1', 'next category hit@1'), hitChart(summary.versions, 'hit5', 'next category hit@5')),
      legend({ color: { domain: SERIES.map((series) => series.name), range: PALETTE } }),
      qualityTable(summary.versions),
      withActions === undefined ? null : calibrationTable(withActions),
    ),
    h('figcaption', { class: 'muted small', 'data-testid': 'evaluation-caption' }, evaluationCaption(summary).map((line) => h('p', {}, line))),
  );
}
