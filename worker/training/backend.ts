/**
 * Which tfjs backend trains on this device. Preference order WebGPU → WebGL → WASM → CPU decides
 * only ties: the choice is made by measuring the real training step on every backend that starts
 * here, because availability says nothing about speed (a software WebGPU adapter, as on machines
 * without a GPU, is the slowest of all). The measurement runs once per SDK version and is cached;
 * a site can override it.
 */

export const BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_PREFERENCE as readonly string[]).includes(value);
}

/** What the chooser needs from the runtime; tfjs-environment.ts supplies the real one, tests a fake. */
export interface BackendEnvironment {
  /** Starts `name` and makes it the active backend; false when it cannot run here. Never throws. */
  activate(name: BackendName): Promise<boolean>;
  /**
   * Prepares one run of the real training step on the active backend; `step()` must block until the
   * backend has finished (read a value back) so that the time is the real time.
   */
  prepareStep(): Promise<TrainingStepProbe>;
  /** Milliseconds, monotonic (performance.now). */
  now(): number;
}

export interface TrainingStepProbe {
  step(): Promise<void>;
  dispose(): void;
}

export type BackendMeasurement =
  /** `reason`: why it could not be timed (it did not start, or its training step threw). */
  | { readonly backend: BackendName; readonly available: false; readonly reason?: string }
  | { readonly backend: BackendName; readonly available: true; readonly msPerStep: number };

export interface BackendChoice {
  readonly backend: BackendName;
  /** 'override': the site asked for it; 'cache': measured earlier under this SDK version; 'measured': now. */
  readonly source: 'override' | 'cache' | 'measured';
  readonly sdkVersion: string;
  readonly measurements: readonly BackendMeasurement[];
  readonly measuredAt: number;
}

/** Where a measured choice is kept between runs (IndexedDB in the engine: see federated/db.ts). */
export interface BackendChoiceCache {
  get(): Promise<BackendChoice | undefined>;
  put(choice: BackendChoice): Promise<void>;
}

export interface ChooseBackendOptions {
  readonly environment: BackendEnvironment;
  readonly cache: BackendChoiceCache;
  /** A new version re-measures (the kernels or the model may have changed). */
  readonly sdkVersion: string;
  /** Use this backend if it starts; if it does not, fall back to measuring. */
  readonly override?: BackendName;
  /** Backends to consider, in preference order. Default BACKEND_PREFERENCE. */
  readonly candidates?: readonly BackendName[];
  /** Untimed runs first (shader compilation, WASM warm-up). Default 2. */
  readonly warmupSteps?: number;
  /** Timed runs; the median is kept. Default 5. */
  readonly measuredSteps?: number;
  /** Wall clock for `measuredAt` (Date.now). */
  readonly clock?: () => number;
}

/**
 * Picks, activates and caches the backend. Leaves the chosen backend active.
 * @example const choice = await chooseBackend({ environment: tfjsEnvironment(), cache, sdkVersion: '0.1.0' });
 */
export async function chooseBackend(options: ChooseBackendOptions): Promise<BackendChoice> {
  const { environment, cache, sdkVersion } = options;
  const candidates = options.candidates ?? BACKEND_PREFERENCE;
  const warmupSteps = countOption('warmupSteps', options.warmupSteps ?? 2, 0);
  const measuredSteps = countOption('measuredSteps', options.measuredSteps ?? 5, 1);
  const clock = options.clock ?? Date.now;
  if (candidates.length === 0) throw new RangeError('candidates must name at least one backend');
  for (const name of candidates) if (!isBackendName(name)) throw new RangeError(`candidates: unknown backend ${String(name)}`);
  if (options.override !== undefined && !isBackendName(options.override)) {
    throw new RangeError(`override must be one of ${BACKEND_PREFERENCE.join(', ')}; got ${String(options.override)}`);
  }

  if (options.override !== undefined && (await environment.activate(options.override))) {
    return { backend: options.override, source: 'override', sdkVersion, measurements: [], measuredAt: clock() };
  }

  const cached = await cache.get();
  if (cached && cached.sdkVersion === sdkVersion && candidates.includes(cached.backend) && (await environment.activate(cached.backend))) {
    return { ...cached, source: 'cache' };
  }

  const measurements: BackendMeasurement[] = [];
  for (const backend of candidates) {
    if (!(await environment.activate(backend))) {
      measurements.push({ backend, available: false });
      continue;
    }
    const timed = await timeTrainingStep(environment, warmupSteps, measuredSteps);
    measurements.push(typeof timed === 'number' ? { backend, available: true, msPerStep: timed } : { backend, available: false, reason: timed.error });
  }
  // Re-activating a backend after the others were tried can fail (a WebGPU device that no longer
  // works was seen in Chromium), so the winner must start AND run one step again; else the next.
  for (const backend of rankByTime(measurements)) {
    if (!(await environment.activate(backend))) continue;
    if (typeof (await timeTrainingStep(environment, 0, 1)) !== 'number') continue;
    const choice: BackendChoice = { backend, source: 'measured', sdkVersion, measurements, measuredAt: clock() };
    await cache.put(choice);
    return choice;
  }
  throw new Error(`no tfjs backend could run the training step (tried ${candidates.join(', ')})`);
}

/** Available backends, fastest first; ties keep preference (list) order. */
export function rankByTime(measurements: readonly BackendMeasurement[]): BackendName[] {
  return measurements
    .map((m, order) => ({ m, order }))
    .filter((x): x is { m: Extract<BackendMeasurement, { available: true }>; order: number } => x.m.available)
    .sort((a, b) => a.m.msPerStep - b.m.msPerStep || a.order - b.order)
    .map((x) => x.m.backend);
}

/** The lowest time per step; on a tie the earlier in preference order (the list order). */
export function pickFastest(measurements: readonly BackendMeasurement[]): BackendName | undefined {
  return rankByTime(measurements)[0];
}

/** Median time of the real step, or why the step failed on this backend (then it is unusable). */
async function timeTrainingStep(environment: BackendEnvironment, warmupSteps: number, measuredSteps: number): Promise<number | { error: string }> {
  let probe: TrainingStepProbe | undefined;
  try {
    probe = await environment.prepareStep();
    for (let i = 0; i < warmupSteps; i++) await probe.step();
    const times: number[] = [];
    for (let i = 0; i < measuredSteps; i++) {
      const start = environment.now();
      await probe.step();
      times.push(environment.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    probe?.dispose();
  }
}

function countOption(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}; got ${value}`);
  return value;
}
