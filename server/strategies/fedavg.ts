/**
 * FedAvg with a server learning rate (McMahan et al. 2017; Reddi et al. 2021 for η ≠ 1).
 * Devices send Δw = w_local − w_global, clipped, quantised to the grid and noised. The server
 * decodes the grid sum to floats, averages over the contributions and moves the global weights:
 * w ← w + η · (Σ Δw_grid · g) / n.
 */
import { baseRoundConfig } from './client-config.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, RoundPlan, Strategy } from './strategy.js';

export function createFedAvg(): Strategy {
  return {
    configure(context: ConfigureContext): RoundPlan {
      return { kind: 'open', config: baseRoundConfig(context) };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      const { weights, sum, contributions, task, config } = input;
      if (contributions < 1) throw new RangeError('contributions must be ≥ 1 to aggregate');
      if (sum.length !== weights.length) throw new RangeError(`sum has ${sum.length} values; weights have ${weights.length}`);
      const scale = (task.serverLearningRate * config.granularity) / contributions;
      const next = new Float32Array(weights.length);
      for (let i = 0; i < weights.length; i++) next[i] = weights[i]! + scale * sum[i]!;
      return { weights: next, release: null, privacy: null };
    },
  };
}
