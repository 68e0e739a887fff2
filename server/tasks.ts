/**
 * The federated tasks the aggregator runs, as data. Shapes follow the device's model layouts
 * (worker/models/mf-layout.ts for 'mf-items'); the server never imports tfjs or the worker, so
 * the numbers are repeated here and checked against the device by the end-to-end tests.
 *
 * Round sizes, deadlines, ε budget, δ and the central noise come from the server configuration
 * (server/config.ts) unless a task overrides them.
 */
import { alsTensorSpecs, alsVectorLength } from '../core/models/als.js';
import { DEFAULT_NEXT_EVENT_SHAPE, nextEventTensors } from '../core/models/next-event.js';
import { EVALUATION_CLIP_NORM, MODEL_EVALUATION_TASK, modelEvaluationLabels } from '../core/models/model-evaluation.js';
import { BUY_INTENT_TASK, buyIntentTensors } from '../core/models/buy-intent.js';
import { featureDimension, featureNames, KMEANS_MAX_K, KMEANS_MIN_K, MAX_PLANES, MIN_PLANES } from '../core/models/kmeans.js';
import { DEFAULT_PLANES_SEED, SCHEDULE_ROUNDS, SEGMENTS_CLIP_NORM, SEGMENTS_TASK, segmentsTensors, segmentsVectorLength } from '../core/models/segments-model.js';
import { DAILY_REPORT_MAX_PERIOD_DAYS, DAILY_REPORT_TASK, dailyReportClipNorm, dailyReportLabels, dailyReportLayout, layoutFromLabels, MONTHLY_REPORT_PERIOD_DAYS, MONTHLY_REPORT_TASK, REPORT_TASKS, reportBounds, type DailyReportSpec } from '../core/models/daily-report.js';
import { zcdpRhoFor } from '../core/dp/calibrate.js';
import { zcdpToEpsilon } from '../core/dp/accountant/zcdp.js';
import type { TaskKind, TensorSpec } from '../core/protocol/aggregator.js';
import { modelParameterCount } from '../core/protocol/aggregator.js';

export type ModelInit =
  /** N(0, stddev²) from a seeded generator: model initialisation only, NOT privacy noise. */
  | { readonly kind: 'normal'; readonly stddev: number; readonly seed: number; readonly tensors: readonly string[] }
  /** Every value of the named tensors set to a constant; other tensors zero. */
  | { readonly kind: 'constant'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'zeros' }
  /** core/models/next-event.ts initialNextEventWeights from a seeded generator (initialisation only). */
  | { readonly kind: 'next-event'; readonly seed: number }
  /**
   * The named [items, dim] tensor from the catalogue's public categories (core/models/category-factors.ts:
   * whitened principal axes, rows of L2 norm `norm`); other tensors zero. `categories[i]` is item i's.
   */
  | { readonly kind: 'categories'; readonly tensor: string; readonly categories: readonly (readonly string[])[]; readonly norm: number; readonly seed: number };

export interface TaskDefinition {
  readonly task: string;
  readonly kind: TaskKind;
  readonly model: { readonly name: string; readonly tensors: readonly TensorSpec[] };
  readonly init: ModelInit;
  /** L2 bound of one device's update, float units. */
  readonly clipNorm: number;
  /** Grid step: float = integer × granularity. */
  readonly granularity: number;
  /** Device-side discrete Gaussian σ in grid units, as a multiple of the grid sensitivity Δ. */
  readonly localNoiseMultiplier: number;
  readonly localSteps: number;
  readonly learningRate: number;
  /** FedAvg server learning rate η: w ← w + η · mean(update). */
  readonly serverLearningRate: number;
  /**
   * Histogram tasks: bin names (vector index i counts labels[i]), shown on the dashboard. A
   * histogram without labels (e.g. 'item-popularity', one bin per catalogue row) is a model only:
   * no dashboard release. The 'next-event' task (fedavg) names its category rows here: its
   * vocabulary, which devices map their events onto.
   */
  readonly labels?: readonly string[];
  /** ALS tasks (kind 'als'): the model's hyper-parameters (core/models/als.ts). */
  readonly als?: AlsSettings;
  /** k-means tasks (kind 'kmeans'): the owner's segments configuration (core/models/kmeans.ts). */
  readonly kmeans?: KmeansSettings;
  /**
   * A task whose first released model this one waits for (the ALS task's popularity histogram: it
   * picks its rows from it). Both spend one privacy budget: the ε this task reports is the two
   * tasks' combined (zCDP ρ adds up), and each keeps to its `budgetShare`.
   */
  readonly dependsOn?: string;
  /** Fraction of ρ(ε budget, δ) this task may spend (default 1); shares of dependent tasks sum to ≤ 1. */
  readonly budgetShare?: number;
  /** Secure rounds this task's share is planned over (default: the server's plannedRounds). */
  readonly plannedRounds?: number;
  /**
   * Fixed-schedule tasks ('daily-report'): each round is one period of this many UTC days, closing
   * at its end; the task's ε budget is then per period and renews (server/strategies/budget.ts).
   */
  readonly periodDays?: number;
  /** Per-task overrides of the server-wide round settings. */
  readonly minContributions?: number;
  readonly maxContributions?: number;
  readonly roundSeconds?: number;
  readonly epsilonBudget?: number;
}

/** ml-latest-small genres (movies.csv, without "(no genres listed)"), in a fixed order. */
export const MOVIELENS_GENRES: readonly string[] = [
  'Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/**
 * MF catalogue size when the served storefront's catalog.json is not available to size it
 * (server/main.ts sizes 'mf-items' from dist/demo/catalog.json: row i = items[i], the public list
 * shared with devices). Layout as in worker/models/mf-layout.ts: item_embeddings [nItems, dim]
 * then item_bias [nItems].
 */
export const MF_ITEMS = 2588;
export const MF_DIM = 16;
/**
 * Propensity model: the engine's logistic weights (worker/features/propensity.ts:
 * PROPENSITY_FEATURE_COUNT = 9 with the bias first), carried as weights [8] + bias [1], a layout
 * worker/federated/propensity-task.ts reads. The bias starts at the engine's prior log(0.03/0.97).
 */
export const PROPENSITY_WEIGHTS = 8;
export const PROPENSITY_INITIAL_BIAS = Math.log(0.03 / 0.97);

export interface AlsSettings {
  readonly dim: number;
  /** Item factors are learned for the top K catalogue items of the popularity release only. */
  readonly topK: number;
  /** Ridge λ of the item solve. */
  readonly lambda: number;
  /** Extra ridge when the round's sum carries DP noise (damps noise-driven factors). */
  readonly lambdaDp: number;
}

/**
 * The ALS that ships, as measured in sim/experiments (README there): dim 8, top 200 by a DP count,
 * λ 1 (+5 under DP noise: λ_dp 1/5/20 gave HR@10 0.464/0.485/0.476). Upload: 36 + 200 × 8 = 1,636 floats.
 */
export const ALS_SETTINGS: AlsSettings = { dim: 8, topK: 200, lambda: 1, lambdaDp: 5 };
/** Share of the ρ budget the popularity round gets (the rest goes to the ALS rounds): --hist-rho-share 0.05. */
export const POPULARITY_BUDGET_SHARE = 0.05;
/**
 * ALS rounds the task's share of ρ is planned over. Fewer rounds give each round's sum less noise
 * (σ ∝ √rounds) and ALS converges in few sweeps, so under DP two rounds beat three: the shipping
 * path in-process with the devices' own discrete noise (sim/experiments/real-path.ts --noise
 * discrete, all 671 users, ε 8), HR@10 0.4733 (seeds 1–20) and 0.4716 (21–40) at 2 rounds against
 * 0.4643 at 3 (seeds 1–20); seeded Gaussian noise, 90 seeds: 1 round 0.457 (30), 2 rounds 0.4695,
 * 3 rounds 0.4667, 4 rounds 0.461 (30). Without noise more sweeps help (2: 0.503, 3: 0.513), which
 * is why the trade-off is DP's. (Measured with the confidence Gram; without it, as ships, with the
 * devices' discrete noise, 2 rounds 0.4721 and 3 rounds 0.4720 over 80 runs each: two save an upload.)
 */
export const ALS_ROUNDS = 2;

/**
 * The owner's segments configuration: k segments over the interest `categories` (plus the four
 * activity features, always), the coreset round's 2^planes cells and their public seed.
 */
export interface KmeansSettings {
  readonly k: number;
  readonly categories: readonly string[];
  /**
   * Hyperplanes of the coreset round: 2^planes cells, fixed for the task because every round's
   * upload has one length (core/models/segments-model.ts). planesFor(expected devices) is the
   * measured rule (≈ 20 devices a cell): 3 (8 cells) for a small site, 5 for ~700 devices.
   */
  readonly planes: number;
  readonly seed: number;
  /**
   * Releases (whole schedules) the task's ε is planned for (default 1): each schedule's rounds get
   * SCHEDULE_SHARES / schedules of ρ, so the owner sees the segments drift over `schedules`
   * releases within one budget instead of one release that spends it all.
   */
  readonly schedules?: number;
}

/**
 * Six of MOVIELENS_GENRES, the storefront's: six interest dimensions (d = 10 with the activity
 * features) is what sim/experiments/kmeans.ts measured (the data set's six most common genres);
 * all 19 would make d = 23 and the noise per centroid grow with it.
 */
export const SEGMENT_CATEGORIES: readonly string[] = ['Drama', 'Comedy', 'Action', 'Thriller', 'Adventure', 'Romance'];
/** Releases one task's ε may be split over: beyond ~10 each schedule's share is too thin to find segments (sim/experiments/kmeans.ts, ε 0.5 rows). */
export const KMEANS_MAX_SCHEDULES = 10;
export const SEGMENTS_SETTINGS: KmeansSettings = { k: 4, categories: SEGMENT_CATEGORIES, planes: MIN_PLANES, seed: DEFAULT_PLANES_SEED };

/** Floats in one device's upload for `task` (the model's size, except for ALS: its statistics over K rows, and k-means: its blocks). */
export function uploadLength(task: Pick<TaskDefinition, 'kind' | 'model' | 'als' | 'kmeans'>): number {
  if (task.kind === 'kmeans') {
    if (task.kmeans === undefined) throw new RangeError('a kmeans task needs its kmeans settings');
    return segmentsVectorLength(task.kmeans, task.kmeans.k, task.kmeans.planes);
  }
  if (task.kind === 'als') {
    if (task.als === undefined) throw new RangeError('an als task needs its als settings');
    const nItems = task.model.tensors[0]?.shape[0] ?? 0;
    return alsVectorLength(task.als.dim, Math.min(task.als.topK, nItems));
  }
  return modelParameterCount(task.model.tensors);
}

export interface DefaultTaskOptions {
  /** The catalogue size: rows of the item models (ALS, popularity, and MF where it runs). */
  readonly mfItems?: number;
  /** Each catalogue row's public categories (length mfItems): the ALS factors start from them (createAlsTask). */
  readonly itemCategories?: readonly (readonly string[])[];
  /** The owner's segments settings (--segments-k, --segments-categories); default SEGMENTS_SETTINGS. */
  readonly segments?: Partial<KmeansSettings>;
  /** The server's δ (--delta): the fixed-schedule reports' ε per period is their share of ε 1 a day at it. */
  readonly delta?: number;
}

function catalogueSize(options: DefaultTaskOptions): number {
  const mfItems = options.mfItems ?? MF_ITEMS;
  if (!Number.isInteger(mfItems) || mfItems < 2 || mfItems > 100_000) throw new RangeError(`mfItems must be an integer in [2, 100000]; got ${mfItems}`);
  return mfItems;
}

/**
 * What ships: the item popularity histogram (a DP count per catalogue row, 5 % of the budget, one
 * round), the ALS model that waits for it (95 %), propensity and the category histogram, next-event,
 * model-evaluation, buy-intent, the segments, the daily report (after the segments: a device
 * adopts its segment first, and the report's conversion block has one slot per segment, so it
 * follows the segments task's k) and the 28-day report. 'mf-items' (createMfTask) is no longer a default: under DP noise its FedAvg
 * updates lose to popularity (sim/experiments/README.md); a server may still run it.
 */
export function createDefaultTasks(options: DefaultTaskOptions = {}): TaskDefinition[] {
  const nItems = catalogueSize(options);
  const segments = createSegmentsTask(options.segments);
  const delta = options.delta === undefined ? {} : { delta: options.delta };
  return [
    createPopularityTask(nItems),
    createAlsTask(nItems, ALS_SETTINGS, options.itemCategories),
    ...createDefaultTasksWithoutItems(),
    segments,
    createDailyReportTask({ segments: segments.kmeans?.k ?? SEGMENTS_SETTINGS.k, ...delta }),
    createMonthlyReportTask(delta),
  ];
}

export function createPopularityTask(nItems: number): TaskDefinition {
  return {
    task: 'item-popularity',
    kind: 'histogram',
    model: { name: 'item-popularity', tensors: [{ name: 'counts', shape: [nItems] }] },
    init: { kind: 'zeros' },
    // A device sends 1/√k on each of its k items (L2 = 1): worker/federated/histogram-task.ts.
    clipNorm: 1,
    // C/g = 1,000 grid steps: a count's rounding error (≤ g/2 per device per bin) stays ≪ the noise.
    granularity: 1e-3,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    budgetShare: POPULARITY_BUDGET_SHARE,
    plannedRounds: 1,
  };
}

/**
 * Row norm of the category-based initial factors: about a random init's (0.1 · √8 ≈ 0.28).
 * Measured at ε 8 (sim/README.md): what the init buys does not hinge on it.
 */
export const ALS_INIT_NORM = 0.3;

/**
 * `itemCategories` (item i's public categories, one entry per catalogue row): the factors start
 * from them (core/models/category-factors.ts): on ml-latest-small under DP, HR@10 0.4721 → 0.4778
 * over 80 runs with the devices' noise, though only +0.001 ± 0.001 on a validation split; without
 * noise 0.5075 → 0.5224 (sim/README.md). Without them, N(0, 0.1²).
 */
export function createAlsTask(nItems: number, settings: AlsSettings = ALS_SETTINGS, itemCategories?: readonly (readonly string[])[]): TaskDefinition {
  if (itemCategories !== undefined && itemCategories.length !== nItems) throw new RangeError(`itemCategories has ${itemCategories.length} entries; the catalogue has ${nItems} items`);
  return {
    task: 'als-items',
    kind: 'als',
    model: { name: 'als-items', tensors: alsTensorSpecs({ nItems, dim: settings.dim }) },
    // The popularity tensor starts at zero, which tells devices' scorers the model is not trained yet.
    init: itemCategories === undefined
      ? { kind: 'normal', stddev: 0.1, seed: 20_260_402, tensors: ['item_factors'] }
      : { kind: 'categories', tensor: 'item_factors', categories: itemCategories, norm: ALS_INIT_NORM, seed: 20_260_402 },
    // The device caps ‖u‖ ≤ 1 and scales its whole statistics vector to L2 ≤ C = 1.
    clipNorm: 1,
    granularity: 1e-4,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    als: settings,
    dependsOn: 'item-popularity',
    budgetShare: 1 - POPULARITY_BUDGET_SHARE,
    plannedRounds: ALS_ROUNDS,
  };
}

/** The FedAvg MF task (kept for servers that still run it; not a default). */
export function createMfTask(options: DefaultTaskOptions = {}): TaskDefinition {
  const mfItems = catalogueSize(options);
  return {
    task: 'mf-items',
    kind: 'fedavg',
    model: {
      name: 'mf-items',
      tensors: [
        { name: 'item_embeddings', shape: [mfItems, MF_DIM] },
        { name: 'item_bias', shape: [mfItems] },
      ],
    },
    init: { kind: 'normal', stddev: 0.1, seed: 20_260_401, tensors: ['item_embeddings'] },
    // Matched to what devices send at learningRate 1 (sim, 60 users, 20 + 20 steps): update L2 norm
    // p10 0.98, median 1.86, p90 2.39. A bound near the low end of that range clips most updates
    // by at most ~2× (direction kept) while the noise, calibrated to C, is never spent on signal
    // that is not there (at the old learningRate 0.05 the median norm was 0.09: 1/11 of C).
    clipNorm: 1,
    // 1e-4: C/g = 10,000 grid steps, so the rounding slack (≈ √n/2 in L2) stays a few % of the bound.
    granularity: 1e-4,
    localNoiseMultiplier: 1,
    localSteps: 20,
    // trainLocal's loss is a batch mean (one pair moves a row by lr/32): lr 0.05 with η 1 barely
    // moved the items (federated no-DP HR@10 0.18 on 200 users, below popularity's 0.38);
    // lr 1 with η 10 reached 0.445 (sim/README.md has the measurements).
    learningRate: 1,
    serverLearningRate: 10,
  };
}

/**
 * The next-event model (core/models/next-event.ts) over the storefront's genres, as
 * sim/experiments/next-event.ts trains it: one local epoch of SGD at learning rate 0.1 over windows
 * of 32 steps, updates clipped to L2 0.3 (about the median update, so half are clipped), FedAvg
 * with η 3 over 20 planned rounds (measured there: learning rate 1 or 0.3 on the device overshoot
 * and lose to the untrained model; 5 rounds are too few to learn transitions): 2,132 floats.
 */
export function createNextEventTask(categories: readonly string[] = MOVIELENS_GENRES): TaskDefinition {
  return {
    task: 'next-event',
    kind: 'fedavg',
    model: { name: 'next-event', tensors: nextEventTensors({ categories: categories.length, ...DEFAULT_NEXT_EVENT_SHAPE }) },
    init: { kind: 'next-event', seed: 20_261_207 },
    clipNorm: 0.3,
    // C/g = 3,000 grid steps: rounding stays a few % of the bound.
    granularity: 1e-4,
    localNoiseMultiplier: 1,
    localSteps: 1,
    learningRate: 0.1,
    serverLearningRate: 3,
    plannedRounds: 20,
    labels: categories,
  };
}

/**
 * Evaluation as a feature (issue 11 §3): each device scores the next-event model it predicts with
 * on its own latest steps, beside its own all-time counts (worker/features/self-evaluation.ts),
 * and sends the counts under that model version's labels (core/models/model-evaluation.ts has the
 * layout). The release is the dashboard's per-version hit@1/@5, buy precision/recall/F1 and
 * calibration. Listed after 'next-event', so a device adopts a new version before scoring it.
 */
export function createModelEvaluationTask(): TaskDefinition {
  const labels = modelEvaluationLabels();
  return {
    task: MODEL_EVALUATION_TASK,
    kind: 'histogram',
    model: { name: MODEL_EVALUATION_TASK, tensors: [{ name: 'counts', shape: [labels.length] }] },
    init: { kind: 'zeros' },
    // The exact bound of a device's counts (≤ 10 held-out steps): nothing is ever clipped.
    clipNorm: EVALUATION_CLIP_NORM,
    // C/g = 3,000 grid steps: a count's rounding (≤ g/2 per device and bin) is ≪ the noise.
    granularity: 0.01,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    labels,
  };
}

function createDefaultTasksWithoutItems(): TaskDefinition[] {
  return [
    {
      task: 'propensity',
      kind: 'fedavg',
      model: {
        name: 'propensity',
        tensors: [
          { name: 'weights', shape: [PROPENSITY_WEIGHTS] },
          { name: 'bias', shape: [1] },
        ],
      },
      init: { kind: 'constant', values: { bias: PROPENSITY_INITIAL_BIAS } },
      clipNorm: 1,
      granularity: 1e-3,
      localNoiseMultiplier: 1,
      localSteps: 10,
      learningRate: 0.05,
      serverLearningRate: 1,
    },
    {
      task: 'category-histogram',
      kind: 'histogram',
      model: { name: 'category-histogram', tensors: [{ name: 'counts', shape: [MOVIELENS_GENRES.length] }] },
      init: { kind: 'zeros' },
      // A device sends its interest over genres with L2 norm ≤ 1 (e.g. one-hot on its top genre).
      clipNorm: 1,
      granularity: 0.01,
      localNoiseMultiplier: 1,
      localSteps: 0,
      learningRate: 0,
      serverLearningRate: 1,
      labels: MOVIELENS_GENRES,
    },
    createNextEventTask(),
    createModelEvaluationTask(),
    createBuyIntentTask(),
  ];
}

/**
 * Devices in the one round of 'buy-intent': the round waits for exactly this many (min = max),
 * because with secure aggregation each device's noise share is sized for the minimum and the sum's
 * noise grows with √(devices / minimum) beyond it. 200 measured (sim/experiments/README.md): on
 * seeds 1–5 the DP prior's held-out log loss came within 0.005 of the noiseless prior's on
 * ml-latest-small and 0.0023 on MovieTweetings; at 100 devices the noise set the strength on 2 of
 * 5 seeds (12.7 and 20, capped, where the noiseless fit said 5).
 */
export const BUY_INTENT_DEVICES = 200;

/**
 * The population prior of purchase intent (core/models/buy-intent.ts has the layout and the
 * empirical-Bayes fit; worker/federated/buy-intent-task.ts the device): per category the sums of
 * w, w·rate, w·rate², w/engagements. One tensor per category, named by it, so the released model
 * is self-describing; no `labels`: its bins are not counts of a one-hot vector, so the dashboard's
 * histogram (projected onto counts adding up to n) would be wrong for them. ONE round spends the
 * whole ε: the prior needs one good sum, not a series of noisier ones; devices fetch it from
 * GET /v1/models/buy-intent/latest once the task has stopped.
 */
export function createBuyIntentTask(categories: readonly string[] = MOVIELENS_GENRES): TaskDefinition {
  return {
    task: BUY_INTENT_TASK,
    kind: 'histogram',
    model: { name: BUY_INTENT_TASK, tensors: buyIntentTensors(categories) },
    init: { kind: 'zeros' },
    // A device weighs each of its k categories by 1/(2√k): its vector has L2 ≤ 1 whatever its history.
    clipNorm: 1,
    // C/g = 1,000 grid steps: rounding (≤ g/2 per device and value) is ≪ the sum's noise σ ≈ 0.69.
    granularity: 1e-3,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    plannedRounds: 1,
    minContributions: BUY_INTENT_DEVICES,
    maxContributions: BUY_INTENT_DEVICES,
  };
}

/**
 * Segments (issue 12 §1): federated DP k-means as one task of SCHEDULE_ROUNDS rounds (the mean
 * round, the coreset round, two DP Lloyd rounds: server/strategies/kmeans.ts), its ρ split as the
 * simulator measured it (core/models/segments-model.ts SCHEDULE_SHARES). Every upload is
 * max(k, 2^planes) blocks of d + 2 floats (96 at k 4, 8 cells, d 10), L2 ≤ SEGMENTS_CLIP_NORM in
 * radius units; the feature names are the task's labels (the device rebuilds the spec from them).
 * @example createSegmentsTask({ k: 6, categories: ['Drama', 'Sci-Fi', 'Horror'] });
 */
export function createSegmentsTask(settings: Partial<KmeansSettings> = {}): TaskDefinition {
  const kmeans: KmeansSettings = { ...SEGMENTS_SETTINGS, ...settings };
  checkKmeansSettings(kmeans, `task ${JSON.stringify(SEGMENTS_TASK)}`);
  return {
    task: SEGMENTS_TASK,
    kind: 'kmeans',
    model: { name: SEGMENTS_TASK, tensors: segmentsTensors(kmeans.k, featureDimension(kmeans)) },
    // All zeros: stage 0 (the mean round next), no segments released yet.
    init: { kind: 'zeros' },
    clipNorm: SEGMENTS_CLIP_NORM,
    // C/g ≈ 1,150 grid steps (in radius units): rounding ≪ the noise, as the sim's C/1,000.
    granularity: 1e-3,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    labels: featureNames(kmeans),
    kmeans,
    plannedRounds: SCHEDULE_ROUNDS * (kmeans.schedules ?? 1),
  };
}

/** The owner's segments configuration, checked field by field (a RangeError names the field). */
export function checkKmeansSettings(settings: KmeansSettings, where: string): void {
  const { k, categories, planes, seed } = settings;
  if (!Number.isInteger(k) || k < KMEANS_MIN_K || k > KMEANS_MAX_K) throw new RangeError(`${where}: kmeans.k must be an integer in [${KMEANS_MIN_K}, ${KMEANS_MAX_K}] (one segment says nothing; the upload and the id matching grow with k); got ${String(k)}`);
  try {
    featureDimension({ categories });
  } catch (error) {
    throw new RangeError(`${where}: kmeans.${error instanceof Error ? error.message : String(error)}`);
  }
  if (categories.some((c) => c.startsWith('interest:'))) throw new RangeError(`${where}: kmeans.categories: a category must not start with 'interest:'`);
  if (!Number.isInteger(planes) || planes < MIN_PLANES || planes > MAX_PLANES) throw new RangeError(`${where}: kmeans.planes must be an integer in [${MIN_PLANES}, ${MAX_PLANES}]; got ${String(planes)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) throw new RangeError(`${where}: kmeans.seed must be an integer in [0, 2^31]; got ${String(seed)}`);
  const schedules = settings.schedules ?? 1;
  if (!Number.isInteger(schedules) || schedules < 1 || schedules > KMEANS_MAX_SCHEDULES) throw new RangeError(`${where}: kmeans.schedules must be an integer in [1, ${KMEANS_MAX_SCHEDULES}] (releases the task's ε is split over); got ${String(schedules)}`);
}

/**
 * What the fixed-schedule reports together may cost each device: ε 1 a day (issue 12 §2), held as
 * zCDP ρ per day (ρ_day = zcdpRhoFor(ε 1, δ) = 0.0244 at δ 10⁻⁶) because ρ adds up over tasks and
 * periods. Each report task gets a share of it over its period: a P-day report spends
 * share · P · ρ_day per period, what P daily reports of that share would (zCDP composes additively,
 * Bun & Steinke 2016 Lemma 2.3). The two shipped reports take half each: over any run of whole
 * 28-day periods a device spends at most what one ε-1 report a day would. A single day's events
 * are protected only at the period's ε, though: the 28-day report may carry them all.
 */
export const REPORTS_EPSILON_PER_DAY = 1;
export const DAILY_REPORT_SHARE = 0.5;
export const MONTHLY_REPORT_SHARE = 0.5;

/** ε per period for a report task's share of REPORTS_EPSILON_PER_DAY (see there). */
export function reportEpsilonPerPeriod(share: number, periodDays: number, delta = 1e-6): number {
  const rhoDay = zcdpRhoFor({ epsilon: REPORTS_EPSILON_PER_DAY, delta });
  // Rounded down to 4 decimals: the figure owners and visitors read (0.6905, 4.2104), and never above
  // share · P · ρ_day once the server turns it back into ρ (zcdpRhoFor).
  return Math.floor(zcdpToEpsilon(share * periodDays * rhoDay, delta).epsilon * 1e4) / 1e4;
}

export interface ReportTaskOptions extends Partial<Omit<DailyReportSpec, 'bounds'>> {
  /** Period length in UTC days, [1, 28]; the caps follow from it (core/models/daily-report.ts reportBounds). */
  readonly periodDays?: number;
  /** ε per device per period (default: the task's share of REPORTS_EPSILON_PER_DAY at δ 10⁻⁶). */
  readonly epsilonPerPeriod?: number;
  /** δ the default ε is computed at (the server's --delta). */
  readonly delta?: number;
}

/**
 * Fixed-schedule reports (issue 12 §2, core/models/daily-report.ts): a histogram-kind task whose
 * rounds are the periods (each round closes at its period's end,
 * server/strategies/client-config.ts; a report for a closed period, or sent after the period's
 * end before the tick closes its round, is refused naming it, server/rounds/validate-contribution.ts;
 * a period with fewer than minContributions reports runs on to the next period's end exactly,
 * server/rounds/coordinator.ts), one report per device per round, zeros when it did
 * nothing (worker/federated/daily-report-task.ts). Its labels name every value (`views:Drama`,
 * `funnel:carted`, `search:drama`, `segment:0:bought`; a device rebuilds the layout from them and
 * its caps from the period), its clipNorm is the report's exact L2 bound, so the aggregator's clip
 * never changes a report and a report of the wrong size meets the existing exact-length check (400
 * naming the expected length). Two ship (createDefaultTasks), filled from the engine's sequence
 * (worker/features/period-activity.ts through worker/engine.ts periodActivity, wired in
 * worker/federated/wire.ts):
 *
 * - 'daily-report' (createDailyReportTask): every day the funnel, searches over the public
 *   vocabulary (the storefront's genres, lower-case) and [visited, bought] per segment (the
 *   segments task's k): 31 values, Δ √5.
 * - 'monthly-report' (createMonthlyReportTask): every 28 days views, carts and buys per category
 *   (the storefront's 19 genres) and the period's funnel: 61 values, Δ 45.6.
 *
 * Why two: a day's caps either drop the bursty days' views or drown a category in noise (worst
 * 12.2 % on MovieTweetings at ε 1 a day against the ≤ 5 % target); four weeks of one device fit
 * under caps about as large as its busiest day, and the noise of a window falls as Δ/P
 * (sim/experiments/README.md, "Fixed-schedule reports").
 *
 * Privacy: `epsilonPerPeriod` per device per PERIOD, a budget that renews (default: the task's share
 * of ε 1 a day, REPORTS_EPSILON_PER_DAY): each round is sized to spend the whole period's ρ
 * (rhoFraction 1, server/strategies/client-config.ts), the rounds that took reports during one
 * period may together spend at most that (server/strategies/budget.ts, on storage.rhoSpentBetween),
 * and a round that would go over waits for the next period instead of stopping the task. A round
 * also closes when full (maxContributions): the period's budget is then spent and the next round
 * opens with the next period, so --max-contributions should be sized to the site's devices per
 * period. Over N periods a device's costs compose (N × ρ; /v1/stats reports both the period's ε and
 * the total), and the device's ledger charges each report against its period as well as its
 * rolling window (worker/federated/client.ts reportPeriod, core/dp/ledger.ts ChargeRequest.period).
 * With a single plain aggregator a report's only protection from it is the device's own noise (ρ 1/2
 * at localNoiseMultiplier 1, far over a period's ρ), so devices decline the task there
 * (out-of-budget); it is meant for secure aggregation (npm start), where the charge is the
 * distributed ρ of the period.
 * @example createReportTask(DAILY_REPORT_TASK, { categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0 });
 */
export function createReportTask(task: string, options: ReportTaskOptions & { readonly share?: number } = {}): TaskDefinition {
  const where = `task ${JSON.stringify(task)}`;
  const periodDays = options.periodDays ?? 1;
  if (!Number.isInteger(periodDays) || periodDays < 1 || periodDays > DAILY_REPORT_MAX_PERIOD_DAYS) {
    throw new RangeError(`${where}: periodDays must be an integer in [1, ${DAILY_REPORT_MAX_PERIOD_DAYS}]; got ${String(periodDays)}`);
  }
  const epsilonPerPeriod = options.epsilonPerPeriod ?? reportEpsilonPerPeriod(options.share ?? 1, periodDays, options.delta);
  if (!Number.isFinite(epsilonPerPeriod) || epsilonPerPeriod <= 0) throw new RangeError(`${where}: epsilonPerPeriod must be a positive finite number; got ${String(epsilonPerPeriod)}`);
  const categories = options.categories ?? MOVIELENS_GENRES;
  let layout;
  try {
    layout = dailyReportLayout({
      categories,
      searchTerms: options.searchTerms ?? categories.map((c) => c.toLowerCase()),
      segments: options.segments ?? SEGMENTS_SETTINGS.k,
      bounds: reportBounds(periodDays),
    });
  } catch (error) {
    throw new RangeError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    task,
    kind: 'histogram',
    model: { name: task, tensors: [{ name: 'report', shape: [layout.length] }] },
    init: { kind: 'zeros' },
    clipNorm: dailyReportClipNorm(layout),
    // Values are counts (fractions after the proportional clip): rounding at 0.01 ≪ the noise (σ ≥ 14 a period).
    granularity: 0.01,
    localNoiseMultiplier: 1,
    localSteps: 0,
    learningRate: 0,
    serverLearningRate: 1,
    labels: dailyReportLabels(layout),
    roundSeconds: periodDays * 86_400,
    periodDays,
    // One round per period spends the period's whole budget (it renews with the next period).
    epsilonBudget: epsilonPerPeriod,
    plannedRounds: 1,
  };
}

/**
 * The daily report: the funnel, searches and per-segment conversion, no per-category counts (the
 * 28-day report carries those), half of ε 1 a day.
 * @example createDailyReportTask({ segments: 4 });
 */
export function createDailyReportTask(options: ReportTaskOptions = {}): TaskDefinition {
  return createReportTask(DAILY_REPORT_TASK, { searchTerms: MOVIELENS_GENRES.map((c) => c.toLowerCase()), categories: [], ...options, share: DAILY_REPORT_SHARE });
}

/**
 * The 28-day report: views, carts and buys per category and the period's funnel, no searches or
 * segments (the daily report has them), the other half of ε 1 a day.
 * @example createMonthlyReportTask({ categories: ['Drama', 'Comedy'] });
 */
export function createMonthlyReportTask(options: ReportTaskOptions = {}): TaskDefinition {
  return createReportTask(MONTHLY_REPORT_TASK, { searchTerms: [], segments: 0, periodDays: MONTHLY_REPORT_PERIOD_DAYS, ...options, share: MONTHLY_REPORT_SHARE });
}

export const DEFAULT_TASKS: readonly TaskDefinition[] = createDefaultTasks();

/**
 * The tasks a server runs (`--tasks`, server/config.ts): all of `tasks` when `names` is absent,
 * else those it names, in the server's order (a dependency before the task that needs it). A name the list does not hold, or a task without the
 * histogram it depends on (ALS picks its rows from item-popularity's release), is refused naming
 * both: sharding by task (docs/SCALING.md) keeps a task and its dependency on one server.
 * @example selectTasks(createDefaultTasks(), ['item-popularity', 'als-items']);
 */
export function selectTasks(tasks: readonly TaskDefinition[], names?: readonly string[]): TaskDefinition[] {
  if (names === undefined) return [...tasks];
  const known = new Set(tasks.map((t) => t.task));
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined) throw new RangeError(`--tasks: ${JSON.stringify(unknown)} is not one of this server's tasks (${[...known].join(', ')})`);
  const chosen = tasks.filter((t) => names.includes(t.task));
  const orphan = chosen.find((t) => t.dependsOn !== undefined && !names.includes(t.dependsOn));
  if (orphan !== undefined) throw new RangeError(`--tasks: ${orphan.task} picks its rows from ${orphan.dependsOn}'s release; list both on the same server`);
  return chosen;
}

/** Validates a task list once, naming the task and the field. */
export function checkTasks(tasks: readonly TaskDefinition[]): readonly TaskDefinition[] {
  const names = new Set<string>();
  for (const t of tasks) {
    const where = `task ${JSON.stringify(t.task)}`;
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(t.task)) throw new RangeError(`${where}: task must match [a-z0-9][a-z0-9-]{0,63}`);
    if (names.has(t.task)) throw new RangeError(`${where}: task names must be unique`);
    names.add(t.task);
    const n = modelParameterCount(t.model.tensors);
    const positive: [string, number][] = [['clipNorm', t.clipNorm], ['granularity', t.granularity], ['serverLearningRate', t.serverLearningRate]];
    for (const [field, value] of positive) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${where}: ${field} must be a positive finite number; got ${value}`);
    }
    if (!Number.isFinite(t.localNoiseMultiplier) || t.localNoiseMultiplier < 0) {
      throw new RangeError(`${where}: localNoiseMultiplier must be ≥ 0; got ${t.localNoiseMultiplier}`);
    }
    if (t.kind === 'histogram' && t.labels !== undefined && t.labels.length !== n) {
      throw new RangeError(`${where}: a histogram needs one label per value (${n}); got ${t.labels.length}`);
    }
    if (t.task === MODEL_EVALUATION_TASK) {
      // What worker/federated/model-evaluation-task.ts needs, or every device would refuse the task.
      if (t.kind !== 'histogram') throw new RangeError(`${where}: kind must be 'histogram'; got ${JSON.stringify(t.kind)}`);
      const missing = modelEvaluationLabels().find((label) => !t.labels?.includes(label));
      if (missing !== undefined) throw new RangeError(`${where}: labels must include every label of core/models/model-evaluation.ts (devices place their counts by them); missing ${JSON.stringify(missing)}`);
      if (t.clipNorm < EVALUATION_CLIP_NORM) throw new RangeError(`${where}: clipNorm must be ≥ ${EVALUATION_CLIP_NORM} (a device's exact bound); got ${t.clipNorm}`);
    }
    if (REPORT_TASKS.includes(t.task)) {
      // What a device needs to fill the report, or every device would refuse the task.
      if (t.kind !== 'histogram') throw new RangeError(`${where}: kind must be 'histogram'; got ${JSON.stringify(t.kind)}`);
      if (t.periodDays === undefined) throw new RangeError(`${where}: a fixed-schedule report needs periodDays`);
      let bound: number;
      try {
        bound = dailyReportClipNorm(layoutFromLabels(t.labels ?? [], reportBounds(t.periodDays)));
      } catch (error) {
        throw new RangeError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (t.clipNorm < bound) throw new RangeError(`${where}: clipNorm must be ≥ ${bound} (a report's exact bound); got ${t.clipNorm}`);
    }
    if (t.kind === 'als') {
      const a = t.als;
      if (a === undefined) throw new RangeError(`${where}: an als task needs als settings`);
      if (!Number.isInteger(a.dim) || a.dim < 1 || a.dim > 64) throw new RangeError(`${where}: als.dim must be an integer in [1, 64]; got ${a.dim}`);
      if (!Number.isInteger(a.topK) || a.topK < 1) throw new RangeError(`${where}: als.topK must be an integer ≥ 1; got ${a.topK}`);
      for (const [field, value] of [['lambda', a.lambda], ['lambdaDp', a.lambdaDp]] as const) {
        if (!Number.isFinite(value) || value < 0) throw new RangeError(`${where}: als.${field} must be a finite number ≥ 0; got ${value}`);
      }
      const [factors, popularity] = t.model.tensors;
      if (t.model.tensors.length !== 2 || factors?.shape.length !== 2 || factors.shape[1] !== a.dim || popularity?.shape.join() !== String(factors.shape[0])) {
        throw new RangeError(`${where}: an als model is item_factors [nItems, ${a.dim}] and item_popularity [nItems]`);
      }
      if (t.dependsOn === undefined) throw new RangeError(`${where}: an als task picks its rows from a popularity histogram named by dependsOn`);
    }
    if (t.kind === 'kmeans') {
      if (t.kmeans === undefined) throw new RangeError(`${where}: a kmeans task needs kmeans settings (k, categories, planes, seed)`);
      checkKmeansSettings(t.kmeans, where);
      const wanted = segmentsTensors(t.kmeans.k, featureDimension(t.kmeans));
      if (JSON.stringify(t.model.tensors) !== JSON.stringify(wanted)) throw new RangeError(`${where}: a kmeans model is ${wanted.map((x) => `${x.name}[${x.shape.join('×')}]`).join(', ')} for its k and categories`);
      if (t.labels?.join('\u0000') !== featureNames(t.kmeans).join('\u0000')) throw new RangeError(`${where}: a kmeans task's labels are its feature names (${featureNames(t.kmeans).join(', ')})`);
      if (t.clipNorm < SEGMENTS_CLIP_NORM) throw new RangeError(`${where}: clipNorm must be ≥ ${SEGMENTS_CLIP_NORM} (a device's exact bound in radius units); got ${t.clipNorm}`);
    }
    if (t.budgetShare !== undefined && !(t.budgetShare > 0 && t.budgetShare <= 1)) throw new RangeError(`${where}: budgetShare must be in (0, 1]; got ${t.budgetShare}`);
    if (t.plannedRounds !== undefined && !(Number.isInteger(t.plannedRounds) && t.plannedRounds >= 1)) throw new RangeError(`${where}: plannedRounds must be an integer ≥ 1; got ${t.plannedRounds}`);
    if (t.clipNorm / t.granularity > 2 ** 30) throw new RangeError(`${where}: clipNorm / granularity must stay below 2^30 grid steps`);
  }
  for (const t of tasks) {
    if (t.dependsOn === undefined) continue;
    const where = `task ${JSON.stringify(t.task)}`;
    const dep = tasks.find((d) => d.task === t.dependsOn);
    if (dep === undefined || dep.kind !== 'histogram' || dep.dependsOn !== undefined) throw new RangeError(`${where}: dependsOn must name a histogram task of this server; got ${JSON.stringify(t.dependsOn)}`);
    if (t.kind === 'als' && dep.model.tensors[0]?.shape.join() !== String(t.model.tensors[0]?.shape[0])) throw new RangeError(`${where}: its popularity histogram ${dep.task} must have one bin per item`);
    if ((t.budgetShare ?? 1) + (dep.budgetShare ?? 1) > 1 + 1e-12) throw new RangeError(`${where}: budgetShare ${t.budgetShare ?? 1} + ${dep.task}'s ${dep.budgetShare ?? 1} exceeds the one budget they share`);
  }
  return tasks;
}
