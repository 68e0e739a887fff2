/**
 * The centralized baseline: the SAME model code the devices run (worker/models/mf.ts: weighted
 * BPR, one user embedding, global item embeddings and biases), trained on every user's training
 * interactions pooled on one machine — what a site would get by collecting everything. One epoch
 * visits every user once in a seeded order and runs `trainLocal` on their positives with the
 * shared item parameters, i.e. plain SGD over the pooled data.
 */
import { createMfModel, disposeMfModel, getGlobalParameters, getUserEmbedding, setUserEmbedding, trainLocal } from '../../worker/models/mf.js';
import type { MfShape } from '../../worker/models/mf-layout.js';
import type { Interaction } from '../../worker/models/feedback.js';
import { scoreAll } from '../../worker/models/mf-score.js';
import type { Scorer } from '../metrics.js';
import { shuffled, type SeededRandom } from '../random.js';

export interface CentralMfOptions {
  readonly epochs: number;
  readonly learningRate: number;
  /** Pairs per step (trainLocal's batchSize). */
  readonly batchSize: number;
  /** Steps per user per epoch: ⌈positives / batchSize⌉, capped here so heavy users do not dominate. */
  readonly maxStepsPerUser: number;
  readonly l2?: number;
  /** Negatives sampled per positive (trainLocal's negatives). Default 1. */
  readonly negatives?: number;
  readonly random: SeededRandom;
  /** Called after each epoch (progress). */
  readonly onEpoch?: (epoch: number) => void;
}

export interface CentralMf {
  readonly shape: MfShape;
  /** Global parameters in mf-layout order. */
  readonly global: Float32Array;
  /** One embedding per user, in the order of the interactions given. */
  readonly users: readonly Float32Array[];
}

export async function trainCentralMf(shape: MfShape, interactions: readonly (readonly Interaction[])[], options: CentralMfOptions): Promise<CentralMf> {
  const model = createMfModel({ ...shape, random: options.random });
  try {
    const users: Float32Array[] = interactions.map(() => Float32Array.from({ length: shape.dim }, () => (options.random() - 0.5) * 0.2));
    const order = interactions.map((_, i) => i);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (const u of shuffled(order, options.random)) {
        const positives = interactions[u] ?? [];
        if (positives.length === 0) continue;
        setUserEmbedding(model, users[u] ?? new Float32Array(shape.dim));
        await trainLocal(model, positives, {
          steps: Math.min(options.maxStepsPerUser, Math.ceil(positives.length / options.batchSize)),
          learningRate: options.learningRate,
          batchSize: options.batchSize,
          ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
          ...(options.negatives !== undefined ? { negatives: options.negatives } : {}),
          random: options.random,
        });
        users[u] = await getUserEmbedding(model);
      }
      options.onEpoch?.(epoch + 1);
    }
    return { shape, global: await getGlobalParameters(model), users };
  } finally {
    disposeMfModel(model);
  }
}

/** Scores with each user's own embedding: users are indexed like the data set's users. */
export function centralMfScorer(mf: CentralMf): Scorer {
  return (_user, userIndex) => scoreAll(mf.users[userIndex] ?? new Float32Array(mf.shape.dim), mf.global, mf.shape);
}
