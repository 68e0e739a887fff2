/**
 * Centralised training of the SAME MF model with the SAME step (trainLocal), for a fair baseline:
 * one server holding every user's interactions runs sequential per-user SGD over shuffled users,
 * each user keeping their own embedding, the item side shared. The only differences from the
 * federated run are the ones that matter: no averaging of deltas, no clipping, no noise.
 */
import type { Interaction } from './feedback.js';
import { createMfModel, disposeMfModel, getGlobalParameters, getUserEmbedding, setUserEmbedding, trainLocal, type UniformRandom } from './mf.js';
import type { MfShape } from './mf-layout.js';

export interface TrainCentralOptions extends MfShape {
  /** users[k] = user k's positives. */
  readonly users: readonly (readonly Interaction[])[];
  readonly epochs: number;
  readonly learningRate: number;
  /** Pairs per step. Default 32. */
  readonly batchSize?: number;
  readonly negatives?: number;
  readonly l2?: number;
  /** Start from these global parameters (e.g. the aggregator's version 1) for a like-for-like start. */
  readonly initialGlobalParameters?: Float32Array;
  readonly random?: UniformRandom;
  /** Called after every epoch (progress, evaluation). */
  readonly onEpoch?: (epoch: number, meanLoss: number) => void;
}

export interface CentralModel {
  readonly globalParameters: Float32Array;
  /** userEmbeddings[k] for users[k]. */
  readonly userEmbeddings: readonly Float32Array[];
}

/** @example const { globalParameters, userEmbeddings } = await trainCentral({ nItems, dim: 16, users, epochs: 10, learningRate: 0.05 }); */
export async function trainCentral(options: TrainCentralOptions): Promise<CentralModel> {
  const random = options.random ?? Math.random;
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new RangeError(`epochs must be an integer ≥ 1; got ${options.epochs}`);
  const batchSize = options.batchSize ?? 32;
  const model = createMfModel({
    nItems: options.nItems,
    dim: options.dim,
    random,
    ...(options.initialGlobalParameters ? { globalParameters: options.initialGlobalParameters } : {}),
  });
  try {
    const userEmbeddings = options.users.map(() => gaussianVector(options.dim, 0.1, random));
    const order = options.users.map((_, k) => k);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      shuffle(order, random);
      let lossSum = 0;
      let lossCount = 0;
      for (const k of order) {
        const positives = options.users[k]!;
        if (positives.length === 0) continue;
        setUserEmbedding(model, userEmbeddings[k]!);
        // One pass over the user's positives per epoch, in batches.
        const steps = Math.max(1, Math.ceil(positives.length / batchSize));
        const result = await trainLocal(model, positives, {
          steps,
          learningRate: options.learningRate,
          batchSize,
          random,
          ...(options.negatives !== undefined ? { negatives: options.negatives } : {}),
          ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
        });
        if (result.steps > 0) {
          lossSum += result.lastLoss;
          lossCount++;
        }
        userEmbeddings[k] = await getUserEmbedding(model);
      }
      options.onEpoch?.(epoch, lossCount === 0 ? Number.NaN : lossSum / lossCount);
    }
    return { globalParameters: await getGlobalParameters(model), userEmbeddings };
  } finally {
    disposeMfModel(model);
  }
}

/** Box–Muller N(0, scale²) initial user vector (not privacy noise). */
function gaussianVector(dim: number, scale: number, random: UniformRandom): Float32Array {
  const out = new Float32Array(dim);
  for (let d = 0; d < dim; d++) out[d] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

function shuffle(values: number[], random: UniformRandom): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
}
