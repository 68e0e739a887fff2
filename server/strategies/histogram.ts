/**
 * A DP histogram: each device sends a vector over the task's labels (L2 ≤ clipNorm, e.g. one-hot
 * on its top category); the release is the noisy sum decoded to floats, with its error bar (the
 * standard deviation of all the noise in it: n devices' local plus the central, known exactly).
 * The "model" the round produces is that noisy histogram itself.
 */
import { projectOntoSimplex } from '../../core/dp/postprocess.js';
import { releasedNoiseStddev } from '../privacy/round-privacy.js';
import { baseRoundConfig } from './client-config.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, HistogramRelease, RoundPlan, Strategy } from './strategy.js';

/**
 * A release as a chart should show it: the noised counts projected onto the non-negative counts
 * that add up to the number of contributions (core/dp/postprocess.ts). That total is right because
 * a histogram device sends a one-hot vector or nothing (worker/federated/histogram-task.ts), so
 * the true counts add up to n exactly; and it is free under DP because both inputs are already
 * published (the noised values and n, which /v1/stats shows per round). A hostile device may send
 * any vector within the clip bound instead; the projection still returns counts of n, only the
 * truth it approximates is then off by that device's vector. The stored release stays the raw one.
 * @example projectedCounts({ values: [40, 31.5, -2], contributions: 70 }); // [39.25, 30.75, 0]
 */
export function projectedCounts(release: Pick<HistogramRelease, 'values' | 'contributions'>): number[] {
  return projectOntoSimplex(release.values, release.contributions);
}

export function createHistogram(): Strategy {
  return {
    configure(context: ConfigureContext): RoundPlan {
      return { kind: 'open', config: baseRoundConfig(context) };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      const { sum, contributions, task, config } = input;
      const values = Array.from(sum, (v) => v * config.granularity);
      // Unlabelled (e.g. one bin per catalogue row): the counts are a model, not a dashboard figure.
      const labels = task.labels;
      if (labels === undefined) return { weights: Float32Array.from(values), release: null, privacy: null };
      if (labels.length !== sum.length) throw new RangeError(`histogram ${task.task} has ${labels.length} labels; sum has ${sum.length} values`);
      const stddev = releasedNoiseStddev(config, contributions);
      return {
        weights: Float32Array.from(values),
        release: { kind: 'histogram', labels, values, stddev, contributions },
        privacy: null,
      };
    },
  };
}
