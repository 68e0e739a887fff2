/**
 * The 'propensity' task on the device: FedAvg of the engine's purchase-propensity logistic model.
 * Each round trains from the GLOBAL weights on this visitor's recent labelled examples (features of
 * the profile before a batch of activity, label = that batch held an order) and sends the dense
 * delta of the whole weight vector.
 *
 * Layout: the engine's (worker/features/propensity.ts), PROPENSITY_FEATURE_COUNT floats with the
 * bias at index 0. The model blob may carry it as one tensor of that length, or as
 * [weights (count − 1), bias (1)]; both are read here, anything else is refused by name.
 */
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import { PROPENSITY_FEATURE_COUNT } from '../features/propensity.js';
import type { LabelledExample } from '../models/logistic.js';
import { openTfjsDirectly, type TfjsGate } from '../training/tfjs-gate.js';
import { computeUpdate } from '../models/update.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

export interface PropensityTaskOptions {
  /** Recent labelled examples kept by the engine (features before a batch, label = it held an order). */
  readonly examples: () => Promise<readonly LabelledExample[]>;
  /** How the tfjs model is loaded (worker/training/tfjs-gate.ts). */
  readonly tfjs?: TfjsGate;
}

/** Converts between a blob's flat data and the engine's layout (bias first). */
export interface PropensityLayout {
  toEngine(blobData: Float32Array): Float32Array;
  toBlob(engineWeights: Float32Array): Float32Array;
}

export function propensityLayout(blob: ModelBlob): PropensityLayout {
  const tensors = blob.header.tensors;
  const size = (i: number): number => tensors[i]?.shape.reduce((a, b) => a * b, 1) ?? 0;
  if (tensors.length === 1 && size(0) === PROPENSITY_FEATURE_COUNT) {
    return { toEngine: (d) => Float32Array.from(d), toBlob: (w) => Float32Array.from(w) };
  }
  if (tensors.length === 2 && tensors[1]?.name === 'bias' && size(1) === 1 && size(0) === PROPENSITY_FEATURE_COUNT - 1) {
    // Blob: [w1 … w(n−1), bias]; engine: [bias, w1 … w(n−1)].
    return {
      toEngine: (d) => Float32Array.from([d[d.length - 1]!, ...d.subarray(0, d.length - 1)]),
      toBlob: (w) => Float32Array.from([...w.subarray(1), w[0]!]),
    };
  }
  throw new RangeError(
    `propensity model ${blob.header.name}@${blob.header.version} must hold ${PROPENSITY_FEATURE_COUNT} floats (one tensor, or weights [${PROPENSITY_FEATURE_COUNT - 1}] + bias [1]); got ${tensors.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ')}`,
  );
}

/** @example handlers.set('propensity', createPropensityTaskHandler({ examples: () => engine.propensityExamples() })); */
export function createPropensityTaskHandler(options: PropensityTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, blob: ModelBlob): Promise<LocalOutcome> {
      const layout = propensityLayout(blob);
      const examples = await options.examples();
      if (examples.length === 0) return { kind: 'no-data' };
      const global = layout.toEngine(blob.data);
      const { trainLogistic } = await (options.tfjs ?? openTfjsDirectly)(() => import('../models/logistic.js'));
      const { weights } = await trainLogistic(global, examples, { steps: task.localSteps, learningRate: task.learningRate });
      const update = computeUpdate(blob.data, layout.toBlob(weights));
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}
