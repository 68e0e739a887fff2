/**
 * The 'mf-items' task on the device: reconstruct the user embedding against the downloaded item
 * embeddings, train items, biases and user for the task's local steps, and hand the client the
 * dense delta of the whole global vector. The user embedding stays in IndexedDB.
 */
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { Interaction } from '../models/feedback.js';
import type { UniformRandom } from '../models/mf.js';
import { openTfjsDirectly, type TfjsGate } from '../training/tfjs-gate.js';
import { mfShapeFromSpecs } from '../models/mf-layout.js';
import { computeUpdate } from '../models/update.js';
import type { FederatedDb } from './db.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';
import { loadUserEmbedding, saveUserEmbedding } from './user-embedding.js';

export interface MfTaskOptions {
  readonly db: FederatedDb;
  /** The visitor's positives as catalogue rows of this model (see item-feedback.ts). */
  readonly interactions: () => Promise<readonly Interaction[]>;
  /** User-only steps before the joint ones (FedRecon). Default 20. */
  readonly reconstructionSteps?: number;
  readonly batchSize?: number;
  readonly negatives?: number;
  readonly l2?: number;
  /** Negative sampling and initialisation (not privacy noise). Default Math.random. */
  readonly random?: UniformRandom;
  /** How the tfjs model is loaded (worker/training/tfjs-gate.ts). */
  readonly tfjs?: TfjsGate;
}

export const DEFAULT_RECONSTRUCTION_STEPS = 20;

/** @example handlers.set('mf-items', createMfTaskHandler({ db, interactions: () => engine.mfInteractions() })); */
export function createMfTaskHandler(options: MfTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, blob: ModelBlob): Promise<LocalOutcome> {
      const shape = mfShapeFromSpecs(blob.header.tensors);
      const interactions = await options.interactions();
      if (interactions.length === 0) return { kind: 'no-data' };
      const stored = await loadUserEmbedding(options.db, task.model.name, shape.dim);
      const { createMfModel, disposeMfModel, getGlobalParameters, getUserEmbedding, trainLocal } = await (options.tfjs ?? openTfjsDirectly)(() => import('../models/mf.js'));
      const model = createMfModel({
        ...shape,
        globalParameters: blob.data,
        ...(stored ? { userEmbedding: stored.values } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      let update: Float32Array;
      let user: Float32Array;
      try {
        await trainLocal(model, interactions, {
          steps: task.localSteps,
          learningRate: task.learningRate,
          reconstructionSteps: options.reconstructionSteps ?? DEFAULT_RECONSTRUCTION_STEPS,
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
          ...(options.negatives !== undefined ? { negatives: options.negatives } : {}),
          ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
          ...(options.random ? { random: options.random } : {}),
        });
        update = computeUpdate(blob.data, await getGlobalParameters(model));
        user = await getUserEmbedding(model);
      } finally {
        disposeMfModel(model);
      }
      return {
        kind: 'update',
        update,
        commit: () => saveUserEmbedding(options.db, { modelName: task.model.name, modelVersion: task.model.version, values: user }),
      };
    },
  };
}

