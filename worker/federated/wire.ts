/**
 * The federated half plugged into the Worker in one call, so the entry (worker/entry.worker.ts)
 * needs three lines:
 *
 *   const federated = await startFederatedLearning({ site, endpoint, catalogueIds, sdkVersion });
 *   const engine = await createEngine({ site, ...federated.engineOptions });
 *   federated.attach(engine);          // and federated.touch() on every ingest (idle detection)
 *
 * What it does: opens the device (database, ledger, client, scorer) and starts the Trainer. The tfjs
 * backend is chosen by measurement (cached per SDK version) the first time a task needs tensors,
 * not at start-up: the micro-benchmark costs seconds of CPU on a first visit. Every `intervalMs`, if the visitor
 * has been quiet for `quietMs`, consent is 'granted', and no other tab of the site holds the lock,
 * it takes part in every open task, then adopts the newest global propensity weights. tfjs is
 * loaded only when a due task or the scorer needs tensors (worker/training/tfjs-gate.ts).
 * Nothing is sent without consent; nothing runs on the page's main thread.
 */
import type { CategoryEvidence } from '../../core/models/buy-intent.js';
import type { SegmentInputs } from '../../core/models/kmeans.js';
import type { PeriodActivity } from '../../core/models/daily-report.js';
import type { ConsentState } from '../../core/protocol/engine-api.js';
import type { ItemRecord } from '../features/items.js';
import type { PropensityExample } from '../features/propensity.js';
import type { NextEventModel } from '../features/next-event-prediction.js';
import type { SequenceEntry } from '../features/sequence.js';
import type { EngineOptions } from '../engine.js';
import { chooseBackend, type BackendChoice, type BackendName } from '../training/backend.js';
import { indexedDbBackendCache } from '../training/backend-cache.js';
import type { BackendLoaders } from '../training/tfjs-environment.js';
import type { TfjsGate } from '../training/tfjs-gate.js';
import { createQuietPeriod, Trainer, type TrainerOutcome } from '../training/trainer.js';
import { decodeModel } from '../../core/protocol/aggregator.js';
import type { ParticipationResult } from './client.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';
import { topInterest } from './histogram-task.js';
import { interactionsFromItems } from './item-feedback.js';
import { propensityLayout } from './propensity-task.js';

/** What the federated half needs from the engine (worker/engine.ts implements it). */
export interface FederatedEngine {
  itemRecords(): Promise<ItemRecord[]>;
  propensityExamples(): Promise<PropensityExample[]>;
  setPropensityWeights(weights: Float32Array): Promise<void>;
  intentEvidence(): Promise<CategoryEvidence[]>;
  sequence(): Promise<SequenceEntry[]>;
  setNextEventModel(model: NextEventModel): Promise<void>;
  nextEventModelInUse(): Promise<NextEventModel | null>;
  profile(): Promise<{ readonly consent: ConsentState; readonly interests: readonly { readonly category: string; readonly longTerm: number }[] }>;
  segmentInputs(): Promise<SegmentInputs | null>;
  /** The visitor's counts in [start, end) for the 'daily-report' task (one report per period, zeros when idle). */
  periodActivity(start: number, end: number): Promise<PeriodActivity>;
}

export interface StartFederatedOptions {
  readonly site: string;
  /** Aggregator origin, no trailing slash. */
  readonly endpoint: string;
  /** The helper origin the site trusts (data-helper); without it the leader's task list names it. */
  readonly pinnedHelper?: string;
  /** The MF model's rows: the site's public catalogue ids in catalog.json order. */
  readonly catalogueIds: readonly string[];
  /** A new version re-measures the backends. */
  readonly sdkVersion: string;
  readonly backendOverride?: BackendName;
  /** Where the WASM backend's .wasm files are served (URL prefix ending in '/'). */
  readonly wasmPaths?: string;
  readonly loaders?: BackendLoaders;
  readonly indexedDB?: IDBFactory;
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** How often to try a pass (a pass starts with GET /v1/tasks). Default 30 s. */
  readonly intervalMs?: number;
  /** Quiet time before training counts as "idle". Default 10 s. */
  readonly quietMs?: number;
  /** Pass errors (network, storage), for the debug console. */
  readonly onError?: (error: unknown) => void;
}

export interface FederatedWiring {
  readonly device: FederatedDevice;
  /** The chosen backend (measured at the first idle pass, then cached); starts the choice if needed. */
  backend(): Promise<BackendChoice>;
  /** Spread into createEngine's options. */
  readonly engineOptions: Pick<EngineOptions, 'extraScorer' | 'privacy' | 'onForget' | 'intentPriors' | 'segment'>;
  /** Connects the engine and starts the trainer. */
  attach(engine: FederatedEngine): void;
  /** Call on every ingest: training waits for a quiet period. */
  touch(): void;
  /** One pass now (tests, or a page that asks); says why it did not run when it did not. */
  runOnce(): Promise<TrainerOutcome<ParticipationResult[]>>;
  stop(): void;
}

export async function startFederatedLearning(options: StartFederatedOptions): Promise<FederatedWiring> {
  let engine: FederatedEngine | undefined;
  const rowOf = new Map<string, number>();
  options.catalogueIds.forEach((id, row) => rowOf.set(id, row));
  let chosen: Promise<BackendChoice> | undefined;
  // tfjs-core and a backend are downloaded here, the first time a task or scorer needs tensors.
  const backend = (): Promise<BackendChoice> =>
    (chosen ??= (async () => {
      const { BROWSER_BACKEND_LOADERS, silenceTfjs, tfjsEnvironment } = await import('../training/tfjs-environment.js');
      silenceTfjs();
      return chooseBackend({
        environment: tfjsEnvironment({
          loaders: options.loaders ?? BROWSER_BACKEND_LOADERS,
          ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}),
          // A backend this device cannot start is normal (no GPU): the debug channel hears why.
          onActivationError: (name, error) => options.onError?.(new Error(`tfjs backend ${name} did not start: ${error instanceof Error ? error.message : String(error)}`)),
        }),
        cache: indexedDbBackendCache(device.db),
        sdkVersion: options.sdkVersion,
        ...(options.backendOverride ? { override: options.backendOverride } : {}),
      });
    })());
  const tfjs: TfjsGate = async (load) => {
    await backend();
    return load();
  };
  const device = await createFederatedDevice({
    endpoint: options.endpoint,
    site: options.site,
    ...(options.pinnedHelper !== undefined ? { pinnedHelper: options.pinnedHelper } : {}),
    catalogueIds: options.catalogueIds,
    // recommend() runs inside the engine's serial queue; the scorer must not read the engine there.
    scorerReconstructs: false,
    tfjs,
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    interactions: async () => (engine ? interactionsFromItems(await engine.itemRecords(), rowOf, options.catalogueIds.length) : []),
    propensityExamples: async () => (engine ? engine.propensityExamples() : []),
    intentEvidence: async () => (engine ? engine.intentEvidence() : []),
    topCategory: async () => (engine ? topInterest(await engine.profile()) : null),
    nextEvent: {
      sequence: async () => (engine ? engine.sequence() : []),
      adopt: async (model) => engine?.setNextEventModel(model),
    },
    modelEvaluation: {
      sequence: async () => (engine ? engine.sequence() : []),
      model: async () => (engine ? engine.nextEventModelInUse() : null),
    },
    segmentInputs: async () => (engine ? engine.segmentInputs() : null),
    // The daily report: sent every period whatever the visitor did (zeros when idle), so the device registers the task.
    periodActivity: async (start, end) => (engine ? engine.periodActivity(start, end) : {}),
  });
  const quiet = createQuietPeriod(options.quietMs ?? 10_000);
  const trainer = new Trainer<ParticipationResult[]>({
    isIdle: quiet.isIdle,
    lockName: `inkling:training:${options.site}`,
    run: async () => {
      if (!engine || (await engine.profile()).consent !== 'granted') return [];
      const results = await device.client.participateAll();
      await device.refreshUserEmbedding();
      await adoptGlobalPropensity(device, engine);
      // The purchase-intent prior's release, once its one round is over (buy-intent-task.ts); a failed GET costs only this try.
      await device.refreshIntentPriors().catch((error: unknown) => options.onError?.(error));
      // The segments' release, once a schedule has ended (segments-task.ts); the same: a failed GET costs only this try.
      await device.refreshSegments().catch((error: unknown) => options.onError?.(error));
      return results;
    },
  });
  return {
    device,
    backend,
    engineOptions: {
      ...(device.scorer ? { extraScorer: device.scorer } : {}),
      privacy: device.privacy,
      onForget: device.forget,
      intentPriors: device.intentPriors,
      segment: device.segment,
    },
    attach(attached) {
      engine = attached;
      // First try as soon as the visitor can have been quiet long enough (short visits count too).
      const quietMs = options.quietMs ?? 10_000;
      trainer.start(options.intervalMs ?? 30_000, options.onError, quietMs + 1000);
    },
    touch: quiet.touch,
    runOnce: () => trainer.tick(),
    stop: () => trainer.stop(),
  };
}

/** The engine predicts with the newest federated propensity weights once one has been downloaded. */
async function adoptGlobalPropensity(device: FederatedDevice, engine: FederatedEngine): Promise<void> {
  const stored = await device.db.getAllFromIndex('models', 'name', 'propensity');
  const newest = stored.reduce<(typeof stored)[number] | undefined>((best, m) => (best === undefined || m.version > best.version ? m : best), undefined);
  if (newest === undefined) return;
  const blob = decodeModel(newest.bytes);
  await engine.setPropensityWeights(propensityLayout(blob).toEngine(blob.data));
}
