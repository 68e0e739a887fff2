/**
 * The shipping ALS path in-process, to hold it against the replica (als.ts, fed-als.ts) step by
 * step: the functions `npm run simulate` runs through HTTP, the leader and the helper, called
 * directly, without the transport (whose decoded sums were checked separately: sim/README.md).
 *
 *   device   worker/federated/histogram-task.ts (the popularity vector, 1/√k on each of k items),
 *            worker/federated/als-task.ts (the user solve over the round's rows, ‖u‖ ≤ 1, the
 *            statistics vector scaled to L2 ≤ C);
 *   noise    'seeded': N(0, σ²) on each sum from the replica's generator in the replica's order
 *            (the histogram, then per round G, B; σ as fed-als.ts computes it), so that with
 *            init 'replica' and evaluation 'replica' this returns fed-als.ts's numbers for the
 *            same seed, to the last digit (real-path.test.ts);
 *            'discrete': every device releases through the DP core's vector sum mechanism (clip,
 *            conditional rounding onto the task's grid, its discrete Gaussian share σ_l from
 *            server/strategies/distributed-dp.ts secureNoisePlan at n = every device, drawn from
 *            crypto.getRandomValues), as the simulator's devices do; 'none': exact sums;
 *   server   server/strategies/als.ts (topRows over the released counts, the aggregate's item solve
 *            with λ + λ_dp), the task's initial weights (server/models/initial-weights.ts: from the
 *            catalogue's genres as `npm run simulate` ships them, or, init 'random', the fixed
 *            N(0, 0.1²) draw, seed 20,260,402) or, init 'replica', als.ts's seeded(initSeed) draw on the rows;
 *   scoring  'scorer': worker/federated/als-scorer.ts alsScores, squashed as the scorer does, NaN
 *            last, as sim/federation.ts federatedScores ranks; 'replica': raw scores, and a device
 *            with none of the rows ranks everything at −1e9 (catalogue order), as als.ts does.
 *
 *   node --import tsx sim/experiments/real-path.ts [--seeds 1-10] [--noise seeded|discrete|none]
 *     [--init server|random|replica] [--init-norm 0.3] [--init-seed S] [--eval scorer|replica] [--eps 8] [--rounds 3] [--topk 200] [--lambda-dp 5] [--hist-share 0.05] [--clip 1] [--split 0.5,0.5]
 *     [--average-last K] [--damp] [--dim 8] [--holdout test|validation]
 */
import { alsShapeFromSpecs, alsVectorLength } from '../../core/models/als.js';
import { createVectorSumMechanism } from '../../core/dp/mechanisms/vector-sum.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import { initialWeights } from '../../server/models/initial-weights.js';
import { createAls, topRows } from '../../server/strategies/als.js';
import { distributedGaussianRho } from '../../core/dp/accountant/distributed-gaussian.js';
import { secureNoisePlan } from '../../server/strategies/distributed-dp.js';
import type { RoundConfig } from '../../server/strategies/strategy.js';
import { ALS_SETTINGS, createAlsTask, createPopularityTask, POPULARITY_BUDGET_SHARE, type TaskDefinition } from '../../server/tasks.js';
import { alsScores } from '../../worker/federated/als-scorer.js';
import { createAlsTaskHandler } from '../../worker/federated/als-task.js';
import type { FederatedDb } from '../../worker/federated/db.js';
import { createItemHistogramTaskHandler } from '../../worker/federated/histogram-task.js';
import { squash } from '../../worker/federated/mf-scorer.js';
import { solveUserVector } from '../../worker/models/als.js';
import { catalogueCategories } from '../data.js';
import type { RankingQuality } from '../metrics.js';
import { evaluate, flags, fmt, gaussian, loadExperimentData, num, popularity, rhoForEpsilon, seeded, type ExperimentData } from './common.js';

export type RealPathNoise = 'seeded' | 'discrete' | 'none';

export interface RealPathOptions {
  /** Noise seed ('seeded') and, with init 'replica', the init seed unless initSeed is given. */
  readonly seed?: number;
  readonly initSeed?: number;
  /** ε of the whole run at δ 1e−6 (popularity 5 %, ALS rounds 95 %); 0: no noise, no λ_dp. */
  readonly epsilon?: number;
  readonly rounds?: number;
  readonly topK?: number;
  readonly noise?: RealPathNoise;
  readonly init?: 'server' | 'replica';
  /**
   * The catalogue rows' categories the server's init starts the factors from (createAlsTask, what
   * ships when the catalogue lists categories); absent: the N(0, 0.1²) draw.
   */
  readonly itemCategories?: readonly (readonly string[])[];
  /** Experiment: the categories init's row norm (default ALS_INIT_NORM). */
  readonly initNorm?: number;
  readonly evaluation?: 'scorer' | 'replica';
  /** The server's extra ridge under DP (default ALS_SETTINGS.lambdaDp). */
  readonly lambdaDp?: number;
  /** The popularity round's share of ρ (default POPULARITY_BUDGET_SHARE). */
  readonly histShare?: number;
  /** The ALS task's clip bound C (default the task's, 1); the seeded σ scales with it. */
  readonly clip?: number;
  /** Each ALS round's fraction of the task's ρ (sums to 1; default equal shares). */
  readonly split?: readonly number[];
  /** Experiment: the item factors of the last K rounds averaged (their noise is independent). */
  readonly averageLast?: number;
  /** Experiment: every round after the first averages its solve with the model it started from. */
  readonly damp?: boolean;
  /** The factors' dimension (default ALS_SETTINGS.dim, 8). */
  readonly dim?: number;
}

export interface RealPathRound {
  readonly contributions: number;
  /** Devices holding at least one of the rows (a non-zero vector). */
  readonly withRows: number;
}

export interface RealPathResult {
  readonly quality: RankingQuality;
  readonly rows: readonly number[];
  readonly rounds: readonly RealPathRound[];
  /** ρ the leader's accountant would charge for the popularity round and the ALS rounds (discrete noise only; else 0). */
  readonly rhoSpent: number;
}

const DELTA = 1e-6;
/** The handlers never touch the database in train() (only commit() does, which is not called). */
const NO_DB = {} as FederatedDb;

export async function runRealPath(data: ExperimentData, options: RealPathOptions = {}): Promise<RealPathResult> {
  const seed = options.seed ?? 1;
  const epsilon = options.epsilon ?? 8;
  const rounds = options.rounds ?? 3;
  const topK = options.topK ?? ALS_SETTINGS.topK;
  const noise: RealPathNoise = epsilon > 0 ? (options.noise ?? 'seeded') : 'none';
  const nAll = data.nItems;
  const dim = options.dim ?? ALS_SETTINGS.dim;
  const rhoTotal = epsilon > 0 ? rhoForEpsilon(epsilon, DELTA) : Infinity;
  // fed-als.ts's σ of a round's sum and of the histogram's (continuous; the discrete plan differs by < 0.2 %).
  const histShare = options.histShare ?? POPULARITY_BUDGET_SHARE;
  const split = options.split ?? Array.from({ length: rounds }, () => 1 / rounds);
  if (split.length !== rounds || Math.abs(split.reduce((a, b) => a + b, 0) - 1) > 1e-9) throw new RangeError(`--split needs ${rounds} fractions summing to 1`);
  const sigmaOf = (round: number): number => (epsilon > 0 ? (options.clip ?? 1) * Math.sqrt(1 / (2 * rhoTotal * (1 - histShare) * split[round - 1]!)) : 0);
  const sigmaH = epsilon > 0 ? Math.sqrt(1 / (2 * rhoTotal * histShare)) : 0;
  const noiseRng = seeded(seed * 31 + 7);
  const devices = data.interactions.filter((p) => p.length > 0).length;

  /**
   * One device's release in float units (its vector, or with discrete noise clipped, rounded and
   * noised), and ρ of a round of n such releases as the leader's accountant charges it.
   */
  const releaser = (task: TaskDefinition, vectorLength: number, plannedRounds: number, rhoFraction?: number): { release: (v: Float32Array) => ArrayLike<number>; rho: (n: number) => number } => {
    if (noise !== 'discrete') return { release: (v) => v, rho: () => 0 };
    const plan = secureNoisePlan(`task ${task.task}`, {
      clipNorm: task.clipNorm, granularity: task.granularity, vectorLength, minContributions: devices,
      epsilonBudget: epsilon, delta: DELTA, plannedRounds, budgetShare: task.budgetShare ?? 1, ...(rhoFraction === undefined ? {} : { rhoFraction }),
    });
    const mechanism = createVectorSumMechanism({ dimension: vectorLength, clipNorm: task.clipNorm, granularity: task.granularity, noiseStddev: plan.sigma });
    return {
      release: (v) => mechanism.decode(mechanism.release(v).output),
      rho: (n) => distributedGaussianRho({ sensitivity: plan.sensitivity, sigma: plan.sigma, contributions: n, dimension: vectorLength }),
    };
  };
  let rhoSpent = 0;

  // The popularity round: every device with items sends its vector; the release is the noisy sum.
  const popularityTask = createPopularityTask(nAll);
  const releaseCounts = releaser(popularityTask, nAll, 1);
  const counts = new Float64Array(nAll);
  let counted = 0;
  for (const p of data.interactions) {
    const out = await createItemHistogramTaskHandler({ interactions: () => Promise.resolve(p) }).train(descriptor(popularityTask, nAll, 1), emptyModel(popularityTask));
    if (out.kind !== 'update') continue;
    counted++;
    const released = releaseCounts.release(out.update);
    for (let i = 0; i < nAll; i++) counts[i] += released[i]!;
  }
  if (noise === 'seeded') for (let i = 0; i < nAll; i++) counts[i] += sigmaH * gaussian(noiseRng);
  rhoSpent += releaseCounts.rho(counted);
  const release = Float32Array.from(counts);
  const rows = topRows(release, topK);
  const popularity = Array.from(release, (c) => Math.max(0, c));

  const shipped = createAlsTask(nAll, { ...ALS_SETTINGS, topK, dim }, options.itemCategories);
  const init = shipped.init.kind === 'categories' && options.initNorm !== undefined ? { ...shipped.init, norm: options.initNorm } : shipped.init;
  const alsTask = { ...shipped, init, ...(options.clip === undefined ? {} : { clipNorm: options.clip }) };
  const weights = initialWeights(alsTask);
  if (options.init === 'replica') {
    // als.ts: V [rows, dim] ~ 0.1·N(0, 1) from seeded(seed), drawn in row order.
    const rng = seeded(options.initSeed ?? seed);
    weights.fill(0, 0, nAll * dim);
    for (const item of rows) for (let x = 0; x < dim; x++) weights[item * dim + x] = 0.1 * gaussian(rng);
  }
  const header = { name: alsTask.model.name, version: 1, tensors: alsTask.model.tensors, dtype: 'float32' as const };
  let model: ModelBlob = { header, data: weights };
  const strategy = createAls({ extraRidge: epsilon > 0 ? (options.lambdaDp ?? ALS_SETTINGS.lambdaDp) : 0 });
  const vectorLength = alsVectorLength(dim, rows.length);
  const releasers = split.map((fraction) => releaser(alsTask, vectorLength, rounds, fraction));
  const rowOf = new Map(rows.map((item, r) => [item, r]));
  const log: RealPathRound[] = [];
  const outputs: Float32Array[] = [];
  for (let round = 1; round <= rounds; round++) {
    const task = { ...descriptor(alsTask, vectorLength, round), rows };
    const sum = new Float64Array(vectorLength);
    let contributions = 0;
    let withRows = 0;
    for (const p of data.interactions) {
      const out = await createAlsTaskHandler({ db: NO_DB, interactions: () => Promise.resolve(p) }).train(task, model);
      if (out.kind !== 'update') continue;
      contributions++;
      const released = releasers[round - 1]!.release(out.update);
      for (let k = 0; k < vectorLength; k++) sum[k] += released[k]!;
      if (out.update.some((v) => v !== 0)) withRows++;
    }
    if (noise === 'seeded') {
      const sigma = sigmaOf(round);
      // fed-als.ts's order: G (T values), then B (dim per row).
      for (let k = 0; k < vectorLength; k++) sum[k] += sigma * gaussian(noiseRng);
    }
    const config: RoundConfig = { ...roundConfig(alsTask, vectorLength), rows, popularity };
    const { weights: next } = strategy.aggregate({ roundId: `round-${round}`, task: alsTask, config, weights: model.data, sum, contributions });
    if (options.damp === true && round > 1) for (let x = 0; x < nAll * dim; x++) next[x] = (next[x]! + model.data[x]!) / 2;
    const averaged = options.averageLast ?? 1;
    if (averaged > 1) {
      outputs.push(next.slice(0, nAll * dim));
      const last = outputs.slice(-averaged);
      if (round === rounds) for (let x = 0; x < nAll * dim; x++) next[x] = last.reduce((a, o) => a + o[x]!, 0) / last.length;
    }
    model = { header: { ...header, version: round + 1 }, data: next };
    rhoSpent += releasers[round - 1]!.rho(contributions);
    log.push({ contributions, withRows });
  }

  const shape = alsShapeFromSpecs(model.header.tensors);
  const factors = model.data.subarray(0, nAll * dim);
  const quality = evaluate(data, (u) => {
    const p = data.interactions[u]!;
    const scores = alsScores(solveUserVector(factors, dim, p), model, shape);
    if (options.evaluation === 'replica') {
      const out = new Float32Array(nAll).fill(-1e9);
      if (!p.some((x) => rowOf.has(x.item))) return out;
      scores.forEach((s, i) => {
        if (!Number.isNaN(s)) out[i] = s;
      });
      return out;
    }
    return squash(scores).map((s) => (Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s));
  });
  return { quality, rows, rounds: log, rhoSpent };
}

function roundConfig(task: TaskDefinition, vectorLength: number): RoundConfig {
  return {
    vectorLength, clipNorm: task.clipNorm, granularity: 1, localNoiseStddev: 0, centralNoiseStddev: 0,
    localSteps: 0, learningRate: 0, minContributions: 2, maxContributions: 1_000_000, deadline: 0,
  };
}

function descriptor(task: TaskDefinition, vectorLength: number, version: number): TaskDescriptor {
  return {
    task: task.task, kind: task.kind, model: { name: task.model.name, version }, roundId: `${task.task}-${version}`,
    vectorLength, clipNorm: task.clipNorm, granularity: task.granularity, localNoiseStddev: 0, localSteps: 0,
    learningRate: 0, deadline: new Date(0).toISOString(), expectedBytes: 0, minContributions: 2, maxContributions: 1_000_000,
    privacy: { epsilonBudget: 0, delta: DELTA, epsilonSpent: 0 },
  };
}

function emptyModel(task: TaskDefinition): ModelBlob {
  return { header: { name: task.model.name, version: 1, tensors: task.model.tensors, dtype: 'float32' }, data: new Float32Array(0) };
}

/** "1-10" or "3" or "1,4,7". */
function seedList(spec: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return spec.split(',').map(Number);
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  // `--holdout validation`: evaluate on each user's training tail instead of the test items.
  const holdOut = f.holdout === 'validation' ? 'validation' : 'test';
  const data = await loadExperimentData(holdOut);
  console.log(`${holdOut} split: popularity ${fmt(popularity(data))}`);
  const base: RealPathOptions = {
    epsilon: num(f, 'eps', 8),
    rounds: num(f, 'rounds', 3),
    topK: num(f, 'topk', ALS_SETTINGS.topK),
    noise: (f.noise ?? 'seeded') as RealPathNoise,
    init: f.init === 'replica' ? 'replica' : 'server',
    // `--init random`: the server's N(0, 0.1²) draw instead of the catalogue's categories.
    ...(f.init === 'replica' || f.init === 'random' ? {} : { itemCategories: catalogueCategories(data.dataset.catalogue) }),
    ...(f['init-norm'] !== undefined ? { initNorm: num(f, 'init-norm', 0.3) } : {}),
    evaluation: f.eval === 'replica' ? 'replica' : 'scorer',
    ...(f['init-seed'] !== undefined ? { initSeed: num(f, 'init-seed', 1) } : {}),
    lambdaDp: num(f, 'lambda-dp', ALS_SETTINGS.lambdaDp),
    histShare: num(f, 'hist-share', POPULARITY_BUDGET_SHARE),
    ...(f.clip !== undefined ? { clip: num(f, 'clip', 1) } : {}),
    ...(f.split !== undefined ? { split: f.split.split(',').map(Number) } : {}),
    ...(f['average-last'] !== undefined ? { averageLast: num(f, 'average-last', 1) } : {}),
    ...(f.damp !== undefined ? { damp: true } : {}),
    ...(f.dim !== undefined ? { dim: num(f, 'dim', ALS_SETTINGS.dim) } : {}),
  };
  const hits: number[] = [];
  for (const seed of seedList(f.seeds ?? f.seed ?? '1')) {
    const result = await runRealPath(data, { ...base, seed });
    const r = result.rounds.map((x) => `${x.contributions}/${x.withRows}`).join(' ');
    console.log(`seed ${seed}: ${fmt(result.quality)}  [devices/with rows per round: ${r}]`);
    hits.push(result.quality.hitRate);
  }
  const mean = hits.reduce((a, b) => a + b, 0) / hits.length;
  const sd = Math.sqrt(hits.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, hits.length - 1));
  const { itemCategories, ...shown } = base;
  console.log(`real path ${JSON.stringify({ ...shown, init: itemCategories === undefined ? shown.init : 'categories' })}: HR@10 mean ${mean.toFixed(4)} (sd ${sd.toFixed(4)}, ${hits.length} runs, min ${Math.min(...hits).toFixed(4)}, max ${Math.max(...hits).toFixed(4)})`);
}

if (process.argv[1]?.endsWith('real-path.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
