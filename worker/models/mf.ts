/**
 * Federated matrix factorisation (Federated Reconstruction, Singhal et al. 2021): global item
 * embeddings and biases are downloaded from the aggregator; the visitor's user embedding lives only
 * on the device. A round reconstructs the user embedding with the items frozen, then trains items
 * and user together for the task's local steps; the update sent is the dense delta of the whole
 * global vector (see mf-layout.ts).
 *
 * Loss: weighted BPR (Rendle et al. 2009) with uniformly sampled negatives,
 *   L = −Σ_j w_j log σ(s(pos_j) − s(neg_j)) / Σ_j w_j + λ(Σ_touched ‖v_i‖² + ‖u‖²),
 *   s(i) = v_i · u + b_i.
 *
 * Why the gradient is written out (tf.customGrad) instead of left to autodiff:
 * - tfjs-core's gradient registry ships only as extension-less ES modules that Node cannot load,
 *   and the simulator runs this same code in Node;
 * - the autodiff gradient of a row lookup (gather) needs UnsortedSegmentSum, which the WASM backend
 *   lacks. Selecting rows with a one-hot pair matrix keeps every op (matMul, elementwise) available
 *   on cpu, wasm, webgl and webgpu. mf.test.ts checks the gradient against finite differences.
 * The optimiser is still tfjs's: `optimizer.minimize` applies these gradients.
 *
 * The model never touches IndexedDB or the network; it is driven by the federated client, the
 * simulator and the central trainer alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Interaction } from './feedback.js';
import { checkMfShape, mfParameterLength, splitMfParameters, type MfShape } from './mf-layout.js';

export interface MfModel extends MfShape {
  /** [nItems, dim], global. */
  readonly itemEmbeddings: tf.Variable<tf.Rank.R2>;
  /** [nItems, 1], global. */
  readonly itemBias: tf.Variable<tf.Rank.R2>;
  /** [dim, 1], private to the device. */
  readonly userEmbedding: tf.Variable<tf.Rank.R2>;
}

/** A source of uniform numbers in [0, 1). Sampling negatives is not privacy noise, so it may be seeded. */
export type UniformRandom = () => number;

export interface CreateMfModelOptions extends MfShape {
  /** Global parameters (mf-layout order). Default: N(0, initScale²) embeddings, zero biases. */
  readonly globalParameters?: Float32Array;
  /** The device's user embedding (dim floats). Default: N(0, initScale²). */
  readonly userEmbedding?: Float32Array;
  /** Stddev of the random initialisation. Default 0.1. */
  readonly initScale?: number;
  readonly random?: UniformRandom;
}

/** @example const model = createMfModel({ nItems: 3496, dim: 16, globalParameters: blob.data }); */
export function createMfModel(options: CreateMfModelOptions): MfModel {
  const shape = checkMfShape({ nItems: options.nItems, dim: options.dim });
  const random = options.random ?? Math.random;
  const scale = options.initScale ?? 0.1;
  const global = options.globalParameters ?? initialGlobalParameters(shape, scale, random);
  const { itemEmbeddings, itemBias } = splitMfParameters(shape, global);
  const user = options.userEmbedding ?? gaussianArray(shape.dim, scale, random);
  if (user.length !== shape.dim) throw new RangeError(`userEmbedding must have dim = ${shape.dim} floats; got ${user.length}`);
  // Variables outlive tidy; the temporary tensors they were made from do not.
  return tf.tidy(() => ({
    ...shape,
    itemEmbeddings: tf.variable(tf.tensor2d(itemEmbeddings, [shape.nItems, shape.dim]), true),
    itemBias: tf.variable(tf.tensor2d(itemBias, [shape.nItems, 1]), true),
    userEmbedding: tf.variable(tf.tensor2d(user, [shape.dim, 1]), true),
  }));
}

export function disposeMfModel(model: MfModel): void {
  model.itemEmbeddings.dispose();
  model.itemBias.dispose();
  model.userEmbedding.dispose();
}

/** Random initial global parameters (what the aggregator publishes as version 1). */
export function initialGlobalParameters(shape: MfShape, scale = 0.1, random: UniformRandom = Math.random): Float32Array {
  const flat = new Float32Array(mfParameterLength(shape));
  const { itemEmbeddings } = splitMfParameters(shape, flat);
  itemEmbeddings.set(gaussianArray(itemEmbeddings.length, scale, random));
  return flat;
}

/**
 * The global parameters as one flat vector (a copy), in mf-layout order. Asynchronous on purpose:
 * tfjs-webgpu's synchronous read-back (dataSync) returned wrong values and crashed the page in
 * Chromium's software WebGPU (test/e2e/backends.e2e.test.ts found it); `data()` is correct everywhere.
 */
export async function getGlobalParameters(model: MfModel): Promise<Float32Array> {
  const flat = new Float32Array(mfParameterLength(model));
  const split = model.nItems * model.dim;
  flat.set(await model.itemEmbeddings.data(), 0);
  flat.set(await model.itemBias.data(), split);
  return flat;
}

export async function getUserEmbedding(model: MfModel): Promise<Float32Array> {
  return Float32Array.from(await model.userEmbedding.data());
}

export function setUserEmbedding(model: MfModel, user: Float32Array): void {
  if (user.length !== model.dim) throw new RangeError(`userEmbedding must have dim = ${model.dim} floats; got ${user.length}`);
  tf.tidy(() => model.userEmbedding.assign(tf.tensor2d(user, [model.dim, 1])));
}

export interface TrainLocalOptions {
  /** Joint steps on items, biases and user (the task's localSteps). */
  readonly steps: number;
  readonly learningRate: number;
  /** Steps on the user embedding alone, items frozen, before the joint steps. Default 0. */
  readonly reconstructionSteps?: number;
  /** Learning rate of the reconstruction steps. Default: learningRate. */
  readonly reconstructionLearningRate?: number;
  /** (positive, negative) pairs per step. Default 32. */
  readonly batchSize?: number;
  /** Negatives sampled per positive within a batch. Default 1. */
  readonly negatives?: number;
  /** λ of the L2 penalty on the touched item rows and the user embedding. Default 0.01. */
  readonly l2?: number;
  readonly random?: UniformRandom;
}

export interface TrainLocalResult {
  /** Mean weighted BPR loss (penalty included) of the first and last step; NaN when nothing was trained. */
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly steps: number;
}

/**
 * Trains the model in place on one visitor's interactions. Does nothing (0 steps) when the visitor
 * has no positives or every item is a positive (no negative to contrast with).
 * Losses are read back once, at the end, asynchronously (no per-step GPU sync; see getGlobalParameters).
 * @example const result = await trainLocal(model, interactions, { steps: 20, learningRate: 0.05 });
 */
export async function trainLocal(model: MfModel, interactions: readonly Interaction[], options: TrainLocalOptions): Promise<TrainLocalResult> {
  const settings = checkTrainOptions(options);
  const positives = checkInteractions(interactions, model.nItems);
  const none: TrainLocalResult = { firstLoss: Number.NaN, lastLoss: Number.NaN, steps: 0 };
  if (positives.length === 0 || positives.length >= model.nItems) return none;
  const positiveSet = new Set(positives.map((p) => p.item));

  // First and last loss tensors, read once at the end (an object, so closures can update it).
  const losses: { first: tf.Scalar | null; last: tf.Scalar | null } = { first: null, last: null };
  let steps = 0;
  const run = (count: number, learningRate: number, varList: tf.Variable[]): void => {
    if (count === 0) return;
    const optimizer = tf.train.sgd(learningRate);
    try {
      for (let step = 0; step < count; step++) {
        const batch = samplePairs(positives, positiveSet, model.nItems, settings);
        // The batch's constants must outlive minimize's forward scope (the gradient reads them).
        const pairs = pairDifferenceMatrix(batch, model.nItems);
        const weights = tf.tensor2d(batch.weights, [batch.weights.length, 1]);
        let loss: tf.Scalar | null;
        try {
          loss = optimizer.minimize(() => bprLoss(model, pairs, weights, settings.l2), true, varList);
        } finally {
          pairs.dispose();
          weights.dispose();
        }
        if (loss) {
          if (losses.first === null) losses.first = loss;
          else if (losses.last !== losses.first) losses.last?.dispose();
          losses.last = loss;
        }
        steps++;
      }
    } finally {
      optimizer.dispose();
    }
  };
  try {
    run(settings.reconstructionSteps, settings.reconstructionLearningRate, [model.userEmbedding]);
    run(settings.steps, settings.learningRate, [model.itemEmbeddings, model.itemBias, model.userEmbedding]);
    const first = losses.first === null ? Number.NaN : ((await losses.first.data())[0] ?? Number.NaN);
    const last = losses.last === null ? Number.NaN : ((await losses.last.data())[0] ?? Number.NaN);
    return { firstLoss: first, lastLoss: last, steps };
  } finally {
    losses.first?.dispose();
    if (losses.last !== losses.first) losses.last?.dispose();
  }
}

/**
 * The mean weighted BPR loss of the model on a batch, with its analytic gradient (see the file
 * comment). `pairMatrix` is [batch, nItems] with +1 at the positive and −1 at the negative of each
 * pair; `weights` is [batch, 1].
 */
export function bprLoss(model: MfModel, pairMatrix: tf.Tensor2D, weights: tf.Tensor2D, l2: number): tf.Scalar {
  // The inputs are the model's variables themselves (so the tape routes the gradient to them);
  // customGrad's last argument is its save function.
  const lossOf = tf.customGrad<tf.Scalar>((...inputs) => {
    const save = inputs[inputs.length - 1];
    if (typeof save !== 'function') throw new TypeError('customGrad did not pass its save function');
    const v = model.itemEmbeddings;
    const u = model.userEmbedding;
    const itemBias = model.itemBias;
    const scores = tf.add(tf.matMul(v, u), itemBias) as tf.Tensor2D; // [nItems, 1]
    const margins = tf.matMul(pairMatrix, scores); // [batch, 1]: s(pos) − s(neg)
    const totalWeight = tf.sum(weights);
    // Rows touched by the batch (each counted once per pair it appears in): the penalty's mask.
    const touched = tf.reshape(tf.sum(tf.abs(pairMatrix), 0), [model.nItems, 1]);
    const data = tf.div(tf.neg(tf.sum(tf.mul(weights, tf.logSigmoid(margins)))), totalWeight);
    const penalty = tf.mul(l2, tf.add(tf.sum(tf.mul(touched, tf.square(v))), tf.sum(tf.square(u))));
    save([margins, totalWeight, touched]);
    return {
      value: tf.add(data, penalty) as tf.Scalar,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [savedMargins, savedTotal, savedTouched] = saved as [tf.Tensor2D, tf.Scalar, tf.Tensor2D];
        // d/dm of −w log σ(m) / W is −w σ(−m) / W.
        const dMargins = tf.mul(dy, tf.div(tf.neg(tf.mul(weights, tf.sigmoid(tf.neg(savedMargins)))), savedTotal)) as tf.Tensor2D;
        const dScores = tf.matMul(pairMatrix, dMargins, true, false); // [nItems, 1]
        const twoL2dy = tf.mul(dy, 2 * l2);
        const dItems = tf.add(tf.matMul(dScores, u, false, true), tf.mul(twoL2dy, tf.mul(savedTouched, v)));
        const dUser = tf.add(tf.matMul(v, dScores, true, false), tf.mul(twoL2dy, u));
        return [dItems, dScores, dUser];
      },
    };
  });
  return lossOf(model.itemEmbeddings, model.itemBias, model.userEmbedding);
}

/** One training batch: item rows of positives and negatives and the positives' weights. */
export interface PairBatch {
  readonly positives: Int32Array;
  readonly negatives: Int32Array;
  readonly weights: Float32Array;
}

/** [batch, nItems] float32: +1 at each pair's positive, −1 at its negative. */
export function pairDifferenceMatrix(batch: PairBatch, nItems: number): tf.Tensor2D {
  return tf.tidy(() => {
    const pos = tf.oneHot(tf.tensor1d(batch.positives, 'int32'), nItems);
    const neg = tf.oneHot(tf.tensor1d(batch.negatives, 'int32'), nItems);
    return tf.cast(tf.sub(pos, neg), 'float32') as tf.Tensor2D;
  });
}

interface TrainSettings {
  readonly steps: number;
  readonly learningRate: number;
  readonly reconstructionSteps: number;
  readonly reconstructionLearningRate: number;
  readonly batchSize: number;
  readonly negatives: number;
  readonly l2: number;
  readonly random: UniformRandom;
}

function checkTrainOptions(options: TrainLocalOptions): TrainSettings {
  const count = (name: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}; got ${value}`);
    return value;
  };
  const positive = (name: string, value: number): number => {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0; got ${value}`);
    return value;
  };
  const l2 = options.l2 ?? 0.01;
  if (!Number.isFinite(l2) || l2 < 0) throw new RangeError(`l2 must be a finite number ≥ 0; got ${l2}`);
  const learningRate = positive('learningRate', options.learningRate);
  return {
    steps: count('steps', options.steps, 0),
    learningRate,
    reconstructionSteps: count('reconstructionSteps', options.reconstructionSteps ?? 0, 0),
    reconstructionLearningRate: positive('reconstructionLearningRate', options.reconstructionLearningRate ?? learningRate),
    batchSize: count('batchSize', options.batchSize ?? 32, 1),
    negatives: count('negatives', options.negatives ?? 1, 1),
    l2,
    random: options.random ?? Math.random,
  };
}

function checkInteractions(interactions: readonly Interaction[], nItems: number): readonly Interaction[] {
  const seen = new Set<number>();
  for (const { item, weight } of interactions) {
    if (!Number.isInteger(item) || item < 0 || item >= nItems) throw new RangeError(`interaction item must be a catalogue row in [0, ${nItems}); got ${item}`);
    if (!Number.isFinite(weight) || weight <= 0) throw new RangeError(`interaction weight must be a finite number > 0; got ${weight} for item ${item}`);
    if (seen.has(item)) throw new RangeError(`interaction items must be distinct (aggregateFeedback merges them); item ${item} repeats`);
    seen.add(item);
  }
  return interactions;
}

/**
 * `batchSize` pairs: positives drawn uniformly from the visitor's items (their weight scales the
 * loss), each with `negatives` uniform non-positive items. Rejection sampling is cheap because a
 * visitor's positives are a small part of the catalogue.
 */
function samplePairs(positives: readonly Interaction[], positiveSet: ReadonlySet<number>, nItems: number, s: TrainSettings): PairBatch {
  const size = s.batchSize * s.negatives;
  const pos = new Int32Array(size);
  const neg = new Int32Array(size);
  const weights = new Float32Array(size);
  for (let b = 0; b < s.batchSize; b++) {
    const positive = positives[Math.floor(s.random() * positives.length)] ?? positives[0]!;
    for (let k = 0; k < s.negatives; k++) {
      let negative: number;
      do negative = Math.floor(s.random() * nItems);
      while (positiveSet.has(negative) || negative >= nItems);
      const j = b * s.negatives + k;
      pos[j] = positive.item;
      neg[j] = negative;
      weights[j] = positive.weight;
    }
  }
  return { positives: pos, negatives: neg, weights };
}

/** Box–Muller normals for initialisation (not privacy noise). */
function gaussianArray(length: number, scale: number, random: UniformRandom): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    out[i] = scale * r * Math.cos(theta);
    if (i + 1 < length) out[i + 1] = scale * r * Math.sin(theta);
  }
  return out;
}
