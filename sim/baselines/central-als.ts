/**
 * The centralized baseline for what ships: the SAME ALS code the devices and the aggregator run
 * (worker/models/als.ts for the user solve and the statistics, core/models/als.ts for the item
 * solve), on every user's training interactions pooled on one machine. The rows are chosen by the
 * same rule on exact counts (each user adds 1/√k to each of its k items, as the popularity histogram
 * does, without noise); no clip and no ‖u‖ cap (the sums are exact), λ without the DP ridge. Every
 * user takes part in every one of the `iterations` (the federated runs ask every device too).
 */
import { ALS_POPULARITY_WEIGHT, alsVectorLength, solveAlsItems } from '../../core/models/als.js';
import { alsStatistics, solveUserVector } from '../../worker/models/als.js';
import type { Interaction } from '../../worker/models/feedback.js';
import { topRows } from '../../server/strategies/als.js';
import { initialWeights } from '../../server/models/initial-weights.js';
import { ALS_SETTINGS, createAlsTask } from '../../server/tasks.js';
import { catalogueCategories, type Dataset } from '../data.js';
import { evaluateRanking, type RankingQuality, type Scorer } from '../metrics.js';

export interface CentralAlsOptions {
  readonly nItems: number;
  readonly dim: number;
  readonly topK: number;
  readonly lambda: number;
  readonly iterations: number;
  /** [nItems, dim] starting factors (the rows are taken from it): the shipped task's initial weights. */
  readonly initialFactors: Float32Array;
}

export interface CentralAls {
  readonly nItems: number;
  readonly dim: number;
  /** [nItems, dim], zero outside the rows. */
  readonly factors: Float32Array;
  /** Exact 1/√k counts. */
  readonly counts: Float64Array;
}

/** Counts as the popularity histogram makes them: 1/√k from each user to each of its k items. */
export function scaledCounts(interactions: readonly (readonly Interaction[])[], nItems: number): Float64Array {
  const counts = new Float64Array(nItems);
  for (const p of interactions) {
    const items = new Set(p.map((x) => x.item));
    for (const item of items) counts[item] += 1 / Math.sqrt(items.size);
  }
  return counts;
}

export function trainCentralAls(interactions: readonly (readonly Interaction[])[], options: CentralAlsOptions): CentralAls {
  const { nItems, dim, topK, lambda, iterations } = options;
  const counts = scaledCounts(interactions, nItems);
  const rows = topRows(counts, topK);
  const rowOf = new Map<number, number>();
  rows.forEach((item, r) => rowOf.set(item, r));
  const mine = interactions.map((p) => p.flatMap((x) => (rowOf.has(x.item) ? [{ item: rowOf.get(x.item)!, weight: x.weight }] : [])));
  if (options.initialFactors.length !== nItems * dim) throw new RangeError(`initialFactors has ${options.initialFactors.length} values; ${nItems} items × dim ${dim} needs ${nItems * dim}`);
  const compact = new Float32Array(rows.length * dim);
  rows.forEach((item, r) => compact.set(options.initialFactors.subarray(item * dim, item * dim + dim), r * dim));
  const local = rows.map((_, r) => r);
  for (let it = 0; it < iterations; it++) {
    const sum = new Float64Array(alsVectorLength(dim, rows.length));
    for (let u = 0; u < interactions.length; u++) {
      if (interactions[u]!.length === 0) continue;
      const user = solveUserVector(compact, dim, mine[u]!);
      const stats = alsStatistics({ user, dim, rows: local, interactions: mine[u]!, clipNorm: Number.POSITIVE_INFINITY, userNormCap: Number.POSITIVE_INFINITY });
      for (let k = 0; k < stats.length; k++) sum[k] += stats[k]!;
    }
    compact.set(solveAlsItems({ sum, dim, rows: rows.length, lambda }));
  }
  const factors = new Float32Array(nItems * dim);
  rows.forEach((item, r) => factors.set(compact.subarray(r * dim, r * dim + dim), item * dim));
  return { nItems, dim, factors, counts };
}

/** Each user's u solved against the final factors (as a device does), u·v + w·log(1 + count). */
export function centralAlsScorer(model: CentralAls, interactions: readonly (readonly Interaction[])[]): Scorer {
  return (_user, userIndex) => {
    const u = solveUserVector(model.factors, model.dim, interactions[userIndex] ?? []);
    const out = new Float32Array(model.nItems);
    for (let i = 0; i < model.nItems; i++) {
      let s = 0;
      for (let x = 0; x < model.dim; x++) s += u[x]! * model.factors[i * model.dim + x]!;
      out[i] = s + ALS_POPULARITY_WEIGHT * Math.log1p(model.counts[i]!);
    }
    return out;
  };
}

/**
 * The centralized reference the simulators print: the shipped ALS settings, `iterations` sweeps from
 * the shipped task's initial factors (the catalogue's categories, server/tasks.ts createAlsTask).
 */
export function centralAlsQuality(dataset: Dataset, interactions: readonly (readonly Interaction[])[], nItems: number, iterations: number): RankingQuality {
  const task = createAlsTask(nItems, ALS_SETTINGS, catalogueCategories(dataset.catalogue));
  const initialFactors = initialWeights(task).subarray(0, nItems * ALS_SETTINGS.dim);
  const model = trainCentralAls(interactions, { nItems, dim: ALS_SETTINGS.dim, topK: ALS_SETTINGS.topK, lambda: ALS_SETTINGS.lambda, iterations, initialFactors });
  return evaluateRanking(dataset, centralAlsScorer(model, interactions));
}
