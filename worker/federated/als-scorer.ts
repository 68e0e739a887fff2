/**
 * The federated ALS model as recommend()'s second opinion (worker/recommend.ts `ExtraScorer`), from
 * the model blob alone: the visitor's user vector u is solved in closed form against the newest
 * cached item factors (worker/models/als.ts; exact, a few ms, never sent anywhere), and every
 * catalogue item scores s(i) = u·v_i + w·log(1 + count_i) (core/models/als.ts ALS_POPULARITY_WEIGHT;
 * items outside the model's rows have no factors, and the model has no opinion on them (NaN): the
 * engine's own interest scores rank them; measured, letting their popularity prior alone compete
 * with the modelled rows cost HR@10 (sim/README.md)), squashed like the
 * MF scorer's (logistic of the z-score: order kept, in (0, 1)).
 *
 * No opinion (NaN everywhere): before any ALS model is cached, for a model with no popularity yet
 * (version 1, the untrained initialisation), for another catalogue, and when the site owner's
 * quality verdict says the model is no better than popularity (the same gate as mf-scorer.ts).
 * Without `interactions` (the browser: recommend() runs in the engine's queue) the user vector the
 * trainer pass stored (refreshAlsUserVector) is used.
 */
import { ALS_POPULARITY_WEIGHT, alsShapeFromSpecs, type AlsShape } from '../../core/models/als.js';
import type { ModelBlob } from '../../core/protocol/aggregator.js';
import { solveUserVector } from '../models/als.js';
import type { Interaction } from '../models/feedback.js';
import type { ExtraScorer } from '../recommend.js';
import type { FederatedDb } from './db.js';
import { createGatedScorer, MF_DEFAULT_WEIGHT, newestModel } from './mf-scorer.js';
import { loadUserEmbedding, saveUserEmbedding } from './user-embedding.js';

export const ALS_MODEL = 'als-items';

export interface AlsScorerOptions {
  readonly db: FederatedDb;
  /** The model's item list in row order (the public catalogue list shared with the aggregator). */
  readonly catalogueIds: readonly string[];
  /** Default 'als-items'. */
  readonly modelName?: string;
  /** The task whose quality verdict gates the model. Default 'als-items'. */
  readonly task?: string;
  readonly weight?: number;
  /** The visitor's positives (catalogue rows); without them the stored user vector is used. */
  readonly interactions?: () => Promise<readonly Interaction[]>;
}

/** s(i) = u·v_i + w·log(1 + max(0, count_i)) for every modelled item; NaN for items without factors (outside the rows). */
export function alsScores(user: Float32Array, blob: ModelBlob, shape: AlsShape): Float32Array {
  const { nItems, dim } = shape;
  const out = new Float32Array(nItems);
  const popularity = blob.data.subarray(nItems * dim, nItems * dim + nItems);
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    let modelled = false;
    for (let x = 0; x < dim; x++) {
      const v = blob.data[i * dim + x]!;
      if (v !== 0) modelled = true;
      s += user[x]! * v;
    }
    out[i] = modelled ? s + ALS_POPULARITY_WEIGHT * Math.log1p(Math.max(0, popularity[i]!)) : Number.NaN;
  }
  return out;
}

/** A model whose popularity is all zero has not been released by an ALS round yet (version 1). */
function isTrained(blob: ModelBlob, shape: AlsShape): boolean {
  const popularity = blob.data.subarray(shape.nItems * shape.dim, shape.nItems * shape.dim + shape.nItems);
  return popularity.some((c) => c > 0);
}

/** @example new Engine({ site, extraScorer: createAlsScorer({ db, catalogueIds, interactions }) }) */
export function createAlsScorer(options: AlsScorerOptions): ExtraScorer {
  const modelName = options.modelName ?? ALS_MODEL;
  return createGatedScorer({
    db: options.db,
    catalogueIds: options.catalogueIds,
    modelName,
    task: options.task ?? ALS_MODEL,
    weight: options.weight ?? MF_DEFAULT_WEIGHT,
    async scores(blob) {
      const shape = alsShapeFromSpecs(blob.header.tensors);
      if (shape.nItems !== options.catalogueIds.length || !isTrained(blob, shape)) return null;
      const user = options.interactions
        ? await solveAndStore(options.db, modelName, blob, shape, await options.interactions())
        : ((await loadUserEmbedding(options.db, modelName, shape.dim))?.values ?? new Float32Array(shape.dim));
      return alsScores(user, blob, shape);
    },
  });
}

async function solveAndStore(db: FederatedDb, modelName: string, blob: ModelBlob, shape: AlsShape, interactions: readonly Interaction[]): Promise<Float32Array> {
  const user = solveUserVector(blob.data.subarray(0, shape.nItems * shape.dim), shape.dim, interactions);
  await saveUserEmbedding(db, { modelName, modelVersion: blob.header.version, values: user });
  return user;
}

/**
 * Solves and stores the user vector against the newest cached ALS model (the Worker's trainer pass,
 * outside recommend()'s queue). Nothing to do before a model is cached.
 * @example await refreshAlsUserVector(db, await interactions());
 */
export async function refreshAlsUserVector(db: FederatedDb, interactions: readonly Interaction[], modelName = ALS_MODEL): Promise<void> {
  const blob = await newestModel(db, modelName);
  if (blob === undefined) return;
  let shape: AlsShape;
  try {
    shape = alsShapeFromSpecs(blob.header.tensors);
  } catch {
    return;
  }
  await solveAndStore(db, modelName, blob, shape, interactions);
}
