import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { chooseBackend, pickFastest, type BackendChoice, type BackendChoiceCache, type BackendEnvironment, type BackendName } from './backend.js';
import { NODE_BACKEND_LOADERS, tfjsEnvironment } from './tfjs-environment.js';
import { indexedDbBackendCache } from './backend-cache.js';
import { openFederatedDb } from '../federated/db.js';

/** A device whose backends take the given ms per step on a fake clock; absent ones do not start. */
function fakeDevice(costs: Partial<Record<BackendName, number>>, failing: readonly BackendName[] = []) {
  let clock = 0;
  let active: BackendName | undefined;
  const prepared: BackendName[] = [];
  const environment: BackendEnvironment = {
    activate: async (name) => {
      if (costs[name] === undefined) return false;
      active = name;
      return true;
    },
    prepareStep: async () => {
      const backend = active!;
      prepared.push(backend);
      return {
        step: async () => {
          if (failing.includes(backend)) throw new Error(`kernel not registered for ${backend}`);
          clock += costs[backend]!;
        },
        dispose: () => {},
      };
    },
    now: () => clock,
  };
  return { environment, prepared, active: () => active };
}

function memoryCache(): BackendChoiceCache & { stored: BackendChoice | undefined } {
  const cache = {
    stored: undefined as BackendChoice | undefined,
    get: async () => cache.stored,
    put: async (choice: BackendChoice) => {
      cache.stored = choice;
    },
  };
  return cache;
}

/** Timings shaped like ../shared/BROWSER.md: software WebGPU slowest, WASM fastest. */
const thisMachine = { webgpu: 4000, webgl: 600, wasm: 70, cpu: 100 };

describe('chooseBackend', () => {
  it('picks WASM on a machine whose WebGPU is a CPU emulation, by measurement alone', async () => {
    const device = fakeDevice(thisMachine);
    const choice = await chooseBackend({ environment: device.environment, cache: memoryCache(), sdkVersion: '1' });
    expect(choice.backend).toBe('wasm');
    expect(choice.source).toBe('measured');
    expect(device.active()).toBe('wasm');
    expect(choice.measurements).toEqual([
      { backend: 'webgpu', available: true, msPerStep: 4000 },
      { backend: 'webgl', available: true, msPerStep: 600 },
      { backend: 'wasm', available: true, msPerStep: 70 },
      { backend: 'cpu', available: true, msPerStep: 100 },
    ]);
  });

  it('picks a real GPU when it is the fastest, and skips backends that do not start', async () => {
    const choice = await chooseBackend({ environment: fakeDevice({ webgpu: 5, wasm: 70, cpu: 100 }).environment, cache: memoryCache(), sdkVersion: '1' });
    expect(choice.backend).toBe('webgpu');
    expect(choice.measurements.find((m) => m.backend === 'webgl')).toEqual({ backend: 'webgl', available: false });
  });

  it('treats a backend whose training step fails as unavailable', async () => {
    const choice = await chooseBackend({ environment: fakeDevice({ wasm: 1, cpu: 100 }, ['wasm']).environment, cache: memoryCache(), sdkVersion: '1' });
    expect(choice.backend).toBe('cpu');
  });

  it('measures once per SDK version: the cache answers until the version changes', async () => {
    const cache = memoryCache();
    const first = fakeDevice(thisMachine);
    await chooseBackend({ environment: first.environment, cache, sdkVersion: '1' });
    const second = fakeDevice(thisMachine);
    const cached = await chooseBackend({ environment: second.environment, cache, sdkVersion: '1' });
    expect(cached.source).toBe('cache');
    expect(cached.backend).toBe('wasm');
    expect(second.prepared).toEqual([]);
    const third = fakeDevice({ ...thisMachine, cpu: 10 });
    const remeasured = await chooseBackend({ environment: third.environment, cache, sdkVersion: '2' });
    expect(remeasured.source).toBe('measured');
    expect(remeasured.backend).toBe('cpu');
    expect(cache.stored?.sdkVersion).toBe('2');
  });

  it('honours an override that starts, and measures when it does not', async () => {
    const override = await chooseBackend({ environment: fakeDevice(thisMachine).environment, cache: memoryCache(), sdkVersion: '1', override: 'webgl' });
    expect(override).toMatchObject({ backend: 'webgl', source: 'override' });
    const fallback = await chooseBackend({ environment: fakeDevice({ wasm: 70, cpu: 100 }).environment, cache: memoryCache(), sdkVersion: '1', override: 'webgpu' });
    expect(fallback).toMatchObject({ backend: 'wasm', source: 'measured' });
  });

  it('rejects bad options naming the field', async () => {
    const environment = fakeDevice(thisMachine).environment;
    await expect(chooseBackend({ environment, cache: memoryCache(), sdkVersion: '1', measuredSteps: 0 })).rejects.toThrow(/measuredSteps/);
    await expect(chooseBackend({ environment, cache: memoryCache(), sdkVersion: '1', candidates: [] })).rejects.toThrow(/candidates/);
  });

  it('breaks ties by preference order', () => {
    expect(pickFastest([{ backend: 'webgl', available: true, msPerStep: 5 }, { backend: 'wasm', available: true, msPerStep: 5 }])).toBe('webgl');
  });
});

describe('tfjsEnvironment in Node', () => {
  it('measures the real MF step on wasm and cpu and keeps the faster one active', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const environment = tfjsEnvironment({ loaders: NODE_BACKEND_LOADERS, benchmarkShape: { nItems: 500, dim: 8 } });
    const choice = await chooseBackend({ environment, cache: memoryCache(), sdkVersion: 'test', measuredSteps: 3 });
    const timed = choice.measurements.filter((m) => m.available);
    expect(timed.map((m) => m.backend).sort()).toEqual(['cpu', 'wasm']);
    const fastest = timed.reduce((a, b) => (a.msPerStep <= b.msPerStep ? a : b));
    expect(choice.backend).toBe(fastest.backend);
    expect(tf.getBackend()).toBe(choice.backend);
    expect(choice.measurements.find((m) => m.backend === 'webgpu')).toEqual({ backend: 'webgpu', available: false });
  });
});

describe('indexedDbBackendCache', () => {
  it('keeps the measured choice across database connections, keyed by SDK version', async () => {
    const factory = new IDBFactory();
    const first = await openFederatedDb({ indexedDB: factory });
    await chooseBackend({ environment: fakeDevice(thisMachine).environment, cache: indexedDbBackendCache(first), sdkVersion: '1' });
    first.close();
    const second = await openFederatedDb({ indexedDB: factory });
    const device = fakeDevice(thisMachine);
    const choice = await chooseBackend({ environment: device.environment, cache: indexedDbBackendCache(second), sdkVersion: '1' });
    expect(choice).toMatchObject({ backend: 'wasm', source: 'cache' });
    expect(device.prepared).toEqual([]);
    second.close();
  });
});

describe('chooseBackend verification', () => {
  it('falls back to the next fastest when the winner no longer runs after re-activation', async () => {
    let clock = 0;
    let active: BackendName | undefined;
    const activations: BackendName[] = [];
    const environment: BackendEnvironment = {
      activate: async (name) => {
        activations.push(name);
        active = name;
        return name !== 'webgl';
      },
      prepareStep: async () => {
        const backend = active!;
        // WebGPU works only the first time it is activated (as a lost device would).
        const broken = backend === 'webgpu' && activations.filter((a) => a === 'webgpu').length > 1;
        return {
          step: async () => {
            if (broken) throw new Error('createBuffer failed');
            clock += backend === 'webgpu' ? 2 : backend === 'wasm' ? 3 : 20;
          },
          dispose: () => {},
        };
      },
      now: () => clock,
    };
    const choice = await chooseBackend({ environment, cache: memoryCache(), sdkVersion: '1' });
    expect(choice.backend).toBe('wasm');
    expect(choice.measurements[0]).toEqual({ backend: 'webgpu', available: true, msPerStep: 2 });
  });
});
