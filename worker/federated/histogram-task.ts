/**
 * Histogram tasks (e.g. 'category-histogram'): the device says which ONE label describes it best
 * (its top interest category) as a one-hot vector over the task's labels, L2 norm 1 ≤ clipNorm.
 * The client privatizes it like any update (quantised, discrete Gaussian noise in every bin), so
 * the server sees a noisy vector over all labels, never the label itself.
 */
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

export interface HistogramTaskOptions {
  /** The visitor's top category, or null when there is none yet. */
  readonly topLabel: () => Promise<string | null>;
}

/** @example handlers.set('category-histogram', createHistogramTaskHandler({ topLabel: async () => 'Drama' })); */
export function createHistogramTaskHandler(options: HistogramTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, _model: ModelBlob): Promise<LocalOutcome> {
      const labels = task.labels;
      if (labels === undefined || labels.length !== task.vectorLength) {
        throw new RangeError(`histogram task ${task.task} must list one label per value (${task.vectorLength}); got ${labels?.length ?? 0}`);
      }
      const top = await options.topLabel();
      const index = top === null ? -1 : labels.indexOf(top);
      if (index < 0) return { kind: 'no-data' };
      const update = new Float32Array(task.vectorLength);
      update[index] = 1;
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}

/** The long-term interest with the largest share; its top-level category (before any '/'). */
export function topInterest(profile: { readonly interests: readonly { readonly category: string; readonly longTerm: number }[] }): string | null {
  let best: { category: string; longTerm: number } | null = null;
  for (const interest of profile.interests) if (interest.longTerm > 0 && (best === null || interest.longTerm > best.longTerm)) best = interest;
  return best === null ? null : (best.category.split('/')[0] ?? null);
}

export interface ItemHistogramTaskOptions {
  /** The visitor's positives as catalogue rows (item-feedback.ts). */
  readonly interactions: () => Promise<readonly { readonly item: number }[]>;
}

/**
 * Item count histograms (e.g. 'item-popularity', one bin per catalogue row): the device says which
 * items it has, a 0/1 vector scaled to L2 = 1 (1/√k on each of its k items), so one visitor moves
 * the sum by at most the clip bound whatever its history (sim/experiments/als.ts's histogram).
 * @example handlers.set('item-popularity', createItemHistogramTaskHandler({ interactions }));
 */
export function createItemHistogramTaskHandler(options: ItemHistogramTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, _model: ModelBlob): Promise<LocalOutcome> {
      const items = new Set<number>();
      for (const { item } of await options.interactions()) if (Number.isInteger(item) && item >= 0 && item < task.vectorLength) items.add(item);
      if (items.size === 0) return { kind: 'no-data' };
      const update = new Float32Array(task.vectorLength);
      const share = 1 / Math.sqrt(items.size);
      for (const item of items) update[item] = share;
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}
