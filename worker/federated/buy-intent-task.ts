/**
 * The 'buy-intent' task on the device (server/tasks.ts createBuyIntentTask; layout and fit in
 * core/models/buy-intent.ts): the device sends its purchase-intent evidence per category — w, w·rate,
 * w·rate², w/engagements — privatized like any update, and reads the population prior back from the
 * released model, which names its categories by its tensors.
 *
 * The task runs one round and then stops, so the release (version ≥ 2) is never the base of an open
 * round that participate() would download: `refresh` fetches GET /v1/models/buy-intent/latest while
 * the device holds no release (at most hourly), and again once its release is a week old.
 */
import { BUY_INTENT_TASK, buyIntentCategories, defaultBuyIntentPriors, encodeBuyIntentUpdate, fitBuyIntentPriors, type BuyIntentPriors, type CategoryEvidence } from '../../core/models/buy-intent.js';
import { decodeModel, type ModelBlob, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { FederatedDb } from './db.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';
import { loadLatestModel, type ModelSource } from './model-cache.js';

export interface BuyIntentTaskOptions {
  /** The visitor's evidence now (worker/engine.ts intentEvidence). */
  readonly evidence: () => Promise<readonly CategoryEvidence[]>;
}

/** @example handlers.set('buy-intent', createBuyIntentTaskHandler({ evidence: () => engine.intentEvidence() })); */
export function createBuyIntentTaskHandler(options: BuyIntentTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, model: ModelBlob): Promise<LocalOutcome> {
      const categories = buyIntentCategories(model.header.tensors);
      const update = encodeBuyIntentUpdate(categories, await options.evidence());
      if (update === null) return { kind: 'no-data' };
      if (update.length !== task.vectorLength) throw new RangeError(`task ${task.task}: vectorLength ${task.vectorLength} differs from its model's ${categories.length} categories × 4`);
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}

/** How often a device asks at most, and how long a release is kept before it asks whether a newer one exists. */
const RETRY_MS = 3_600_000;
const RELEASE_MAX_AGE_MS = 7 * 86_400_000;

export interface BuyIntentPriorSource {
  /** The prior from the newest cached release, or the default before one (fitted once per version). */
  priors(): Promise<BuyIntentPriors>;
  /** Fetches the newest release when the cache has none (hourly at most) or an old one (weekly). Throws what the GET threw. */
  refresh(): Promise<void>;
}

export function createBuyIntentPriorSource(db: FederatedDb, source: ModelSource): BuyIntentPriorSource {
  let fitted: BuyIntentPriors = defaultBuyIntentPriors();
  let lastTry = Number.NEGATIVE_INFINITY;
  const now = source.now ?? Date.now;
  const newest = async () => {
    const stored = await db.getAllFromIndex('models', 'name', BUY_INTENT_TASK);
    return stored.reduce<(typeof stored)[number] | undefined>((best, m) => (best === undefined || m.version > best.version ? m : best), undefined);
  };
  return {
    async priors() {
      const model = await newest();
      // Version 1 is the task's all-zero start: nothing released yet.
      if (model === undefined || model.version < 2) return defaultBuyIntentPriors();
      if (fitted.version !== model.version) {
        const blob = decodeModel(model.bytes);
        fitted = fitBuyIntentPriors(buyIntentCategories(blob.header.tensors), blob.data, model.version);
      }
      return fitted;
    },
    async refresh() {
      const model = await newest();
      const released = model !== undefined && model.version >= 2;
      if (released && now() - model.storedAt < RELEASE_MAX_AGE_MS) return;
      // Hourly at most, also when the aggregator does not run the task (404) or the release is unchanged.
      if (now() - lastTry < RETRY_MS) return;
      lastTry = now();
      await loadLatestModel(source, BUY_INTENT_TASK);
    },
  };
}
