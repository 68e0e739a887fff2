/**
 * The federated MF model as recommend()'s second opinion (worker/recommend.ts `ExtraScorer`):
 * s(i) = v_i · u + b_i with the newest cached global model and this visitor's own embedding,
 * squashed to (0, 1) by a logistic of the z-score over the catalogue so it blends with the
 * interest score on a comparable scale. A visitor without an embedding yet gets u = 0, i.e. the
 * learned item bias: a popularity the federation learned, not noise.
 *
 * When a newer global model has landed than the one the embedding was fitted to, the embedding is
 * reconstructed first (FedRecon: a few user-only steps against the new items), if interactions are
 * given. Pure arithmetic otherwise: no tensors unless reconstructing.
 *
 * When the site owner's latest offline evaluation (stored by the client from GET /v1/tasks) says
 * the model is no better than popularity, the scorer has no opinion at all (NaN everywhere), so
 * recommend() neither blends it in nor gives its reason. No evaluation posted: the model is used.
 * The verdict covers the version it measured (and older): a newer version, not yet evaluated, is
 * used, which also lets the site owner's evaluation (sim/federation.ts scores through this scorer)
 * measure the next version instead of reading back its own "no opinion".
 */
import { decodeModel, modelIsNoBetterThanBaseline, type ModelBlob } from '../../core/protocol/aggregator.js';
import type { Interaction } from '../models/feedback.js';
import { mfShapeFromSpecs, type MfShape } from '../models/mf-layout.js';
import { scoreAll } from '../models/mf-score.js';
import type { ExtraScorer } from '../recommend.js';
import { openTfjsDirectly, type TfjsGate } from '../training/tfjs-gate.js';
import { loadTaskQuality, type FederatedDb } from './db.js';
import { loadUserEmbedding, saveUserEmbedding } from './user-embedding.js';

export const MF_REASON = 'because visitors with similar taste liked it';
/** Blend weight against the interest score (which is ≤ 1): the model can lead once it is confident. */
export const MF_DEFAULT_WEIGHT = 0.6;

export interface MfScorerOptions {
  readonly db: FederatedDb;
  /** The model's item list in row order (the public catalogue list shared with the aggregator). */
  readonly catalogueIds: readonly string[];
  readonly modelName?: string;
  /** The task whose quality verdict gates the model. Default 'mf-items'. */
  readonly task?: string;
  readonly weight?: number;
  /**
   * For reconstruction against a newer model inside score(); without it a stale embedding is used
   * as is. In the browser leave it out and call `refreshUserEmbedding` from the trainer pass: the
   * engine calls score() inside its own serialised queue, so an `interactions` that reads the
   * engine (itemRecords) would wait on recommend() forever.
   */
  readonly interactions?: () => Promise<readonly Interaction[]>;
  readonly reconstructionSteps?: number;
  readonly learningRate?: number;
  /** How the tfjs model is loaded for a reconstruction (worker/training/tfjs-gate.ts). */
  readonly tfjs?: TfjsGate;
}

/** The newest cached version of a model, or undefined before the first download. */
export async function newestModel(db: FederatedDb, name: string) {
  const stored = await db.getAllFromIndex('models', 'name', name);
  const newest = stored.reduce<(typeof stored)[number] | undefined>((best, m) => (best === undefined || m.version > best.version ? m : best), undefined);
  return newest === undefined ? undefined : decodeModel(newest.bytes);
}

export interface GatedScorerOptions {
  readonly db: FederatedDb;
  readonly catalogueIds: readonly string[];
  readonly modelName: string;
  /** The task whose quality verdict gates the model. */
  readonly task: string;
  readonly weight: number;
  /** Raw scores of every catalogue row from the newest model (NaN: no opinion), or null for no opinion at all. */
  readonly scores: (blob: ModelBlob) => Promise<Float32Array | null>;
}

/**
 * The template of every federated model's scorer: the newest cached model, unless the site owner's
 * verdict says it is no better than popularity (a verdict covers the version it measured and older
 * ones; a newer version is not judged yet), its scores squashed and mapped onto the asked items.
 */
export function createGatedScorer(options: GatedScorerOptions): ExtraScorer {
  if (!Number.isFinite(options.weight) || options.weight < 0) throw new RangeError(`weight must be a finite number ≥ 0; got ${options.weight}`);
  const rowOf = new Map<string, number>();
  options.catalogueIds.forEach((id, row) => rowOf.set(id, row));
  return {
    reason: MF_REASON,
    weight: options.weight,
    async score({ itemIds }) {
      const out = new Float32Array(itemIds.length).fill(Number.NaN);
      const blob = await newestModel(options.db, options.modelName);
      if (blob === undefined) return out;
      const verdict = await loadTaskQuality(options.db, options.task);
      if (verdict !== undefined && verdict.version >= blob.header.version && modelIsNoBetterThanBaseline(verdict)) return out;
      const raw = await options.scores(blob);
      if (raw === null) return out;
      const squashed = squash(raw);
      itemIds.forEach((id, j) => {
        const row = rowOf.get(id);
        if (row !== undefined) out[j] = squashed[row]!;
      });
      return out;
    },
  };
}

/** @example new Engine({ site, extraScorer: createMfScorer({ db, catalogueIds }) }) */
export function createMfScorer(options: MfScorerOptions): ExtraScorer {
  const modelName = options.modelName ?? 'mf-items';
  return createGatedScorer({
    db: options.db,
    catalogueIds: options.catalogueIds,
    modelName,
    task: options.task ?? 'mf-items',
    weight: options.weight ?? MF_DEFAULT_WEIGHT,
    async scores(blob) {
      const shape = mfShapeFromSpecs(blob.header.tensors);
      if (shape.nItems !== options.catalogueIds.length) return null; // a different catalogue: no opinion
      const user = await currentUserEmbedding(options.db, options, modelName, shape, blob.header.version, blob.data);
      return scoreAll(user, blob.data, shape);
    },
  });
}

interface ReconstructionOptions {
  readonly interactions?: () => Promise<readonly Interaction[]>;
  /** How the tfjs model is loaded for a reconstruction (worker/training/tfjs-gate.ts). */
  readonly tfjs?: TfjsGate;
  readonly reconstructionSteps?: number;
  readonly learningRate?: number;
}

/**
 * Brings the stored user embedding up to the newest cached model (a few user-only steps, FedRecon)
 * when it was fitted to an older one. For the Worker's trainer pass (see MfScorerOptions.interactions).
 * @example await refreshUserEmbedding(db, { interactions });
 */
export async function refreshUserEmbedding(db: FederatedDb, options: ReconstructionOptions & { readonly modelName?: string }): Promise<void> {
  const modelName = options.modelName ?? 'mf-items';
  const blob = await newestModel(db, modelName);
  if (blob === undefined) return;
  await currentUserEmbedding(db, options, modelName, mfShapeFromSpecs(blob.header.tensors), blob.header.version, blob.data);
}

async function currentUserEmbedding(db: FederatedDb, options: ReconstructionOptions, modelName: string, shape: MfShape, version: number, global: Float32Array): Promise<Float32Array> {
  const stored = await loadUserEmbedding(db, modelName, shape.dim);
  if (stored !== undefined && (stored.modelVersion === version || options.interactions === undefined)) return stored.values;
  const interactions = options.interactions ? await options.interactions() : [];
  if (interactions.length === 0) return stored?.values ?? new Float32Array(shape.dim);
  const { createMfModel, disposeMfModel, getUserEmbedding, trainLocal } = await (options.tfjs ?? openTfjsDirectly)(() => import('../models/mf.js'));
  const model = createMfModel({ ...shape, globalParameters: global, ...(stored ? { userEmbedding: stored.values } : {}) });
  try {
    await trainLocal(model, interactions, { steps: 0, reconstructionSteps: options.reconstructionSteps ?? 20, learningRate: options.learningRate ?? 0.1 });
    const values = await getUserEmbedding(model);
    await saveUserEmbedding(db, { modelName, modelVersion: version, values });
    return values;
  } finally {
    disposeMfModel(model);
  }
}

/** Logistic of the z-score: order-preserving, in (0, 1), scale-free across model versions. */
export function squash(scores: Float32Array): Float32Array {
  // NaN ("no opinion" on that item) stays NaN and does not count in the mean or the spread.
  let mean = 0;
  let n = 0;
  for (const s of scores) if (!Number.isNaN(s)) (mean += s), n++;
  mean /= n || 1;
  let variance = 0;
  for (const s of scores) if (!Number.isNaN(s)) variance += (s - mean) ** 2;
  const std = Math.sqrt(variance / (n || 1)) || 1;
  return scores.map((s) => 1 / (1 + Math.exp(-(s - mean) / std)));
}
