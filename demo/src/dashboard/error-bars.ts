/**
 * A DP histogram as the aggregator releases it, drawn so that nothing on it needs guessing:
 * - bars: the post-processed counts (the server's `projected`: the nearest counts that are ≥ 0
 *   and add up to the devices counted), so no bar is negative;
 * - a dot per bin: the count as released (unbiased, so it may sit below zero where the true count
 *   is small), with whiskers ±1.96σ: a 95 % interval for the true count, σ being the standard
 *   deviation of the noise in every bin (the server knows it exactly).
 * Without `projected` (an older server) the bars are the released counts themselves.
 */
import { s, niceTicks, formatTick, PALETTE } from './svg.js';

const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 40, bottom: 64, left: 52 };

/**
 * z of a two-sided 95 % normal interval. The noise in a bin is a sum of independent discrete
 * Gaussians (each device's share, plus the server's), so it is centred, has standard deviation at
 * most σ and is σ-subgaussian: at these σ (≥ 1 count) its law is normal to within the grid step.
 */
export const Z95 = 1.96;

export interface ReleasedHistogram {
  readonly labels: readonly string[];
  /** Noised counts as released. */
  readonly values: readonly number[];
  /** Post-processed counts (≥ 0, adding up to the devices), when the server sends them. */
  readonly projected?: readonly number[];
  /** σ of the noise in each bin. */
  readonly stddev: number;
}

export function errorBarChart(histogram: ReleasedHistogram): SVGSVGElement {
  const { labels, values, stddev } = histogram;
  const bars = histogram.projected ?? values;
  const half = Z95 * stddev;
  // Below zero only as far as the lowest whisker reaches (a tick step of 100 would otherwise open a
  // band of −100 that only a few whiskers of a few counts use).
  const low = Math.min(0, ...values.map((v) => v - half), ...bars);
  const allTicks = niceTicks(low, Math.max(1, ...values.map((v) => v + half), ...bars), 5);
  const y1 = allTicks[allTicks.length - 1] ?? 1;
  const yTicks = allTicks.filter((t) => t >= low);
  const y0 = Math.min(low, yTicks[0] ?? 0);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const py = (y: number): number => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const slot = plotW / Math.max(1, labels.length);
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': `counts per label: bars post-processed, dots as released with ±${Z95}σ whiskers (95 % intervals)` });
  for (const t of yTicks) {
    svg.append(
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(t), y2: py(t), class: 'chart__grid' }),
      s('text', { x: MARGIN.left - 8, y: py(t) + 4, 'text-anchor': 'end', class: 'chart__tick' }, formatTick(t)),
    );
  }
  labels.forEach((label, i) => {
    const bar = bars[i] ?? 0;
    const value = values[i] ?? 0;
    const cx = MARGIN.left + slot * (i + 0.5);
    const barW = Math.min(36, slot * 0.6);
    const top = py(Math.max(0, bar));
    const bottom = py(Math.min(0, bar));
    const tip = histogram.projected
      ? `${label}: ${formatTick(bar)} after post-processing; released ${formatTick(value)}, 95 % interval ${formatTick(value - half)} to ${formatTick(value + half)}`
      : `${label}: released ${formatTick(value)}, 95 % interval ${formatTick(value - half)} to ${formatTick(value + half)}`;
    svg.append(
      s('rect', { x: cx - barW / 2, y: top, width: barW, height: Math.max(1, bottom - top), fill: PALETTE[0], 'fill-opacity': 0.75, rx: 3 }, s('title', {}, tip)),
      s('line', { x1: cx, x2: cx, y1: py(value - half), y2: py(value + half), class: 'chart__whisker' }),
      s('line', { x1: cx - 6, x2: cx + 6, y1: py(value + half), y2: py(value + half), class: 'chart__whisker' }),
      s('line', { x1: cx - 6, x2: cx + 6, y1: py(value - half), y2: py(value - half), class: 'chart__whisker' }),
      s('circle', { cx, cy: py(value), r: 3, class: 'chart__released' }, s('title', {}, tip)),
      s('text', { x: cx, y: HEIGHT - MARGIN.bottom + 14, transform: `rotate(35 ${cx} ${HEIGHT - MARGIN.bottom + 14})`, class: 'chart__tick' }, label),
    );
  });
  svg.append(s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(0), y2: py(0), class: 'chart__axis' }));
  return svg;
}
