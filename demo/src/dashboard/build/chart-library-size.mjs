#!/usr/bin/env node
/**
 * What each candidate chart library adds to the dashboard's bundle, for the same chart: the DP
 * histogram (bars, a dot per released count, ±1.96σ whiskers). Issue 12 §3 asked to measure
 * before picking; demo/README.md keeps the table this prints.
 *
 *   node demo/src/dashboard/build/chart-library-size.mjs
 *
 * The candidates are installed with npm into a temporary folder (never into the project: only the
 * picked one is a dependency), each entry is bundled the way a production build treats it
 * (esbuild, ESM, minified, tree-shaken, es2022), and gzip -9 of the bundle, less that of the same
 * entry without a library, is what the library adds. Needs the npm registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const PACKAGES = ['@observablehq/plot@0.6', 'uplot@1.6', 'echarts@6'];

// The same data in every entry: three categories, released counts, post-processed bars, σ.
const DATA = `const rows = [{ label: 'Drama', bar: 39.25, value: 40 }, { label: 'Comedy', bar: 30.75, value: 31.5 }, { label: 'Horror', bar: 0, value: -2 }];
const half = 1.96 * 4.5;
const root = document.body;`;

/** name → entry source. Each draws bars, dots and whiskers with the library's own means. */
const ENTRIES = {
  'none (baseline)': `${DATA}\nroot.textContent = JSON.stringify(rows) + half;`,
  '@observablehq/plot (SVG)': `import { plot, barY, ruleX, dot } from '@observablehq/plot';
${DATA}
root.append(plot({ marks: [
  barY(rows, { x: 'label', y: 'bar', title: 'label' }),
  ruleX(rows, { x: 'label', y1: (d) => d.value - half, y2: (d) => d.value + half }),
  dot(rows, { x: 'label', y: 'value', fill: 'currentColor' }),
] }));`,
  // uPlot has no category axis and no error bars: both are hooks that draw on its canvas.
  'uplot (canvas; whiskers by a draw hook)': `import uPlot from 'uplot';
${DATA}
new uPlot({ width: 360, height: 240, scales: { x: { time: false } },
  axes: [{ values: (u, ticks) => ticks.map((t) => rows[t]?.label ?? '') }, {}],
  series: [{}, { paths: uPlot.paths.bars({ size: [0.6] }), fill: '#4263eb' }, { stroke: '#000', points: { show: true } }],
  hooks: { draw: [(u) => { const c = u.ctx; rows.forEach((d, i) => { const x = u.valToPos(i, 'x', true);
    c.beginPath(); c.moveTo(x, u.valToPos(d.value - half, 'y', true)); c.lineTo(x, u.valToPos(d.value + half, 'y', true)); c.stroke(); }); }] },
}, [rows.map((_, i) => i), rows.map((d) => d.bar), rows.map((d) => d.value)], root);`,
  // ECharts has no error-bar series either: its own example draws them with a custom series.
  'echarts/core (SVG renderer; bar + custom + scatter)': `import * as echarts from 'echarts/core';
import { BarChart, CustomChart, ScatterChart } from 'echarts/charts';
import { GridComponent, AriaComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
echarts.use([BarChart, CustomChart, ScatterChart, GridComponent, AriaComponent, TooltipComponent, SVGRenderer]);
${DATA}
echarts.init(root, null, { renderer: 'svg' }).setOption({ aria: { enabled: true }, tooltip: {},
  xAxis: { type: 'category', data: rows.map((d) => d.label) }, yAxis: {},
  series: [{ type: 'bar', data: rows.map((d) => d.bar) }, { type: 'scatter', data: rows.map((d) => d.value) },
    { type: 'custom', data: rows.map((d, i) => [i, d.value - half, d.value + half]), renderItem: (params, api) => {
      const low = api.coord([api.value(0), api.value(1)]); const high = api.coord([api.value(0), api.value(2)]);
      return { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: { stroke: '#000' } }; } }] });`,
};

const dir = mkdtempSync(join(tmpdir(), 'chart-library-size-'));
try {
  writeFileSync(join(dir, 'package.json'), '{"private":true,"type":"module"}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...PACKAGES], { cwd: dir, stdio: 'inherit' });
  const versions = JSON.parse(execFileSync('npm', ['ls', '--json', '--depth=0'], { cwd: dir, encoding: 'utf8' })).dependencies;
  const sizes = {};
  for (const [name, source] of Object.entries(ENTRIES)) {
    const entry = join(dir, `entry-${Object.keys(sizes).length}.js`);
    writeFileSync(entry, source);
    const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2022', platform: 'browser', write: false, logLevel: 'error' });
    const code = result.outputFiles[0].contents;
    sizes[name] = { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
  }
  const base = sizes['none (baseline)'];
  console.log('| library (version) | minified | gzip -9 | gzip added to the dashboard |');
  console.log('|---|---:|---:|---:|');
  for (const [name, size] of Object.entries(sizes)) {
    if (size === base) continue;
    const pkg = Object.keys(versions).find((p) => name.startsWith(p.split('/')[0]));
    const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`| ${name.replace(pkg ?? '', `${pkg}@${versions[pkg]?.version}`)} | ${kb(size.min)} | ${kb(size.gzip)} | ${kb(size.gzip - base.gzip)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
