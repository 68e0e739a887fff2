/**
 * Everything the federated half of one device needs, wired once: its database, its privacy ledger,
 * the task handlers ('als-items' and 'item-popularity', what ships; 'mf-items' for a server that
 * still runs it; propensity; category histograms), the client, the scorer for recommend() (the ALS
 * model once one is trained, else MF) and the privacy view for profile().
 * The browser Worker and the simulator (one per simulated visitor, in Node with fake-indexeddb)
 * build devices the same way.
 *
 * @example
 * const device = await createFederatedDevice({ endpoint, site: 'shop-1', interactions, catalogueIds });
 * const engine = new Engine({ site, extraScorer: device.scorer, privacy: device.privacy, onForget: device.forget });
 * const results = await device.client.participateAll();
 */
import { createPrivacyLedger, type LedgerBudgets, type PrivacyLedger } from '../../core/dp/ledger.js';
import type { RandomSource } from '../../core/dp/random.js';
import { MODEL_EVALUATION_TASK } from '../../core/models/model-evaluation.js';
import { BUY_INTENT_TASK, type BuyIntentPriors, type CategoryEvidence } from '../../core/models/buy-intent.js';
import { REPORT_TASKS, type PeriodActivity } from '../../core/models/daily-report.js';
import type { SegmentInputs } from '../../core/models/kmeans.js';
import { SEGMENTS_TASK } from '../../core/models/segments-model.js';
import type { ProfileView, SegmentView } from '../../core/protocol/engine-api.js';
import type { Interaction } from '../models/feedback.js';
import type { LabelledExample } from '../models/logistic.js';
import type { UniformRandom } from '../models/mf.js';
import type { ExtraScorer } from '../recommend.js';
import type { TfjsGate } from '../training/tfjs-gate.js';
import { FederatedClient } from './client.js';
import { clearEverything, createReportCursor, openFederatedDb, type ContributionReport, type FederatedDb } from './db.js';
import { createIndexedDbLedgerStore } from './ledger-store.js';
import type { LocalTaskHandler } from './local-task.js';
import { createMfScorer, refreshUserEmbedding } from './mf-scorer.js';
import { createMfTaskHandler } from './mf-task.js';
import type { FetchLike } from './model-cache.js';
import { privacyView } from './privacy-view.js';
import { createPropensityTaskHandler } from './propensity-task.js';
import { createHistogramTaskHandler, createItemHistogramTaskHandler } from './histogram-task.js';
import { createAlsScorer, refreshAlsUserVector } from './als-scorer.js';
import { createAlsTaskHandler } from './als-task.js';
import { createBuyIntentPriorSource, createBuyIntentTaskHandler } from './buy-intent-task.js';
import { createNextEventTaskHandler, type NextEventTaskOptions } from './next-event-task.js';
import { createModelEvaluationTaskHandler, type ModelEvaluationTaskOptions } from './model-evaluation-task.js';
import { createSegmentSource, createSegmentsTaskHandler } from './segments-task.js';
import { createDailyReportTaskHandler } from './daily-report-task.js';

export interface FederatedDeviceOptions {
  readonly endpoint: string;
  /** The helper origin the site trusts (data-helper): see FederatedClientOptions.pinnedHelper. */
  readonly pinnedHelper?: string;
  readonly site: string;
  readonly indexedDB?: IDBFactory;
  /** Default 'inkling-federated:<site>'. */
  readonly dbName?: string;
  readonly fetch?: FetchLike;
  readonly budgets?: Partial<LedgerBudgets>;
  /** The visitor's MF positives as catalogue rows (item-feedback.ts builds them from the engine's items). */
  readonly interactions: () => Promise<readonly Interaction[]>;
  /** The visitor's recent labelled propensity examples; without it the device skips that task. */
  readonly propensityExamples?: () => Promise<readonly LabelledExample[]>;
  /** The visitor's purchase-intent evidence for the 'buy-intent' task; without it the device skips that task. */
  readonly intentEvidence?: () => Promise<readonly CategoryEvidence[]>;
  /** The visitor's top interest category (histogram tasks); without it the device skips them. */
  readonly topCategory?: () => Promise<string | null>;
  /** Names of the histogram tasks to answer with `topCategory`. Default ['category-histogram']. */
  readonly histogramTasks?: readonly string[];
  /** The engine's sequence and model adoption for the 'next-event' task; without it the device skips that task. */
  readonly nextEvent?: NextEventTaskOptions;
  /** The engine's sequence and the next-event model it predicts with, for the 'model-evaluation' task; without it the device skips that task. */
  readonly modelEvaluation?: ModelEvaluationTaskOptions;
  /** The engine's inputs of the segments feature vector (worker/engine.ts segmentInputs); without it the device skips the 'segments' task. */
  readonly segmentInputs?: () => Promise<SegmentInputs | null>;
  /**
   * The engine's activity counts in [start, end) for the fixed-schedule reports ('daily-report',
   * 'monthly-report': one report per period, zeros when idle: daily-report-task.ts); without it the
   * device skips those tasks.
   */
  readonly periodActivity?: (start: number, end: number) => Promise<PeriodActivity>;
  /** The MF model's catalogue in row order; without it there is no scorer. */
  readonly catalogueIds?: readonly string[];
  /** CSPRNG for DP noise and contribution ids. Default crypto.getRandomValues. */
  readonly random?: RandomSource;
  /** Negative sampling / initialisation (not privacy). Default Math.random. */
  readonly trainingRandom?: UniformRandom;
  /** MF reconstruction steps per round. */
  readonly reconstructionSteps?: number;
  /**
   * Whether recommend()'s scorer reconstructs a stale user embedding itself (default true, fine in
   * the simulator). The Worker passes false and calls `refreshUserEmbedding()` from its trainer
   * pass: the engine scores inside its serial queue, which `interactions` reads (deadlock).
   */
  readonly scorerReconstructs?: boolean;
  /** How tfjs models are loaded (worker/training/tfjs-gate.ts): the Worker activates a backend first. */
  readonly tfjs?: TfjsGate;
}

export interface FederatedDevice {
  readonly db: FederatedDb;
  readonly ledger: PrivacyLedger<ContributionReport>;
  readonly client: FederatedClient;
  readonly scorer: ExtraScorer | undefined;
  /** Solves the ALS user vector and reconstructs a stale MF user embedding against the newest cached models. */
  refreshUserEmbedding(): Promise<void>;
  /** For the engine's `privacy` option (profile()). */
  privacy(): Promise<ProfileView['privacy']>;
  /** For the engine's `intentPriors` option: the population prior of purchase intent (buy-intent-task.ts). */
  intentPriors(): Promise<BuyIntentPriors>;
  /** Fetches the newest 'buy-intent' release when the device lacks one (a trainer pass calls it). */
  refreshIntentPriors(): Promise<void>;
  /** For the engine's `segment` option: the visitor's segment from the newest cached release (segments-task.ts). */
  segment(inputs: SegmentInputs | null): Promise<SegmentView | null>;
  /** Fetches the newest 'segments' release when the device lacks one (a trainer pass calls it). */
  refreshSegments(): Promise<void>;
  /**
   * For the engine's `onForget`: erases the ledger and its receipts, the cached models and the
   * user embedding (issue 3: forget() deletes the database and the ledger). Budget is then
   * spent afresh only on data gathered after the forget: what the erased data contributed was
   * charged when it was sent, and that data no longer exists on the device.
   */
  forget(): Promise<void>;
  close(): void;
}

export async function createFederatedDevice(options: FederatedDeviceOptions): Promise<FederatedDevice> {
  const db = await openFederatedDb({
    name: options.dbName ?? `inkling-federated:${options.site}`,
    ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
  });
  const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db), ...(options.budgets ? { budgets: options.budgets } : {}) });
  const handlers = new Map<string, LocalTaskHandler>();
  const tfjs = options.tfjs ? { tfjs: options.tfjs } : {};
  handlers.set(
    'mf-items',
    createMfTaskHandler({
      db,
      interactions: options.interactions,
      ...(options.trainingRandom ? { random: options.trainingRandom } : {}),
      ...(options.reconstructionSteps !== undefined ? { reconstructionSteps: options.reconstructionSteps } : {}),
      ...tfjs,
    }),
  );
  handlers.set('als-items', createAlsTaskHandler({ db, interactions: options.interactions }));
  handlers.set('item-popularity', createItemHistogramTaskHandler({ interactions: options.interactions }));
  if (options.propensityExamples) handlers.set('propensity', createPropensityTaskHandler({ examples: options.propensityExamples, ...tfjs }));
  if (options.intentEvidence) handlers.set(BUY_INTENT_TASK, createBuyIntentTaskHandler({ evidence: options.intentEvidence }));
  if (options.nextEvent) handlers.set('next-event', createNextEventTaskHandler(options.nextEvent));
  if (options.modelEvaluation) handlers.set(MODEL_EVALUATION_TASK, createModelEvaluationTaskHandler(options.modelEvaluation));
  if (options.segmentInputs) handlers.set(SEGMENTS_TASK, createSegmentsTaskHandler({ db, inputs: options.segmentInputs }));
  if (options.periodActivity) {
    const report = createDailyReportTaskHandler({ activity: options.periodActivity, cursor: createReportCursor(db) });
    for (const task of REPORT_TASKS) handlers.set(task, report);
  }
  const topCategory = options.topCategory;
  if (topCategory) {
    for (const task of options.histogramTasks ?? ['category-histogram']) handlers.set(task, createHistogramTaskHandler({ topLabel: topCategory }));
  }
  const client = new FederatedClient({
    endpoint: options.endpoint,
    site: options.site,
    db,
    ledger,
    handlers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.pinnedHelper !== undefined ? { pinnedHelper: options.pinnedHelper } : {}),
  });
  const modelSource = { db, endpoint: options.endpoint, fetch: options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init)) };
  const intentPriors = createBuyIntentPriorSource(db, modelSource);
  const segments = createSegmentSource(db, modelSource);
  const reconstructs = options.scorerReconstructs === false ? {} : { interactions: options.interactions, ...tfjs };
  const scorer = options.catalogueIds
    ? firstOpinion(createAlsScorer({ db, catalogueIds: options.catalogueIds, ...reconstructs }), createMfScorer({ db, catalogueIds: options.catalogueIds, ...reconstructs }))
    : undefined;
  return {
    db,
    ledger,
    client,
    scorer,
    refreshUserEmbedding: async () => {
      await refreshAlsUserVector(db, await options.interactions());
      await refreshUserEmbedding(db, { interactions: options.interactions, ...tfjs });
    },
    privacy: () => privacyView({ db, ledger, site: options.site, tasks: [...handlers.keys()] }),
    intentPriors: intentPriors.priors,
    refreshIntentPriors: intentPriors.refresh,
    segment: segments.segment,
    refreshSegments: segments.refresh,
    forget: () => clearEverything(db),
    close: () => db.close(),
  };
}

/**
 * The first scorer with an opinion: `primary`'s scores unless it has none at all (every value NaN:
 * no trained model cached, or gated by the site owner's verdict), then `fallback`'s.
 */
export function firstOpinion(primary: ExtraScorer, fallback: ExtraScorer): ExtraScorer {
  return {
    reason: primary.reason,
    weight: primary.weight,
    async score(request) {
      const scores = await primary.score(request);
      return scores.some((s) => !Number.isNaN(s)) ? scores : fallback.score(request);
    },
  };
}
