/**
 * The purchase-propensity logistic regression as a tfjs model, so it can be trained from the global
 * weights for a round's local steps like the MF model. Its flat layout is the engine's own
 * (worker/features/propensity.ts): weights[i] multiplies feature i, feature 0 is the constant 1
 * (so weights[0] is the bias, and it is not penalised).
 * The gradient of the mean log-loss is written out (X^T(σ(Xw) − y)/n) for the same reasons as in
 * mf.ts: no tfjs gradient registry in Node, every backend supports matMul and sigmoid.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface LabelledExample {
  /** Feature vector, x[0] = 1. */
  readonly x: Float32Array;
  readonly y: 0 | 1;
}

export interface TrainLogisticOptions {
  readonly steps: number;
  readonly learningRate: number;
  /** L2 on every weight but the bias. Default 1e-4 (as the engine's online model). */
  readonly l2?: number;
}

export interface TrainLogisticResult {
  readonly weights: Float32Array;
  readonly firstLoss: number;
  readonly lastLoss: number;
}

/**
 * Full-batch gradient descent from `initial` on the examples; returns the new weights.
 * @example const { weights } = await trainLogistic(globalWeights, examples, { steps: 10, learningRate: 0.1 });
 */
export async function trainLogistic(initial: Float32Array, examples: readonly LabelledExample[], options: TrainLogisticOptions): Promise<TrainLogisticResult> {
  const n = initial.length;
  if (n < 1) throw new RangeError('initial weights must not be empty');
  if (!Number.isInteger(options.steps) || options.steps < 0) throw new RangeError(`steps must be an integer ≥ 0; got ${options.steps}`);
  if (!(options.learningRate > 0) || !Number.isFinite(options.learningRate)) throw new RangeError(`learningRate must be a finite number > 0; got ${options.learningRate}`);
  const l2 = options.l2 ?? 1e-4;
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RangeError(`l2 must be a finite number ≥ 0; got ${l2}`);
  examples.forEach((e, i) => {
    if (e.x.length !== n) throw new RangeError(`examples[${i}].x must have ${n} features; got ${e.x.length}`);
    if (e.y !== 0 && e.y !== 1) throw new RangeError(`examples[${i}].y must be 0 or 1`);
  });
  if (examples.length === 0 || options.steps === 0) return { weights: Float32Array.from(initial), firstLoss: Number.NaN, lastLoss: Number.NaN };

  const flatX = new Float32Array(examples.length * n);
  examples.forEach((e, i) => flatX.set(e.x, i * n));
  const x = tf.tensor2d(flatX, [examples.length, n]);
  const y = tf.tensor2d(Float32Array.from(examples, (e) => e.y), [examples.length, 1]);
  // Penalise every weight but the bias (index 0).
  const penaltyMask = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1)), [n, 1]);
  const w = tf.tidy(() => tf.variable(tf.tensor2d(initial, [n, 1]), true));
  const optimizer = tf.train.sgd(options.learningRate);
  // Losses are read once at the end, asynchronously (tfjs-webgpu's dataSync is unreliable; see mf.ts).
  let first: tf.Scalar | null = null;
  let last: tf.Scalar | null = null;
  try {
    const lossOf = tf.customGrad<tf.Scalar>((...inputs) => {
      const save = inputs[inputs.length - 1];
      if (typeof save !== 'function') throw new TypeError('customGrad did not pass its save function');
      const logits = tf.matMul(x, w);
      // log-loss = softplus(z) − y·z, numerically stable.
      const data = tf.mean(tf.sub(tf.softplus(logits), tf.mul(y, logits)));
      const penalty = tf.mul(l2 / 2, tf.sum(tf.mul(penaltyMask, tf.square(w))));
      save([logits]);
      return {
        value: tf.add(data, penalty) as tf.Scalar,
        gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
          const residual = tf.sub(tf.sigmoid(saved[0]!), y);
          const grad = tf.add(tf.div(tf.matMul(x, residual, true, false), examples.length), tf.mul(l2, tf.mul(penaltyMask, w)));
          return [tf.mul(dy, grad)];
        },
      };
    });
    for (let step = 0; step < options.steps; step++) {
      const loss = optimizer.minimize(() => lossOf(w), true, [w]);
      if (loss === null) continue;
      if (first === null) first = loss;
      else if (last !== first) last?.dispose();
      last = loss;
    }
    const firstLoss = first === null ? Number.NaN : ((await first.data())[0] ?? Number.NaN);
    const lastLoss = last === null ? Number.NaN : ((await last.data())[0] ?? Number.NaN);
    return { weights: Float32Array.from(await w.data()), firstLoss, lastLoss };
  } finally {
    optimizer.dispose();
    tf.dispose([x, y, penaltyMask, w]);
    first?.dispose();
    if (last !== first) last?.dispose();
  }
}
