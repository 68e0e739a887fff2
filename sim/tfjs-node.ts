/**
 * The tfjs backend the simulator trains on in Node: WASM when it loads (measured ≈ 10× faster
 * than the cpu backend for the MF step: bench/ and worker/training), else cpu. Chosen once per
 * process through the device's own backend environment, so the same loaders are exercised.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NODE_BACKEND_LOADERS, tfjsEnvironment } from '../worker/training/tfjs-environment.js';

let chosen: Promise<string> | null = null;

export function useNodeBackend(): Promise<string> {
  chosen ??= (async () => {
    const environment = tfjsEnvironment({ loaders: NODE_BACKEND_LOADERS });
    for (const name of ['wasm', 'cpu'] as const) {
      if (await environment.activate(name)) return name;
    }
    throw new Error('neither the wasm nor the cpu tfjs backend could be started in Node');
  })();
  return chosen.then((name) => {
    if (tf.getBackend() !== name) throw new Error(`tfjs backend changed under the simulator: ${tf.getBackend()}`);
    return name;
  });
}
