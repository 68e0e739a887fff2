/**
 * Federated implicit ALS, the server's half (core/models/als.ts has the layout and the math):
 * - configure waits until the task's popularity histogram (`dependsOn`) has released counts, then
 *   picks the top K catalogue rows by those counts (ties to the lower row) and puts them, with the
 *   counts, in the round's config: devices learn the rows from the task descriptor;
 * - aggregate decodes the round's sum (float units, noise included) and solves every row's item
 *   factors, V_r = (G + (λ + λ_dp)I)⁻¹ B_r (solveAlsItems); the new model is item_factors (zero
 *   outside the rows) and item_popularity (the counts, clamped ≥ 0), all a device's scorer needs.
 * No I/O, no randomness; the DP wrappers compose around it like around FedAvg.
 */
import { alsShapeFromSpecs, solveAlsItems } from '../../core/models/als.js';
import { baseRoundConfig } from './client-config.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, RoundPlan, Strategy } from './strategy.js';

export interface AlsStrategyOptions {
  /** Added to the task's λ: its als.lambdaDp when the round sums carry DP noise, else 0. */
  readonly extraRidge: number;
}

/** The K rows with the largest counts (ties: the lower row first), ascending. */
export function topRows(counts: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: counts.length }, (_, i) => i);
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return order.slice(0, Math.min(k, counts.length)).sort((a, b) => a - b);
}

export function createAls(options: AlsStrategyOptions): Strategy {
  if (!(options.extraRidge >= 0)) throw new RangeError(`extraRidge must be ≥ 0; got ${options.extraRidge}`);
  return {
    configure(context: ConfigureContext): RoundPlan {
      const { task, dependency } = context;
      if (task.als === undefined) throw new RangeError(`task ${task.task}: an als task needs als settings`);
      if (dependency === null) return { kind: 'wait', message: `task ${task.task} waits for the first release of ${task.dependsOn ?? 'its popularity histogram'}` };
      const { nItems } = alsShapeFromSpecs(task.model.tensors);
      if (dependency.length !== nItems) throw new RangeError(`task ${task.task}: ${task.dependsOn} released ${dependency.length} counts; the model has ${nItems} items`);
      const rows = topRows(dependency, task.als.topK);
      const popularity = Array.from(dependency, (c) => Math.max(0, c));
      return { kind: 'open', config: { ...baseRoundConfig(context), rows, popularity } };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      const { task, config, sum, contributions } = input;
      if (contributions < 1) throw new RangeError('contributions must be ≥ 1 to aggregate');
      const als = task.als;
      const { rows, popularity } = config;
      if (als === undefined || rows === undefined || popularity === undefined) throw new RangeError(`round ${input.roundId}: an als round needs als settings, rows and popularity`);
      const { nItems, dim } = alsShapeFromSpecs(task.model.tensors);
      const floats = new Float64Array(sum.length);
      for (let i = 0; i < sum.length; i++) floats[i] = sum[i]! * config.granularity;
      const solved = solveAlsItems({ sum: floats, dim, rows: rows.length, lambda: als.lambda + options.extraRidge });
      const weights = new Float32Array(nItems * dim + nItems);
      rows.forEach((item, r) => weights.set(solved.subarray(r * dim, r * dim + dim), item * dim));
      weights.set(popularity, nItems * dim);
      return { weights, release: null, privacy: null };
    },
  };
}
