/**
 * Runs inside a dedicated module Worker in Chromium for backends.e2e.test.ts. One request per
 * fresh Worker (one tfjs instance, no backend switching, so one backend's state cannot disturb
 * another's numbers):
 * - { mode: 'run', backend }: a small matmul and the MF training step (worker/models/mf.ts) from a
 *   fixed seed on that backend, plus its time per real-size training step;
 * - { mode: 'choose' }: the backend chooser, exactly as the engine runs it at first start;
 * - { mode: 'lock', holdMs }: one Trainer pass under the site's Web Lock (navigator.locks), the pass
 *   holding it for holdMs; posts 'holding' when inside, then the outcome.
 */
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend, type BackendChoice, type BackendName } from '../../worker/training/backend.js';
import { BROWSER_BACKEND_LOADERS, tfjsEnvironment } from '../../worker/training/tfjs-environment.js';
import { createMfModel, disposeMfModel, getGlobalParameters, trainLocal } from '../../worker/models/mf.js';
import { Trainer, type TrainerOutcome } from '../../worker/training/trainer.js';

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export type WorkerRequest =
  | { mode: 'run'; backend: BackendName; wasmPaths: string }
  | { mode: 'choose'; wasmPaths: string }
  | { mode: 'lock'; holdMs: number; wasmPaths: string };

export interface BackendRun {
  readonly backend: string;
  readonly started: boolean;
  readonly activationError?: string;
  readonly matmul?: number[];
  readonly parameters?: number[];
  readonly firstLoss?: number;
  readonly lastLoss?: number;
  readonly msPerStep?: number;
}

export type WorkerAnswer =
  | { readonly ok: true; readonly run: BackendRun }
  | { readonly ok: true; readonly choice: BackendChoice; readonly fallbackAdapter: boolean | null }
  | { readonly ok: true; readonly outcome: TrainerOutcome<string> }
  | { readonly ok: true; readonly holding: true }
  | { readonly ok: false; readonly error: string };

function environmentFor(wasmPaths: string, errors: string[]) {
  return tfjsEnvironment({
    loaders: BROWSER_BACKEND_LOADERS,
    wasmPaths,
    benchmarkShape: { nItems: 3496, dim: 16 },
    onActivationError: (backend, error) => errors.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`),
  });
}

async function run(backend: BackendName, wasmPaths: string): Promise<BackendRun> {
  const errors: string[] = [];
  const environment = environmentFor(wasmPaths, errors);
  if (!(await environment.activate(backend))) return { backend, started: false, activationError: errors.join('; ') || 'setBackend returned false' };
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5], [3, 2]);
  const product = tf.matMul(a, b);
  const matmul = Array.from(await product.data());
  tf.dispose([a, b, product]);
  const model = createMfModel({ nItems: 20, dim: 4, random: lcg(1) });
  const interactions = [0, 3, 5, 7].map((item) => ({ item, weight: 1 }));
  const result = await trainLocal(model, interactions, { steps: 8, reconstructionSteps: 4, learningRate: 0.2, batchSize: 8, random: lcg(2) });
  const parameters = Array.from(await getGlobalParameters(model));
  disposeMfModel(model);
  const probe = await environment.prepareStep();
  for (let i = 0; i < 3; i++) await probe.step(); // warm-up: shader compilation, JIT
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const start = performance.now();
    await probe.step();
    times.push(performance.now() - start);
  }
  probe.dispose();
  times.sort((x, y) => x - y);
  return { backend, started: true, matmul, parameters, firstLoss: result.firstLoss, lastLoss: result.lastLoss, msPerStep: times[4]! };
}

async function fallbackAdapter(): Promise<boolean | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (typeof adapter !== 'object' || adapter === null) return null;
  const direct = (adapter as { isFallbackAdapter?: unknown }).isFallbackAdapter;
  const info = (adapter as { info?: { isFallbackAdapter?: unknown } }).info?.isFallbackAdapter;
  return direct === true || info === true;
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.mode === 'lock') {
    // The real defaults: navigator.locks, and main-thread detection (false in a Worker).
    const trainer = new Trainer<string>({
      isIdle: () => true,
      lockName: 'inkling:training:e2e-shop',
      run: async () => {
        self.postMessage({ ok: true, holding: true });
        await new Promise((resolve) => setTimeout(resolve, request.holdMs));
        return 'trained';
      },
    });
    trainer.tick().then(
      (outcome) => self.postMessage({ ok: true, outcome }),
      (error: unknown) => self.postMessage({ ok: false, error: String(error) }),
    );
    return;
  }
  const work: Promise<WorkerAnswer> =
    request.mode === 'run'
      ? run(request.backend, request.wasmPaths).then((r) => ({ ok: true, run: r }))
      : (async () => {
          let stored: BackendChoice | undefined;
          const choice = await chooseBackend({
            environment: environmentFor(request.wasmPaths, []),
            sdkVersion: 'e2e',
            cache: { get: async () => stored, put: async (c) => void (stored = c) },
          });
          return { ok: true, choice, fallbackAdapter: await fallbackAdapter() };
        })();
  work.then(
    (answer) => self.postMessage(answer),
    (error: unknown) => self.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
};
