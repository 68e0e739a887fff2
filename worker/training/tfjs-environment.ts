/**
 * The real BackendEnvironment: loads a tfjs backend package on demand, activates it, and times the
 * real MF training step (same code as a federated round) on it.
 *
 * Backends are loaded lazily so a device downloads and initialises only what it tries; the loader
 * table is the registry (tests and Node pass their own).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendEnvironment, BackendName, TrainingStepProbe } from './backend.js';
import { createMfModel, disposeMfModel, trainLocal } from '../models/mf.js';
import type { MfShape } from '../models/mf-layout.js';

/** Imports the package that registers a backend; resolves once it is registered. */
export type BackendLoaders = Readonly<Partial<Record<BackendName, () => Promise<unknown>>>>;

/** Every backend, for a browser Worker (Vite splits each into its own chunk). */
export const BROWSER_BACKEND_LOADERS: BackendLoaders = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};

/** Node (simulator, tests): no GPU backends. */
export const NODE_BACKEND_LOADERS: BackendLoaders = {
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};

export interface TfjsEnvironmentOptions {
  readonly loaders?: BackendLoaders;
  /**
   * Where the WASM backend finds its .wasm files (a URL prefix ending in '/'); the Worker bundle
   * serves them. Undefined: the package's default (next to the script, or node_modules in Node).
   */
  readonly wasmPaths?: string;
  /** Size of the model the benchmark step trains; use the real task's shape when known. Default 3,500 × 16. */
  readonly benchmarkShape?: MfShape;
  /** Why a backend did not start (diagnostics; the chooser simply skips it). */
  readonly onActivationError?: (backend: BackendName, error: unknown) => void;
}

/** A fixed visitor for the benchmark step: 40 positives spread over the catalogue. */
function benchmarkInteractions(nItems: number): { item: number; weight: number }[] {
  const count = Math.min(40, Math.floor(nItems / 2));
  return Array.from({ length: count }, (_, i) => ({ item: Math.floor((i * nItems) / count), weight: 1 + (i % 3) }));
}

/**
 * tfjs's own warnings (a backend that fails to initialise, e.g. WebGPU without an adapter, prints
 * its name and a stack) go to the host page's console. The SDK promises a silent console on a
 * healthy page, so they are off; why a backend did not start reaches `onActivationError` instead.
 * (PROD also skips tfjs's per-op NaN checks, which a production page does not want either.)
 */
export function silenceTfjs(): void {
  tf.env().set('PROD', true);
}

/** @example const choice = await chooseBackend({ environment: tfjsEnvironment({ wasmPaths: '/inkling/' }), cache, sdkVersion }); */
export function tfjsEnvironment(options: TfjsEnvironmentOptions = {}): BackendEnvironment {
  const loaders = options.loaders ?? BROWSER_BACKEND_LOADERS;
  const shape = options.benchmarkShape ?? { nItems: 3500, dim: 16 };
  return {
    async activate(name: BackendName): Promise<boolean> {
      const load = loaders[name];
      if (!load) return false;
      try {
        const module = await load();
        if (name === 'wasm' && options.wasmPaths !== undefined && hasSetWasmPaths(module)) module.setWasmPaths(options.wasmPaths);
        // tfjs refuses a software WebGL context (failIfMajorPerformanceCaveat) unless told otherwise.
        // Speed is what the measurement decides, so let software WebGL start and be timed.
        if (name === 'webgl') tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
        if (!(await tf.setBackend(name))) return false;
        await tf.ready();
        return tf.getBackend() === name;
      } catch (error) {
        options.onActivationError?.(name, error);
        return false;
      }
    },
    async prepareStep(): Promise<TrainingStepProbe> {
      // A fixed seed: every backend trains the same batches.
      let state = 12345;
      const random = (): number => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 32;
      };
      const model = createMfModel({ ...shape, random });
      const interactions = benchmarkInteractions(shape.nItems);
      return {
        // trainLocal reads the loss back, so the step has finished on the device when this resolves.
        step: async () => {
          await trainLocal(model, interactions, { steps: 1, learningRate: 0.05, batchSize: 32, random });
        },
        dispose: () => disposeMfModel(model),
      };
    },
    now: () => performance.now(),
  };
}

function hasSetWasmPaths(module: unknown): module is { setWasmPaths(prefix: string): void } {
  return typeof module === 'object' && module !== null && 'setWasmPaths' in module && typeof module.setWasmPaths === 'function';
}
