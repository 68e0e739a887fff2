/**
 * How the SDK hands queued events to its Worker: a microtask after the current task, or an idle
 * callback (`requestIdleCallback`, 1 s timeout). Measured side by side in one Chromium run, on a
 * page that holds only the snippet and the script tag (consent granted), for two patterns:
 *
 * - burst: 1,000 `track()` calls in one task (a page replaying history, a list render);
 * - spread: 500 tasks of 2 calls each (clicks, route changes: what a shop really does).
 *
 * For each: main-thread script time per event from the DevTools `Performance.getMetrics`
 * ScriptDuration counter (everything the page's main thread ran, SDK and harness alike, so the
 * harness cost is the same in both columns), the number of messages posted to the Worker, and
 * the time spent inside `postMessage` (the structured clone). Repeated ROUNDS times,
 * alternating the modes; medians printed. The SDK's default follows this table (sdk/README.md).
 *
 * Run: `npm run bench -- sdk-batching` (needs `npm run build:sdk`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchContext } from '../test/support/chromium.js';
import { startStaticServer } from '../test/support/static-server.js';

const projectRoot = join(import.meta.dirname, '..');
const distSdk = join(projectRoot, 'dist', 'sdk');
const MODES = ['microtask', 'idle'] as const;
const ROUNDS = 7;
const BURST = 1000;
const SPREAD_TASKS = 500;
const PER_TASK = 2;

if (!existsSync(join(distSdk, 'inkling.js'))) {
  console.error('dist/sdk is missing: run `npm run build:sdk` first');
  process.exit(1);
}

function page(mode: string): string {
  const snippet = readFileSync(join(distSdk, 'stub.min.js'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><title>batching</title>
<script>
  // Count what reaches the Worker and time the structured clone inside postMessage.
  window.__posted = { messages: 0, events: 0, ms: 0 };
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, transfer) {
    const started = performance.now();
    try { return post.call(this, message, transfer); }
    finally {
      if (message && message.path && message.path[0] === 'ingest') {
        window.__posted.messages++;
        window.__posted.events += message.argumentList[0].value.length;
        window.__posted.ms += performance.now() - started;
      }
    }
  };
</script>
<script>${snippet}</script>
<script async src="/inkling.js" data-site="batching-${mode}" data-batch="${mode}" data-consent="granted" data-autocapture="false" data-allow-automation></script>
</head><body></body></html>`;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Posted { messages: number; events: number; ms: number }
interface Sample { scriptUsPerEvent: number; messages: number; postMsPerEvent: number }

const folder = mkdtempSync(join(tmpdir(), 'inkling-batching-'));
for (const mode of MODES) writeFileSync(join(folder, `${mode}.html`), page(mode));
writeFileSync(join(folder, 'catalog.json'), JSON.stringify({ items: [{ id: '1', categories: ['Drama'] }] }));
const server = await startStaticServer({ roots: [folder, distSdk] });
const browser = await launchContext();
const results: Record<string, { burst: Sample[]; spread: Sample[] }> = { microtask: { burst: [], spread: [] }, idle: { burst: [], spread: [] } };

try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODES) {
      const tab = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(tab);
      await cdp.send('Performance.enable');
      await tab.goto(`${server.origin}/${mode}.html`);
      await tab.evaluate(`new Promise((resolve) => inkling.on('ready', resolve))`);
      const scriptSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration')!.value;

      for (const pattern of ['burst', 'spread'] as const) {
        const total = pattern === 'burst' ? BURST : SPREAD_TASKS * PER_TASK;
        const before = await tab.evaluate<Posted>(`({ ...__posted })`);
        const scriptBefore = await scriptSeconds();
        // A string, not a function: tsx would add helpers to a function that the page does not have.
        await tab.evaluate(`(() => {
          const props = (i) => ({ product_id: String(i % 500), category: 'Drama,Comedy', price: 4.99, name: 'Film ' + i });
          if (${JSON.stringify(pattern)} === 'burst') {
            for (let i = 0; i < ${BURST}; i++) inkling.track('Product Viewed', props(i));
            return;
          }
          return new Promise((resolve) => {
            let task = 0;
            const channel = new MessageChannel();
            channel.port1.onmessage = () => {
              for (let i = 0; i < ${PER_TASK}; i++) inkling.track('Product Viewed', props(task * ${PER_TASK} + i));
              if (++task < ${SPREAD_TASKS}) channel.port2.postMessage(0);
              else resolve();
            };
            channel.port2.postMessage(0);
          });
        })()`);
        await tab.waitForFunction(`__posted.events >= ${before.events + total}`, undefined, { timeout: 30_000 });
        const scriptAfter = await scriptSeconds();
        const after = await tab.evaluate<Posted>(`({ ...__posted })`);
        results[mode]![pattern].push({
          scriptUsPerEvent: ((scriptAfter - scriptBefore) * 1e6) / total,
          messages: after.messages - before.messages,
          postMsPerEvent: (after.ms - before.ms) / total,
        });
      }
      await tab.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(folder, { recursive: true, force: true });
}

console.log(`Median of ${ROUNDS} rounds (modes alternated), Chromium headless, consent granted, autocapture off.\n`);
console.log('| pattern | scheduling | main-thread script µs / event | messages to the Worker | postMessage µs / event |');
console.log('|---|---|---:|---:|---:|');
for (const pattern of ['burst', 'spread'] as const) {
  const label = pattern === 'burst' ? `burst: ${BURST} calls in one task` : `spread: ${SPREAD_TASKS} tasks × ${PER_TASK} calls`;
  for (const mode of MODES) {
    const samples = results[mode]![pattern];
    console.log(`| ${label} | ${mode} | ${median(samples.map((s) => s.scriptUsPerEvent)).toFixed(1)} | ${median(samples.map((s) => s.messages))} | ${(median(samples.map((s) => s.postMsPerEvent)) * 1000).toFixed(1)} |`);
  }
}
