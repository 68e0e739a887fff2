/**
 * The 'model-evaluation' task's card body: next-category hit@1 / hit@5 per model version with
 * 95 % error bars, the model beside the baseline; "will buy" precision, recall and F1; the
 * calibration of P(buy) for the newest version that predicts actions. The figures come from
 * evaluation.ts; this file only draws them.
 */
import { h } from '../ui/dom.js';
import { s, PALETTE } from './svg.js';
import { summariseEvaluation, type EvaluationSummary, type Interval, type VersionQuality } from './evaluation.js';
import type { TaskStats } from './stats.js';

const WIDTH = 320;
const HEIGHT = 200;
const MARGIN = { top: 24, right: 12, bottom: 32, left: 40 };
const SERIES = [
  { name: 'model', pick: (v: VersionQuality) => v.model },
  { name: 'baseline: own all-time counts', pick: (v: VersionQuality) => v.baseline },
] as const;

function pct(interval: Interval | null): string {
  if (interval === null) return '—';
  return `${(interval.value * 100).toFixed(0)} % ± ${(interval.half * 100).toFixed(0)}`;
}

/** One metric per version: a dot per series with its 95 % whiskers, on a 0–100 % axis (noise may reach past it: clipped). */
function hitChart(versions: readonly VersionQuality[], metric: 'hit1' | 'hit5', title: string): SVGSVGElement {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const py = (y: number): number => MARGIN.top + plotH * (1 - Math.min(1, Math.max(0, y)));
  const slot = plotW / Math.max(1, versions.length);
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': `${title} per model version, model and baseline, with 95 % intervals` });
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(t), y2: py(t), class: 'chart__grid' }),
      s('text', { x: MARGIN.left - 6, y: py(t) + 4, 'text-anchor': 'end', class: 'chart__tick' }, `${t * 100} %`),
    );
  }
  svg.append(s('text', { x: MARGIN.left, y: 12, class: 'chart__label' }, title));
  versions.forEach((version, i) => {
    const centre = MARGIN.left + slot * (i + 0.5);
    svg.append(s('text', { x: centre, y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle', class: 'chart__tick' }, version.version));
    SERIES.forEach((series, j) => {
      const interval = series.pick(version)[metric];
      if (interval === null) return;
      const x = centre + (j - 0.5) * Math.min(16, slot / 3);
      const tip = `${version.version} ${series.name}: ${pct(interval)} (95 % interval for the noise)`;
      svg.append(
        s('line', { x1: x, x2: x, y1: py(interval.value - interval.half), y2: py(interval.value + interval.half), stroke: PALETTE[j]!, 'stroke-width': 1.5 }),
        s('circle', { cx: x, cy: py(interval.value), r: 3.5, fill: PALETTE[j]! }, s('title', {}, tip)),
      );
    });
  });
  return svg;
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
      h('figcaption', { class: 'chart-legend' }, SERIES.map((series, i) => h('span', { class: `swatch swatch--${i}` }, series.name))),
      qualityTable(summary.versions),
      withActions === undefined ? null : calibrationTable(withActions),
    ),
    h('figcaption', { class: 'muted small', 'data-testid': 'evaluation-caption' }, evaluationCaption(summary).map((line) => h('p', {}, line))),
  );
}
