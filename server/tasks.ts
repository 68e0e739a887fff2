/**
 * The federated tasks the aggregator runs, as data. Shapes follow the device's model layouts
 * (worker/models/mf-layout.ts for 'mf-items'); the server never imports tfjs or the worker, so
 * the numbers are repeated here and checked against the device by the end-to-end tests.
 *
 * Round sizes, deadlines, ε budget, δ and the central noise come from the server configuration
 * (server/config.ts) unless a task overrides them.
 */
import type { TaskKind, TensorSpec } from '../core/protocol/aggregator.js';
import { modelParameterCount } from '../core/protocol/aggregator.js';

export type ModelInit =
  /** N(0, stddev²) from a seeded generator: model initialisation only, NOT privacy noise. */
  | { readonly kind: 'normal'; readonly stddev: number; readonly seed: number; readonly tensors: readonly string[] }
  /** Every value of the named tensors set to a constant; other tensors zero. */
  | { readonly kind: 'constant'; readonly values: Readonly<Record<string, number>> }
  | { readonly kind: 'zeros' };

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
  /** Histogram tasks: bin names (vector index i counts labels[i]). */
  readonly labels?: readonly string[];
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

export interface DefaultTaskOptions {
  /** Rows of the MF item embedding (the catalogue size). */
  readonly mfItems?: number;
}

export function createDefaultTasks(options: DefaultTaskOptions = {}): TaskDefinition[] {
  const mfItems = options.mfItems ?? MF_ITEMS;
  if (!Number.isInteger(mfItems) || mfItems < 2 || mfItems > 100_000) throw new RangeError(`mfItems must be an integer in [2, 100000]; got ${mfItems}`);
  return [
    {
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
    },
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
  ];
}

export const DEFAULT_TASKS: readonly TaskDefinition[] = createDefaultTasks();

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
    if (t.kind === 'histogram' && t.labels?.length !== n) {
      throw new RangeError(`${where}: a histogram needs one label per value (${n}); got ${t.labels?.length ?? 0}`);
    }
    if (t.clipNorm / t.granularity > 2 ** 30) throw new RangeError(`${where}: clipNorm / granularity must stay below 2^30 grid steps`);
  }
  return tasks;
}
