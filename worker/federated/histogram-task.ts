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
