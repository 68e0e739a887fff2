/**
 * Online purchase propensity: a logistic regression over a few profile features, updated by one
 * SGD step per ingested batch (in the spirit of scikit-learn's `partial_fit`). The example of a
 * batch is (features of the profile before the batch, label = the batch contains an order), so
 * the model estimates "this visitor orders in their next batch of activity".
 *
 * WEIGHT LAYOUT (the federated task averages this vector; keep it flat and stable):
 *   weights: Float32Array of length PROPENSITY_FEATURE_COUNT = 9, weights[i] multiplies feature i:
 *     0 bias      constant 1
 *     1 views     log1p(long-term decayed product views)
 *     2 cart      log1p(items in the cart)
 *     3 orders    log1p(long-term decayed orders)
 *     4 recency   exp(−days since the previous event / 7), 0 for a first visit
 *     5 session   log1p(short-term decayed count of events)
 *     6 engaged   log1p(engaged minutes on product pages)
 *     7 searches  log1p(short-term decayed searches)
 *     8 checkout  log1p(short-term decayed checkout activity: Checkout Started, its steps, payment info)
 * A change of features or order is a new model version (PROPENSITY_MODEL_VERSION).
 */
import { readDecayed } from './decay.js';
import { cartAt, type ActivityState } from './activity.js';
import type { HalfLives } from './decay.js';

export const PROPENSITY_FEATURES = ['bias', 'views', 'cart', 'orders', 'recency', 'session', 'engaged', 'searches', 'checkout'] as const;
export const PROPENSITY_FEATURE_COUNT = PROPENSITY_FEATURES.length;
export const PROPENSITY_MODEL_VERSION = 1;

/** SGD step size and L2 penalty: small, because one visitor yields few, noisy examples. */
export const PROPENSITY_LEARNING_RATE = 0.05;
export const PROPENSITY_L2 = 1e-4;
/**
 * Starting bias: logit of 3 %, a typical e-commerce conversion rate per session, so a new visitor
 * starts near a sensible prior rather than at 50 %.
 */
export const PROPENSITY_INITIAL_BIAS = Math.log(0.03 / 0.97);

/** One labelled example: features of the profile before a batch, label = the batch held an order. */
export interface PropensityExample {
  readonly x: Float32Array;
  readonly y: 0 | 1;
}

/** Recent examples kept for federated training rounds (a ring; the oldest go first). */
export const PROPENSITY_EXAMPLES_KEPT = 256;

/**
 * The example ring, flat so the profile record stays one small clone: example i (0 = oldest) is
 * x[((start + i) % KEPT) · COUNT ...+COUNT), label y[(start + i) % KEPT].
 */
export interface ExampleRing {
  x: Float32Array;
  y: Uint8Array;
  start: number;
  size: number;
}

export function emptyExampleRing(): ExampleRing {
  return { x: new Float32Array(PROPENSITY_EXAMPLES_KEPT * PROPENSITY_FEATURE_COUNT), y: new Uint8Array(PROPENSITY_EXAMPLES_KEPT), start: 0, size: 0 };
}

/** Appends an example in place, overwriting the oldest when full. */
export function pushExample(ring: ExampleRing, x: Float32Array, y: 0 | 1): void {
  const slot = (ring.start + ring.size) % PROPENSITY_EXAMPLES_KEPT;
  ring.x.set(x, slot * PROPENSITY_FEATURE_COUNT);
  ring.y[slot] = y;
  if (ring.size < PROPENSITY_EXAMPLES_KEPT) ring.size++;
  else ring.start = (ring.start + 1) % PROPENSITY_EXAMPLES_KEPT;
}

/** The examples, oldest first, as fresh arrays. */
export function ringExamples(ring: ExampleRing): PropensityExample[] {
  const out: PropensityExample[] = [];
  for (let i = 0; i < ring.size; i++) {
    const slot = (ring.start + i) % PROPENSITY_EXAMPLES_KEPT;
    const offset = slot * PROPENSITY_FEATURE_COUNT;
    out.push({ x: ring.x.slice(offset, offset + PROPENSITY_FEATURE_COUNT), y: ring.y[slot] === 1 ? 1 : 0 });
  }
  return out;
}

export interface PropensityState {
  weights: Float32Array;
  /** SGD steps taken on this device. */
  updates: number;
  version: number;
  /** The most recent examples, at most PROPENSITY_EXAMPLES_KEPT. */
  examples: ExampleRing;
}

export function initialPropensity(): PropensityState {
  const weights = new Float32Array(PROPENSITY_FEATURE_COUNT);
  weights[0] = PROPENSITY_INITIAL_BIAS;
  return { weights, updates: 0, version: PROPENSITY_MODEL_VERSION, examples: emptyExampleRing() };
}

export function propensityFeatures(activity: ActivityState, now: number, halfLives: HalfLives): Float32Array {
  const x = new Float32Array(PROPENSITY_FEATURE_COUNT);
  x[0] = 1;
  x[1] = Math.log1p(readDecayed(activity.views, now, halfLives.longMs));
  x[2] = Math.log1p(cartAt(activity, now).size);
  x[3] = Math.log1p(readDecayed(activity.orders, now, halfLives.longMs));
  x[4] = activity.lastEventAt === null ? 0 : Math.exp(-Math.max(0, now - activity.lastEventAt) / (7 * 86_400_000));
  x[5] = Math.log1p(readDecayed(activity.session, now, halfLives.shortMs));
  x[6] = Math.log1p(activity.engagedSeconds / 60);
  x[7] = Math.log1p(readDecayed(activity.searches, now, halfLives.shortMs));
  x[8] = Math.log1p(readDecayed(activity.checkouts, now, halfLives.shortMs));
  return x;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predictPropensity(weights: Float32Array, x: Float32Array): number {
  let z = 0;
  for (let i = 0; i < PROPENSITY_FEATURE_COUNT; i++) z += weights[i]! * x[i]!;
  return sigmoid(z);
}

/** Checks weights from outside (a federated model) before the engine adopts them. */
export function checkPropensityWeights(weights: unknown): Float32Array {
  if (!(weights instanceof Float32Array)) throw new RangeError('weights: must be a Float32Array');
  if (weights.length !== PROPENSITY_FEATURE_COUNT) {
    throw new RangeError(`weights: must hold ${PROPENSITY_FEATURE_COUNT} floats (layout in propensity.ts), got ${weights.length}`);
  }
  if (!weights.every(Number.isFinite)) throw new RangeError('weights: must all be finite');
  return Float32Array.from(weights);
}

/** One SGD step on log-loss with L2 (the bias is not penalised); returns new weights. */
export function sgdStep(weights: Float32Array, x: Float32Array, label: 0 | 1, learningRate = PROPENSITY_LEARNING_RATE): Float32Array {
  const error = predictPropensity(weights, x) - label;
  const next = new Float32Array(PROPENSITY_FEATURE_COUNT);
  for (let i = 0; i < PROPENSITY_FEATURE_COUNT; i++) {
    const penalty = i === 0 ? 0 : PROPENSITY_L2 * weights[i]!;
    next[i] = weights[i]! - learningRate * (error * x[i]! + penalty);
  }
  return next;
}
