/**
 * A bar chart with ±1 standard-deviation whiskers: a DP histogram as released, with the noise's
 * exact standard deviation as its error bar (the server knows it; the counts are noisy).
 */
import { s, niceTicks, formatTick, PALETTE } from './svg.js';

const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 64, left: 52 };

export function errorBarChart(labels: readonly string[], values: readonly number[], stddev: number): SVGSVGElement {
  const yTicks = niceTicks(Math.min(0, ...values.map((v) => v - stddev)), Math.max(1, ...values.map((v) => v + stddev)), 5);
  const [y0, y1] = [yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const py = (y: number): number => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const slot = plotW / Math.max(1, labels.length);
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': 'noisy counts with error bars' });
  for (const t of yTicks) {
    svg.append(
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(t), y2: py(t), class: 'chart__grid' }),
      s('text', { x: MARGIN.left - 8, y: py(t) + 4, 'text-anchor': 'end', class: 'chart__tick' }, formatTick(t)),
    );
  }
  labels.forEach((label, i) => {
    const value = values[i] ?? 0;
    const cx = MARGIN.left + slot * (i + 0.5);
    const barW = Math.min(36, slot * 0.6);
    const top = py(Math.max(0, value));
    const bottom = py(Math.min(0, value));
    svg.append(
      s('rect', { x: cx - barW / 2, y: top, width: barW, height: Math.max(1, bottom - top), fill: PALETTE[0], rx: 3 }, s('title', {}, `${label}: ${formatTick(value)} ± ${formatTick(stddev)}`)),
      s('line', { x1: cx, x2: cx, y1: py(value - stddev), y2: py(value + stddev), class: 'chart__whisker' }),
      s('line', { x1: cx - 6, x2: cx + 6, y1: py(value + stddev), y2: py(value + stddev), class: 'chart__whisker' }),
      s('line', { x1: cx - 6, x2: cx + 6, y1: py(value - stddev), y2: py(value - stddev), class: 'chart__whisker' }),
      s('text', { x: cx, y: HEIGHT - MARGIN.bottom + 14, transform: `rotate(35 ${cx} ${HEIGHT - MARGIN.bottom + 14})`, class: 'chart__tick' }, label),
    );
  });
  svg.append(s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(0), y2: py(0), class: 'chart__axis' }));
  return svg;
}
