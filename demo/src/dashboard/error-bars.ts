/**
 * A DP histogram as the aggregator releases it, drawn so that nothing on it needs guessing:
 * - bars: the post-processed counts (the server's `projected`: the nearest counts that are ≥ 0
 *   and add up to the devices counted), so no bar is negative;
 * - a dot per bin: the count as released (unbiased, so it may sit below zero where the true count
 *   is small), with whiskers ±1.96σ: a 95 % interval for the true count, σ being the standard
 *   deviation of the noise in every bin (the server knows it exactly).
 * Without `projected` (an older server) the bars are the released counts themselves.
 * The bars lie horizontally, one row per label: a phone has room for a label's words across its
 * width, not under a bar a twentieth of it wide.
 */
import { barX, dot, plot, ruleX, ruleY, tickX } from '@observablehq/plot';
import { chartWidth, formatNumber, PALETTE } from './plot-theme.js';

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

/** One bin as drawn (and as exported: csv.ts reads the same rows). */
export interface HistogramBin {
  readonly label: string;
  readonly released: number;
  /** The bar: post-processed, or the released count when the server sent none. */
  readonly bar: number;
  readonly low: number;
  readonly high: number;
}

export function histogramBins(histogram: ReleasedHistogram): HistogramBin[] {
  const half = Z95 * histogram.stddev;
  return histogram.labels.map((label, i) => {
    const released = histogram.values[i] ?? 0;
    return { label, released, bar: histogram.projected?.[i] ?? released, low: released - half, high: released + half };
  });
}

const ROW_HEIGHT = 22;

export function errorBarChart(histogram: ReleasedHistogram): SVGSVGElement | HTMLElement {
  const bins = histogramBins(histogram);
  const tip = (d: HistogramBin): string => histogram.projected
    ? `${d.label}: ${formatNumber(d.bar)} after post-processing; released ${formatNumber(d.released)}, 95 % interval ${formatNumber(d.low)} to ${formatNumber(d.high)}`
    : `${d.label}: released ${formatNumber(d.released)}, 95 % interval ${formatNumber(d.low)} to ${formatNumber(d.high)}`;
  const y = { y: 'label', title: tip } as const;
  return plot({
    width: chartWidth(640),
    height: 40 + ROW_HEIGHT * bins.length,
    marginLeft: 96,
    ariaLabel: `counts per label: bars post-processed, dots as released with ±${Z95}σ whiskers (95 % intervals)`,
    // Left of zero only as far as the lowest whisker reaches: a "nice" domain would open a band of
    // −100 that only a few whiskers of a few counts use.
    x: { grid: true, nice: false, label: 'devices', tickFormat: formatNumber, ticks: 4 },
    y: { domain: bins.map((d) => d.label), label: null },
    marks: [
      barX(bins, { ...y, x: 'bar', fill: PALETTE[0], fillOpacity: 0.75, className: 'chart__bars' }),
      ruleX([0], { className: 'chart__axis' }),
      ruleY(bins, { y: 'label', x1: 'low', x2: 'high', className: 'chart__whisker' }),
      tickX(bins, { y: 'label', x: 'low', inset: 5, className: 'chart__whisker' }),
      tickX(bins, { y: 'label', x: 'high', inset: 5, className: 'chart__whisker' }),
      dot(bins, { ...y, x: 'released', r: 3, fill: 'currentColor', stroke: 'white', className: 'chart__released' }),
    ],
  });
}
