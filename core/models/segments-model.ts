/**
 * The 'segments' task's model blob (issue 12 §1): what the server publishes after each round of the
 * k-means schedule (core/models/kmeans.ts: mean round → coreset round → DP Lloyd × 2) so that
 * devices can take part in the next round and, once a schedule has finished, know their segment.
 * Shared by the server's strategy (server/strategies/kmeans.ts) and the device's handler
 * (worker/federated/segments-task.ts); isomorphic.
 *
 * One upload layout for every round of the task, so the round's vector length and L2 bound are the
 * task's constants (the coordinator sizes bodies, exact sums and secure-aggregation noise per task):
 * - `blocks` = max(k, 2^planes) blocks of d + 2 values; the mean round fills block 0 of it, the
 *   coreset round its cell's block, a Lloyd round its segment's block; the rest stays zero;
 * - the device sends its encoded block DIVIDED BY THE ROUND'S RADIUS C (the mean round's C is 1), so
 *   every upload has ‖v‖ ≤ √(1 + κ² + κ_s²) (`segmentsClipNorm`, κ = 0.5, κ_s = 0.25 the weights
 *   per radius) whatever C is; the server multiplies the released sum back by C. Scaling a
 *   Gaussian mechanism's input and output by the same public constant changes nothing in its
 *   privacy or accuracy (the noise is C·σ on the unscaled sum, exactly as if C·√(…) were the clip).
 *   The mean round's own bound √(1 + 0.4² + 0.25²) = 1.106 is 3.5 % under it: its noise is sized
 *   for the larger one (7 % more variance than it needs on 10 % of the budget).
 *
 * Tensors (their order is the blob's):
 *   state [STATE_SLOTS]   stage of the NEXT round (0 mean, 1 coreset, 2.. Lloyd), its radius C,
 *                         planes, the mean round's released device count, the planned mean squared
 *                         distance, completed schedules, the hyperplane seed
 *   mean [d]              μ, the mean round's released mean (the coreset round's anchor)
 *   centroids [k, d]      the current centroids (the next Lloyd round's anchors), row j = segment j
 *   counts [k]            their released counts
 *   released [k, d]       the centroids of the last COMPLETED schedule: what devices assign
 *                         themselves to (zeros before the first; `completed` says which)
 *   releasedCounts [k]    their released counts (for the population mean of the descriptions)
 */
import { COUNT_WEIGHT_PER_RADIUS, SPREAD_WEIGHT_PER_RADIUS, featureDimension, type SegmentFeatureSpec } from './kmeans.js';

export const SEGMENTS_TASK = 'segments';

/** Rounds of one schedule: the mean round, the coreset round, then the Lloyd rounds. */
export const LLOYD_ROUNDS = 2;
export const SCHEDULE_ROUNDS = 2 + LLOYD_ROUNDS;
/**
 * The schedule's split of the task's zCDP ρ, as measured in sim/experiments/kmeans.ts (its
 * KMEANS_DEFAULTS.shares; README "Segments": k 4 meets +15 % / +5 % at ε 2 with it).
 */
export const SCHEDULE_SHARES: readonly number[] = [0.1, 0.3, 0.3, 0.3];
/** The default public seed of the hyperplane normals (sim/experiments/kmeans.ts PLANES_SEED). */
export const DEFAULT_PLANES_SEED = 20_261_212;

export const STATE_SLOTS = 8;
const S = { stage: 0, radius: 1, planes: 2, devices: 3, meanSquare: 4, completed: 5, seed: 6 } as const;

export interface SegmentsState {
  /** The next round's stage: 0 mean, 1 coreset, 2 … SCHEDULE_ROUNDS − 1 Lloyd. */
  readonly stage: number;
  /** The next round's radius C (1 for the mean round). */
  readonly radius: number;
  /** Hyperplanes of the coreset round (2^planes cells). */
  readonly planes: number;
  /** The mean round's released device count (0 before it). */
  readonly devices: number;
  /** Planned mean squared distance of a device to its anchor (radius planning). */
  readonly meanSquare: number;
  /** Completed schedules: ≥ 1 means `released` holds segments. */
  readonly completed: number;
  /** Seed of the public hyperplane normals. */
  readonly seed: number;
}

export interface SegmentsModel {
  readonly state: SegmentsState;
  readonly mean: Float64Array;
  readonly centroids: Float64Array[];
  readonly counts: number[];
  readonly released: Float64Array[];
  readonly releasedCounts: number[];
}

/** The model's tensors for k segments over the spec's d features. */
export function segmentsTensors(k: number, dims: number): { readonly name: string; readonly shape: readonly number[] }[] {
  return [
    { name: 'state', shape: [STATE_SLOTS] },
    { name: 'mean', shape: [dims] },
    { name: 'centroids', shape: [k, dims] },
    { name: 'counts', shape: [k] },
    { name: 'released', shape: [k, dims] },
    { name: 'releasedCounts', shape: [k] },
  ];
}

/** Blocks of every upload: max(k, 2^planes). */
export function segmentsBlocks(k: number, planes: number): number {
  return Math.max(k, 2 ** planes);
}

/** Floats of every upload: blocks·(d + 2). */
export function segmentsVectorLength(spec: SegmentFeatureSpec, k: number, planes: number): number {
  return segmentsBlocks(k, planes) * (featureDimension(spec) + 2);
}

/** Every upload's exact L2 bound in radius units: √(1 + κ² + κ_s²) (header). */
export const SEGMENTS_CLIP_NORM = Math.hypot(1, COUNT_WEIGHT_PER_RADIUS, SPREAD_WEIGHT_PER_RADIUS);

/** The shape (k, d) of a segments model's tensors; a RangeError when they are not that layout. */
export function segmentsShape(tensors: readonly { readonly name: string; readonly shape: readonly number[] }[]): { k: number; dims: number } {
  const [state, mean, centroids] = tensors;
  const dims = mean?.shape[0] ?? 0;
  const k = centroids?.shape[0] ?? 0;
  const expected = segmentsTensors(k, dims);
  const same = state !== undefined && tensors.length === expected.length && tensors.every((t, i) => t.name === expected[i]!.name && t.shape.join('×') === expected[i]!.shape.join('×'));
  if (!same || k < 1 || dims < 1) throw new RangeError(`a segments model is ${expected.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ')}; got ${tensors.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ')}`);
  return { k, dims };
}

/** Reads a segments model from its flat data (the blob's float32 values). */
export function readSegmentsModel(k: number, dims: number, data: ArrayLike<number>): SegmentsModel {
  const expected = STATE_SLOTS + dims + 2 * k * dims + 2 * k;
  if (data.length !== expected) throw new RangeError(`a segments model with k ${k}, d ${dims} has ${expected} values; got ${data.length}`);
  let at = 0;
  const take = (n: number): Float64Array => {
    const out = Float64Array.from({ length: n }, (_, i) => data[at + i]!);
    at += n;
    return out;
  };
  const s = take(STATE_SLOTS);
  const mean = take(dims);
  const centroids = Array.from({ length: k }, () => take(dims));
  const counts = Array.from(take(k));
  const released = Array.from({ length: k }, () => take(dims));
  const releasedCounts = Array.from(take(k));
  return {
    state: { stage: s[S.stage]!, radius: s[S.radius]!, planes: s[S.planes]!, devices: s[S.devices]!, meanSquare: s[S.meanSquare]!, completed: s[S.completed]!, seed: s[S.seed]! },
    mean,
    centroids,
    counts,
    released,
    releasedCounts,
  };
}

/** The flat data of a segments model (float32, the blob's dtype). */
export function writeSegmentsModel(model: SegmentsModel): Float32Array {
  const k = model.centroids.length;
  const dims = model.mean.length;
  const out = new Float32Array(STATE_SLOTS + dims + 2 * k * dims + 2 * k);
  const st = model.state;
  out[S.stage] = st.stage;
  out[S.radius] = st.radius;
  out[S.planes] = st.planes;
  out[S.devices] = st.devices;
  out[S.meanSquare] = st.meanSquare;
  out[S.completed] = st.completed;
  out[S.seed] = st.seed;
  let at = STATE_SLOTS;
  const put = (values: ArrayLike<number>): void => {
    out.set(Array.from(values), at);
    at += values.length;
  };
  put(model.mean);
  model.centroids.forEach(put);
  put(model.counts);
  model.released.forEach(put);
  put(model.releasedCounts);
  return out;
}

/**
 * The feature names a task advertises (its `labels`): 'interest:<category>' for each interest
 * dimension, then the activity features, in vector order (core/models/kmeans.ts featureNames).
 * The device rebuilds the spec from them and refuses a feature it cannot compute.
 */
export function specFromFeatureNames(names: readonly string[], activity: readonly string[]): SegmentFeatureSpec {
  const categories: string[] = [];
  let i = 0;
  for (; i < names.length && names[i]!.startsWith('interest:'); i++) categories.push(names[i]!.slice('interest:'.length));
  const rest = names.slice(i);
  rest.forEach((name, j) => {
    if (name !== activity[j]) throw new RangeError(`feature ${JSON.stringify(name)} (position ${i + j}): this device computes only interest:<category> and then ${activity.join(', ')} in that order`);
  });
  if (rest.length !== activity.length) throw new RangeError(`features: expected the activity features ${activity.join(', ')} after the interests; got ${rest.join(', ') || 'none'}`);
  return { categories };
}
