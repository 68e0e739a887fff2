/**
 * The training code on every tfjs backend in real Chromium, inside a dedicated Worker (where the
 * engine trains): WebGPU (a SwiftShader fallback adapter on these machines), WebGL (SwiftShader),
 * WASM and CPU. Proves the WebGPU path computes correctly with small tensors, that all backends
 * train to the same parameters from the same seed, and that the chooser picks by measurement
 * (WASM here, where WebGPU is a CPU emulation).
 *
 * The Worker bundle is built here with Vite from test/e2e/backends.worker.ts (not minified: the
 * default minifier breaks tfjs's threaded WASM worker source, see ../shared/BROWSER.md).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchContext, type LaunchedContext } from '../support/chromium.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import type { BackendRun, WorkerAnswer } from './backends.worker.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let outDir = '';
let server: StaticServer | undefined;
let browser: LaunchedContext | undefined;

type Request = { mode: 'run'; backend: string } | { mode: 'choose' } | { mode: 'lock'; holdMs: number };

/** Starts a fresh module Worker from the bundle, sends one request, returns its answer. */
async function ask(request: Request): Promise<WorkerAnswer> {
  const page = await browser!.context.newPage();
  page.on('console', (message) => console.log(`[worker ${message.type()}] ${message.text()}`));
  await page.goto(`${server!.origin}/index.html`);
  const answer = await page.evaluate(
    ({ origin, request }) =>
      new Promise<unknown>((resolveAnswer) => {
        const worker = new Worker(`${origin}/backends.worker.js`, { type: 'module' });
        // A training pass first says it holds the lock; the answer is what comes after.
        worker.onmessage = (event) => {
          if (!event.data.holding) resolveAnswer(event.data);
        };
        worker.onerror = (event) => resolveAnswer({ ok: false, error: event.message });
        worker.postMessage({ ...request, wasmPaths: `${origin}/` });
      }),
    { origin: server!.origin, request },
  );
  await page.close();
  return answer as WorkerAnswer;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'inkling-backends-'));
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join(root, 'test/e2e/backends.worker.ts'), formats: ['es'], fileName: () => 'backends.worker.js' },
    },
  });
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, file), join(outDir, file));
  writeFileSync(join(outDir, 'index.html'), '<!doctype html><title>backends</title>');
  server = await startStaticServer({ roots: [outDir] });
  browser = await launchContext();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('tfjs backends in a Chromium Worker', () => {
  it('train identically on webgpu, webgl, wasm and cpu (one fresh Worker each)', async () => {
    const runs: BackendRun[] = [];
    for (const backend of ['cpu', 'wasm', 'webgl', 'webgpu']) {
      const answer = await ask({ mode: 'run', backend });
      if (!answer.ok) throw new Error(answer.error);
      if (!('run' in answer)) throw new Error('expected a run');
      runs.push(answer.run);
    }
    console.log(runs.map((r) => `${r.backend}: ${r.started ? `${r.msPerStep!.toFixed(2)} ms per MF step (3,496 × 16, batch 32)` : `did not start (${r.activationError})`}`).join('\n'));
    for (const run of runs) expect(run.started, `${run.backend} must start in this Chromium: ${run.activationError}`).toBe(true);
    const reference = runs[0]!;
    // [[1,2,3],[4,5,6]] × [[0.5,-1],[2,0.25],[-0.75,1.5]]
    expect(reference.matmul).toEqual([2.25, 4, 7.5, 6.25]);
    for (const run of runs) {
      for (let i = 0; i < 4; i++) expect(Math.abs(run.matmul![i]! - reference.matmul![i]!), `${run.backend} matmul`).toBeLessThan(1e-5);
      // Same seed, same batches: only float32 summation order differs between backends (12 SGD steps).
      let maxDiff = 0;
      run.parameters!.forEach((p, i) => (maxDiff = Math.max(maxDiff, Math.abs(p - reference.parameters![i]!))));
      expect(maxDiff, `${run.backend} parameters vs cpu`).toBeLessThan(1e-3);
      expect(run.lastLoss!).toBeLessThan(run.firstLoss!);
    }
  });

  it('the chooser picks the fastest backend that still runs, by its own measurement', async () => {
    const answer = await ask({ mode: 'choose' });
    if (!answer.ok) throw new Error(answer.error);
    if (!('choice' in answer)) throw new Error('expected a choice');
    const { choice, fallbackAdapter } = answer;
    console.log(`chooser picked ${choice.backend}; WebGPU fallback adapter: ${fallbackAdapter}; ${JSON.stringify(choice.measurements)}`);
    expect(choice.source).toBe('measured');
    const timed = choice.measurements.filter((m): m is Extract<typeof m, { available: true }> => m.available);
    expect(timed.length).toBeGreaterThanOrEqual(2);
    const picked = timed.find((m) => m.backend === choice.backend)!;
    // It is the fastest, unless a faster one failed its re-check (then it must be the next fastest that ran).
    for (const m of timed) if (m.msPerStep < picked.msPerStep) expect(['webgpu', 'webgl']).toContain(m.backend);
    // A software (fallback) WebGPU adapter, as on these machines, must lose on its own measurement.
    if (fallbackAdapter === true) expect(choice.backend).not.toBe('webgpu');
  });

  it('trains in one tab at a time: a second tab’s Worker finds the Web Lock held and skips', async () => {
    const tabA = await browser!.context.newPage();
    await tabA.goto(`${server!.origin}/index.html`);
    // Tab A's Worker enters a training pass and holds the site's lock for 4 s.
    await tabA.evaluate(
      (origin) =>
        new Promise<void>((inside) => {
          const worker = new Worker(`${origin}/backends.worker.js`, { type: 'module' });
          Reflect.set(window, 'outcome', new Promise((done) => {
            worker.onmessage = (event) => {
              if (event.data.holding) inside();
              else done(event.data);
            };
          }));
          worker.postMessage({ mode: 'lock', holdMs: 4000, wasmPaths: '' });
        }),
      server!.origin,
    );
    const whileHeld = await ask({ mode: 'lock', holdMs: 0 });
    expect(whileHeld).toEqual({ ok: true, outcome: { status: 'busy-elsewhere' } });
    expect(await tabA.evaluate(() => Reflect.get(window, 'outcome'))).toEqual({ ok: true, outcome: { status: 'ran', result: 'trained' } });
    const afterwards = await ask({ mode: 'lock', holdMs: 0 });
    expect(afterwards).toEqual({ ok: true, outcome: { status: 'ran', result: 'trained' } });
    await tabA.close();
  });
});
