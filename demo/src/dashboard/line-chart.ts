/**
 * A multi-series line chart: quality metrics over model versions, one line per series (e.g.
 * federated-dp vs popularity), or participants per round. Plot's own swatch legend names the
 * series in the same colours.
 */
import { dot, lineY, plot } from '@observablehq/plot';
import { chartWidth, formatNumber, PALETTE } from './plot-theme.js';

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export function lineChart(series: readonly Series[], labels: { readonly x: string; readonly y: string }): SVGSVGElement | HTMLElement {
  const rows = series.flatMap((line) => [...line.points].sort((a, b) => a.x - b.x).map((p) => ({ series: line.name, x: p.x, y: p.y })));
  const xs = [...new Set(rows.map((p) => p.x))];
  return plot({
    width: chartWidth(640),
    height: 240,
    ariaLabel: `${labels.y} by ${labels.x}`,
    // Versions and rounds are whole numbers: a tick on each while there are few, never between two.
    x: { label: labels.x, ticks: xs.length <= 8 ? xs : 6, tickFormat: (x: number) => (Number.isInteger(x) ? String(x) : '') },
    y: { label: labels.y, grid: true, zero: true, nice: true, tickFormat: formatNumber },
    color: { domain: series.map((line) => line.name), range: PALETTE, legend: true },
    marks: [
      lineY(rows, { x: 'x', y: 'y', stroke: 'series', strokeWidth: 2.5, className: 'chart__series' }),
      dot(rows, { x: 'x', y: 'y', fill: 'series', r: 3.5, className: 'chart__points', title: (p: { series: string; x: number; y: number }) => `${p.series}: ${formatNumber(p.y)} at ${labels.x} ${p.x}` }),
    ],
  });
}
