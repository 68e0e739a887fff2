/**
 * A multi-series line chart as inline SVG (no chart library): quality metrics over model
 * versions, one line per series (e.g. federated-dp vs popularity).
 */
import { s, niceTicks, formatTick, PALETTE } from './svg.js';

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 36, left: 52 };

export function lineChart(series: readonly Series[], labels: { readonly x: string; readonly y: string }): SVGSVGElement {
  const all = series.flatMap((line) => line.points);
  const xTicks = niceTicks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)), 6).filter(Number.isInteger);
  const yTicks = niceTicks(Math.min(0, ...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)), 5);
  const [x0, x1] = [xTicks[0] ?? 0, xTicks[xTicks.length - 1] ?? 1];
  const [y0, y1] = [yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number): number => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number): number => MARGIN.top + plotH - (y1 === y0 ? plotH / 2 : ((y - y0) / (y1 - y0)) * plotH);

  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': `${labels.y} by ${labels.x}` });
  for (const t of yTicks) {
    svg.append(
      s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(t), y2: py(t), class: 'chart__grid' }),
      s('text', { x: MARGIN.left - 8, y: py(t) + 4, 'text-anchor': 'end', class: 'chart__tick' }, formatTick(t)),
    );
  }
  for (const t of xTicks) {
    svg.append(s('text', { x: px(t), y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'middle', class: 'chart__tick' }, String(t)));
  }
  svg.append(
    s('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: py(y0), y2: py(y0), class: 'chart__axis' }),
    s('text', { x: MARGIN.left + plotW / 2, y: HEIGHT - 4, 'text-anchor': 'middle', class: 'chart__label' }, labels.x),
    s('text', { x: 12, y: MARGIN.top + plotH / 2, transform: `rotate(-90 12 ${MARGIN.top + plotH / 2})`, 'text-anchor': 'middle', class: 'chart__label' }, labels.y),
  );
  series.forEach((line, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const points = [...line.points].sort((a, b) => a.x - b.x);
    const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    const group = s('g', { class: 'chart__series', 'data-series': line.name });
    group.append(s('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-linejoin': 'round' }));
    for (const p of points) {
      group.append(s('circle', { cx: px(p.x), cy: py(p.y), r: 3.5, fill: colour }, s('title', {}, `${line.name}: ${formatTick(p.y)} at ${labels.x} ${p.x}`)));
    }
    svg.append(group);
  });
  return svg;
}
