/**
 * Federated DP k-means segments (issue 12 §1): the device's feature vector, its contribution, the
 * server's centroid update from the noised sums, stable segment ids across versions, and a segment
 * described in words. Isomorphic, imports nothing outside core; measured in sim/experiments/kmeans.ts
 * (sim/experiments/README.md, "Segments": the table, and what each choice below bought).
 *
 * The algorithm is DP Lloyd (Blum, Dwork, McSherry & Nissim 2005, "Practical privacy: the SuLQ
 * framework": per iteration and cluster a noisy sum of its points and a noisy count, the centroid
 * their ratio) with what Su, Cao, Li, Bertino & Jin 2016, "Differentially private k-means
 * clustering" (CODASPY; VLDB J. 2017 with Lin) found it needs: few iterations, a budget split
 * between counts and sums, and a start that does not waste the budget (DP Lloyd's quality hinges
 * on it). One task is a fixed schedule of rounds, each a plain sum of one fixed-size vector per
 * device, zCDP-accounted (Bun & Steinke 2016: a round whose sum has L2 sensitivity Δ and Gaussian
 * noise σ costs ρ = Δ²/(2σ²); the rounds' ρ add up; ρ → (ε, δ) once for the task):
 *
 * 1. The mean round (`meanLayout`): one block, the raw features [x, a, b·‖x‖²]. Released: the
 *    device count n̂, the population mean μ and its spread (`populationFromSums`).
 * 2. The coreset round: a private coreset (Feldman, Fiat, Kaplan & Nissim 2009, "Private coresets";
 *    as Google's DP clustering does it, Chang, Ghazi, Kumar & Manurangsi 2021, "Locally private
 *    k-means in one round", google/differential-privacy learning/clustering: bucket the points,
 *    release each bucket's noisy count and sum, run plain k-means on the weighted bucket means).
 *    The buckets are 2^h cells of random hyperplanes through μ (`hyperplaneCellOf`, h from n̂:
 *    `planesFor`), which every device computes alone; the server's k-means++ (Arthur &
 *    Vassilvitskii 2007) on the cells' noisy means is post-processing (`coresetCentroids`).
 * 3. R DP Lloyd rounds (`centroidsFromSums`), each on the previous centroids.
 *
 * Every round has the same layout (`KmeansLayout`): one block per cluster (or cell), the device
 * writes [δ, a, b·‖δ‖²/C²] into ITS block, where δ = x − anchor (its centroid; μ in the coreset
 * round; the origin in the mean round) is clipped to ‖δ‖ ≤ C, a is the count weight and the last
 * slot the device's clipped squared distance. Sending the delta to a public anchor rather than x
 * is what makes DP Lloyd work at 671 devices: the sensitivity is then the radius C (≈ the typical
 * distance to a centroid, 0.1–0.2) instead of the feature bound 1, i.e. 20–90× less noise
 * variance; the step Σδ/n is Lloyd's exactly for devices within C. The radius of each round is
 * planned from released numbers only (`planRadius`: the spread slots' rms distance and how much
 * signal the population has against the round's noise), so no data-dependent choice is made
 * outside the release.
 *
 * The count/sum split (Su et al. split ε between the two; with one Gaussian on a weighted vector it
 * is the count weight): σ on every coordinate means σ on the sums and σ/a on the count. For raw
 * features (the mean round) the centroid error of n devices with mean c is ≈ (η_S − c·η_N)/n, of
 * variance Δ²s²(d + ‖c‖²/a²)/n² (s = 1/√(2ρ), Δ² = 1 + a²); minimising (1 + a²)(d + ‖c‖²/a²)
 * gives a² = ‖c‖/√d: ‖c‖ ≈ 0.5, d = 10 → a ≈ 0.4 (DEFAULT_COUNT_WEIGHT), ~35 % less variance
 * than a = 1. For deltas the mean step is small near convergence, so the count's noise matters
 * less: a = 0.5·C (COUNT_WEIGHT_PER_RADIUS, measured).
 *
 * The upload is a plain histogram-kind task of the existing aggregator (server/tasks.ts kind
 * 'histogram', server/strategies/histogram.ts), carried unchanged: a fixed-length vector of
 * blocks·(d + 2) values (`kmeansVectorLength`), zero except the device's one block, with the exact
 * L2 bound `kmeansClipNorm` = √(C² + a² + b²) as the task's clipNorm (the device's own clip makes
 * it exact, so the aggregator's clip never changes a contribution), granularity ≈ C/1,000 (rounding
 * ≪ the noise), and no `labels` (a block is not a one-hot count: the dashboard's projected
 * histogram must not be drawn from it). Each round is one such task version whose released sum IS
 * the round's model; everything after the sum (`populationFromSums`, `coresetCentroids`,
 * `centroidsFromSums`, `planRadius`, `matchSegments`, `describeSegment`) is deterministic
 * post-processing of released values that a 'kmeans' strategy (the TaskKind exists, not yet
 * implemented) or every device can run. The device's segment (`nearestCentroid`) never leaves it
 * except as the position of its block inside the noised sum.
 */
import { seededUniform } from './seeded-uniform.js';

/** The activity features, after the interest shares, in this order. */
export const ACTIVITY_FEATURES = ['frequency', 'recency', 'weekend', 'spend'] as const;
export type ActivityFeature = (typeof ACTIVITY_FEATURES)[number];

/** k the task may ask for: ≥ 2 (one segment says nothing), ≤ 16 (upload k·(d + 2), Hungarian O(k³)). */
export const KMEANS_MIN_K = 2;
export const KMEANS_MAX_K = 16;
/** Interest dimensions: the site's top categories; the noise grows with d, the task picks a handful. */
export const KMEANS_MAX_CATEGORIES = 16;

/**
 * Feature ranges (each activity feature is mapped into [0, 1], then clipped):
 * - frequency: log(1 + events)/log(1 + FREQUENCY_CAP): 1 event → 0.10, 20 → 0.44, ≥ 1,000 → 1;
 *   logarithmic because activity is heavy-tailed (ml-latest-small: 20–2,391 ratings per user).
 * - recency: 1 − log(1 + days)/log(1 + RECENCY_CAP_DAYS): today 1, a week 0.65, a month 0.42, ≥ a
 *   year 0 (and 0 when the device has no event).
 * - weekend: share of the device's kept events on Saturday or Sunday, local time, in [0, 1]; 2/7
 *   (no preference) when it has none.
 * - spend: log(1 + decayed spend)/log(1 + SPEND_CAP) in the site's currency, ≥ 1,000 → 1.
 */
export const FREQUENCY_CAP = 1000;
export const RECENCY_CAP_DAYS = 365;
export const SPEND_CAP = 1000;
const NEUTRAL_WEEKEND = 2 / 7;

/**
 * Group weights: the interest shares (non-negative, adding up to ≤ 1, so their L2 ≤ 1) are scaled
 * by INTEREST_WEIGHT and each of the 4 activity features (in [0, 1], their L2 ≤ 2) by
 * ACTIVITY_WEIGHT, so ‖x‖² ≤ 1/2 + 4 · 1/8 = 1: the feature vector is in the unit ball whatever
 * the history, half of the bound each for taste and for behaviour.
 */
export const INTEREST_WEIGHT = Math.SQRT1_2;
export const ACTIVITY_WEIGHT = Math.sqrt(1 / (2 * ACTIVITY_FEATURES.length));
/** ‖x‖ ≤ 1 for every feature vector (see the group weights). */
export const FEATURE_NORM_BOUND = 1;
/** The mean round's count weight: a² = ‖c‖/√d with ‖c‖ ≈ 0.5, d ≈ 10 (header). */
export const DEFAULT_COUNT_WEIGHT = 0.4;

/** The task's feature configuration: which categories are interest dimensions, in order. */
export interface SegmentFeatureSpec {
  readonly categories: readonly string[];
}

/** What the device's engine knows, read when it contributes. */
export interface SegmentInputs {
  /** Long-term interest shares (worker/features/interests.ts), each in [0, 1], adding up to ≤ 1. */
  readonly interests: readonly { readonly category: string; readonly share: number }[];
  /** Events the engine applied (all time). */
  readonly events: number;
  /** Days since the last event (null: none). */
  readonly recencyDays: number | null;
  /** Share of the kept events on a weekend (null: none). */
  readonly weekendShare: number | null;
  /** Decayed spend (RFM monetary), ≥ 0. */
  readonly spend: number;
}

/** The k centroids of one model version, each a feature vector of the spec's dimension. */
export type Centroids = readonly Float64Array[];

function checkSpec(spec: SegmentFeatureSpec): void {
  const c = spec.categories;
  if (!Array.isArray(c) || c.length < 1 || c.length > KMEANS_MAX_CATEGORIES) throw new RangeError(`categories: a segment task needs 1 to ${KMEANS_MAX_CATEGORIES} interest categories; got ${Array.isArray(c) ? c.length : typeof c}`);
  if (new Set(c).size !== c.length) throw new RangeError('categories: must be distinct');
  c.forEach((x, i) => {
    if (typeof x !== 'string' || x.length === 0) throw new RangeError(`categories[${i}]: must be a non-empty string`);
  });
}

/** d: the spec's interest dimensions plus the activity features. */
export function featureDimension(spec: SegmentFeatureSpec): number {
  checkSpec(spec);
  return spec.categories.length + ACTIVITY_FEATURES.length;
}

/** The names of the d features, in vector order. */
export function featureNames(spec: SegmentFeatureSpec): string[] {
  checkSpec(spec);
  return [...spec.categories.map((c) => `interest:${c}`), ...ACTIVITY_FEATURES];
}

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

function requireFiniteAtLeast0(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${name}: must be a finite number ≥ 0; got ${String(v)}`);
}

/**
 * The device's feature vector (length `featureDimension(spec)`, ‖x‖ ≤ 1). Shares of categories the
 * task does not list are left out (the interest part then adds up to < 1: "none of these"). A
 * RangeError names an input the device cannot turn into a feature.
 * @example segmentFeatures({ categories: ['Drama', 'Sci-Fi'] }, { interests: [{ category: 'Sci-Fi', share: 0.7 }], events: 40, recencyDays: 2, weekendShare: 0.6, spend: 0 });
 */
export function segmentFeatures(spec: SegmentFeatureSpec, inputs: SegmentInputs): Float64Array {
  const d = featureDimension(spec);
  const m = spec.categories.length;
  const index = new Map(spec.categories.map((c, i) => [c, i]));
  const x = new Float64Array(d);
  let total = 0;
  inputs.interests.forEach((s, i) => {
    if (typeof s.share !== 'number' || !(s.share >= 0 && s.share <= 1)) throw new RangeError(`interests[${i}] (${String(s.category)}): share must be in [0, 1]; got ${String(s.share)}`);
    total += s.share;
    const j = index.get(s.category);
    if (j !== undefined) x[j]! += s.share;
  });
  // Shares from the engine add up to 1 (up to rounding); more is an input error, not a taste.
  if (total > 1 + 1e-6) throw new RangeError(`interests: shares must add up to ≤ 1; got ${total}`);
  for (let j = 0; j < m; j++) x[j] = Math.min(1, x[j]!) * INTEREST_WEIGHT;
  requireFiniteAtLeast0('events', inputs.events);
  requireFiniteAtLeast0('spend', inputs.spend);
  if (inputs.recencyDays !== null) requireFiniteAtLeast0('recencyDays', inputs.recencyDays);
  if (inputs.weekendShare !== null && !(inputs.weekendShare >= 0 && inputs.weekendShare <= 1)) throw new RangeError(`weekendShare: must be in [0, 1] or null; got ${String(inputs.weekendShare)}`);
  const activity: Record<ActivityFeature, number> = {
    frequency: clip01(Math.log1p(inputs.events) / Math.log1p(FREQUENCY_CAP)),
    recency: inputs.recencyDays === null ? 0 : clip01(1 - Math.log1p(inputs.recencyDays) / Math.log1p(RECENCY_CAP_DAYS)),
    weekend: inputs.weekendShare ?? NEUTRAL_WEEKEND,
    spend: clip01(Math.log1p(inputs.spend) / Math.log1p(SPEND_CAP)),
  };
  ACTIVITY_FEATURES.forEach((f, i) => (x[m + i] = activity[f] * ACTIVITY_WEIGHT));
  return x;
}

/** A feature vector (a device's or a centroid) read back in the inputs' units. */
export interface FeatureView {
  /** Interest shares of the spec's categories, in spec order. */
  readonly interests: readonly { readonly category: string; readonly share: number }[];
  /** Activity features in [0, 1] (the clipped scale above). */
  readonly activity: Readonly<Record<ActivityFeature, number>>;
  /** Back in units: events, days since the last event, weekend share, spend. */
  readonly events: number;
  readonly recencyDays: number;
  readonly weekendShare: number;
  readonly spend: number;
}

export function readFeatures(spec: SegmentFeatureSpec, x: ArrayLike<number>): FeatureView {
  const d = featureDimension(spec);
  if (x.length !== d) throw new RangeError(`x: expected ${d} features; got ${x.length}`);
  const m = spec.categories.length;
  const a = (i: number) => clip01(x[m + i]! / ACTIVITY_WEIGHT);
  const activity = { frequency: a(0), recency: a(1), weekend: a(2), spend: a(3) };
  return {
    interests: spec.categories.map((category, j) => ({ category, share: clip01(x[j]! / INTEREST_WEIGHT) })),
    activity,
    events: Math.expm1(activity.frequency * Math.log1p(FREQUENCY_CAP)),
    recencyDays: Math.expm1((1 - activity.recency) * Math.log1p(RECENCY_CAP_DAYS)),
    weekendShare: activity.weekend,
    spend: Math.expm1(activity.spend * Math.log1p(SPEND_CAP)),
  };
}

/**
 * The Euclidean projection onto the feature domain (interest part ≥ 0 adding up to ≤
 * INTEREST_WEIGHT; each activity feature in [0, ACTIVITY_WEIGHT]): a noisy centroid brought back
 * to a point some device could have. Post-processing; never farther from any point of the domain
 * (projection onto a convex set is non-expansive), so never farther from the true centroid.
 */
export function projectFeatures(spec: SegmentFeatureSpec, x: ArrayLike<number>): Float64Array {
  const d = featureDimension(spec);
  if (x.length !== d) throw new RangeError(`x: expected ${d} features; got ${x.length}`);
  const m = spec.categories.length;
  const out = Float64Array.from(x);
  let positive = 0;
  for (let j = 0; j < m; j++) positive += Math.max(0, out[j]!);
  if (positive <= INTEREST_WEIGHT) {
    for (let j = 0; j < m; j++) out[j] = Math.max(0, out[j]!);
  } else {
    // Onto { y ≥ 0, Σy = W } (the constraint is active): y = max(x − θ, 0) (Duchi et al. 2008).
    const sorted = Array.from(out.subarray(0, m)).sort((p, q) => q - p);
    let prefix = 0;
    let theta = 0;
    for (let j = 0; j < m; j++) {
      prefix += sorted[j]!;
      const candidate = (prefix - INTEREST_WEIGHT) / (j + 1);
      if (sorted[j]! - candidate > 0) theta = candidate;
    }
    for (let j = 0; j < m; j++) out[j] = Math.max(0, out[j]! - theta);
  }
  for (let i = m; i < d; i++) out[i] = Math.min(ACTIVITY_WEIGHT, Math.max(0, out[i]!));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The upload

export interface KmeansLayout {
  /** Blocks: k for a Lloyd round, 2^planes for the coreset round, 1 for the mean round. */
  readonly blocks: number;
  /** Feature dimension d. */
  readonly dims: number;
  /**
   * C: the device sends δ = x − anchor (its block's public anchor: its centroid, or the released
   * mean) scaled to ‖δ‖ ≤ C. The mean round uses the origin and C = FEATURE_NORM_BOUND: no clip.
   */
  readonly radius: number;
  /** a: the value in the block's count slot. */
  readonly countWeight: number;
  /** b: the spread slot holds b·‖δ‖²/C² ∈ [0, b]. */
  readonly spreadWeight: number;
}

/**
 * Count and spread weights relative to the radius (a = κC, b = κ_s·C): the step Σδ/n is small
 * near convergence, so the count's noise matters less than the header's a² = ‖c‖/√d says for raw
 * features. κ swept on ml-latest-small (fixed radii, 5–6 seeds, ε 1 and 2): 0.5 best on average;
 * 0.25 better at k 4, ε 2 (1.08 against 1.18 × the centralized WCSS) and worse at k 8 and at ε 1
 * (k 8, ε 1: 1.73 against 1.61), 0.75 and 1 worse on average. The spread only sets the next
 * radius, pooled over all blocks: κ_s = 0.25 costs 5 % more noise variance (Δ² = C²(1 + κ² + κ_s²)
 * = 1.3125 C², not 1.25 C²).
 */
export const COUNT_WEIGHT_PER_RADIUS = 0.5;
export const SPREAD_WEIGHT_PER_RADIUS = 0.25;

/** The layout of a round of `blocks` blocks at radius C, with the weights above. */
export function kmeansLayout(blocks: number, dims: number, radius: number): KmeansLayout {
  const layout = { blocks, dims, radius, countWeight: COUNT_WEIGHT_PER_RADIUS * radius, spreadWeight: SPREAD_WEIGHT_PER_RADIUS * radius };
  checkLayout(layout);
  return layout;
}

/** The mean round: one block, raw features from the origin (C = 1 clips nothing), a = DEFAULT_COUNT_WEIGHT. */
export function meanLayout(dims: number): KmeansLayout {
  const layout = { blocks: 1, dims, radius: FEATURE_NORM_BOUND, countWeight: DEFAULT_COUNT_WEIGHT, spreadWeight: SPREAD_WEIGHT_PER_RADIUS };
  checkLayout(layout);
  return layout;
}

export function checkLayout(layout: KmeansLayout): void {
  const { blocks, dims, radius, countWeight, spreadWeight } = layout;
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > 1024) throw new RangeError(`blocks: must be an integer in [1, 1024]; got ${blocks}`);
  if (!Number.isInteger(dims) || dims < 1 || dims > 64) throw new RangeError(`dims: must be an integer in [1, 64]; got ${dims}`);
  if (!(radius > 0 && radius <= 2)) throw new RangeError(`radius: must be in (0, 2]; got ${radius}`);
  if (!(countWeight > 0 && countWeight <= 16)) throw new RangeError(`countWeight: must be in (0, 16]; got ${countWeight}`);
  if (!(spreadWeight > 0 && spreadWeight <= 16)) throw new RangeError(`spreadWeight: must be in (0, 16]; got ${spreadWeight}`);
}

/** Values per block: d sums, the count, the spread. */
const slots = (dims: number): number => dims + 2;

/** Values in one upload: blocks·(d + 2). */
export function kmeansVectorLength(layout: KmeansLayout): number {
  checkLayout(layout);
  return layout.blocks * slots(layout.dims);
}

/** The exact L2 bound of every upload: √(C² + a² + b²) (one block is non-zero). */
export function kmeansClipNorm(layout: KmeansLayout): number {
  checkLayout(layout);
  return Math.hypot(layout.radius, layout.countWeight, layout.spreadWeight);
}

/** The model's (and the upload's) one tensor: row j = block j's [Σδ (d values), a·n, b·Σ‖δ‖²/C²]. */
export function kmeansTensors(layout: KmeansLayout): { readonly name: string; readonly shape: readonly number[] }[] {
  checkLayout(layout);
  return [{ name: 'sums', shape: [layout.blocks, slots(layout.dims)] }];
}

export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/** Index of the nearest centroid (squared Euclidean; ties to the lowest index): the device's segment. */
export function nearestCentroid(centroids: Centroids, x: ArrayLike<number>): number {
  if (centroids.length === 0) throw new RangeError('centroids: need at least one');
  let best = 0;
  let bestDistance = Infinity;
  for (let j = 0; j < centroids.length; j++) {
    const c = centroids[j]!;
    if (c.length !== x.length) throw new RangeError(`centroids[${j}]: has ${c.length} features; x has ${x.length}`);
    const dist = squaredDistance(c, x);
    if (dist < bestDistance) [best, bestDistance] = [j, dist];
  }
  return best;
}

/**
 * The device's upload: zero except block `block` = [δ, a, b·‖δ‖²/C²] with δ = x − anchor scaled
 * to ‖δ‖ ≤ C (anchor omitted: the origin). ‖upload‖ ≤ kmeansClipNorm(layout) for every x,
 * whatever the anchor: the clip makes the bound exact.
 * @example encodeKmeansContribution(kmeansLayout(4, 10, 0.12), 2, x, centroids[2]);
 */
export function encodeKmeansContribution(layout: KmeansLayout, block: number, x: ArrayLike<number>, anchor?: ArrayLike<number>): Float32Array {
  checkLayout(layout);
  if (!Number.isInteger(block) || block < 0 || block >= layout.blocks) throw new RangeError(`block: must be an integer in [0, ${layout.blocks - 1}]; got ${block}`);
  if (x.length !== layout.dims) throw new RangeError(`x: expected ${layout.dims} features; got ${x.length}`);
  if (anchor !== undefined && anchor.length !== layout.dims) throw new RangeError(`anchor: expected ${layout.dims} features; got ${anchor.length}`);
  const delta = new Float64Array(layout.dims);
  let norm = 0;
  for (let i = 0; i < layout.dims; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`x[${i}]: must be finite; got ${x[i]}`);
    if (anchor !== undefined && !Number.isFinite(anchor[i]!)) throw new RangeError(`anchor[${i}]: must be finite; got ${anchor[i]}`);
    delta[i] = x[i]! - (anchor?.[i] ?? 0);
    norm += delta[i]! * delta[i]!;
  }
  norm = Math.sqrt(norm);
  // A hair inside C, so that Float32 rounding cannot push the stored vector past the bound.
  const scale = norm > layout.radius ? (layout.radius / norm) * (1 - 1e-6) : 1;
  const out = new Float32Array(kmeansVectorLength(layout));
  const at = block * slots(layout.dims);
  for (let i = 0; i < layout.dims; i++) out[at + i] = delta[i]! * scale;
  out[at + layout.dims] = layout.countWeight;
  out[at + layout.dims + 1] = layout.spreadWeight * Math.min(1, (norm * scale) ** 2 / layout.radius ** 2);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The coreset round's public cells

/**
 * The device's cell: random hyperplanes through the released mean (SimHash, Charikar 2002, as the
 * LSH buckets of Google's DP clustering): bit i = [(x − anchor)·v_i > 0] for the task's public
 * normals v_i (`hyperplaneNormals`). A random direction splits the devices along whatever varies
 * along it, so the data's widest directions decide the cells without anyone having to know them
 * (measured without noise, k 4 and 8: the coreset's k-means starts Lloyd at 1.02–1.17 × the
 * centralized WCSS where cells of top interest × frequency tier started at 1.09–2.64 ×; at ε 2 on
 * ml-latest-small, k 4: 1.09 × after the Lloyd rounds against 1.64 ×). 2^planes cells.
 */
export function hyperplaneCellOf(x: ArrayLike<number>, anchor: ArrayLike<number>, normals: readonly ArrayLike<number>[]): number {
  if (anchor.length !== x.length) throw new RangeError(`anchor: expected ${x.length} values; got ${anchor.length}`);
  let cell = 0;
  normals.forEach((v, i) => {
    if (v.length !== x.length) throw new RangeError(`normals[${i}]: expected ${x.length} values; got ${v.length}`);
    let dot = 0;
    for (let t = 0; t < x.length; t++) dot += (x[t]! - anchor[t]!) * v[t]!;
    if (dot > 0) cell |= 1 << i;
  });
  return cell;
}

/** `planes` public unit normals in d dimensions from the task's seed (Gaussian directions; not privacy noise). */
export function hyperplaneNormals(dims: number, planes: number, seed: number): Float64Array[] {
  if (!Number.isInteger(planes) || planes < 1 || planes > MAX_PLANES) throw new RangeError(`planes: must be an integer in [1, ${MAX_PLANES}]; got ${planes}`);
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`dims: must be an integer ≥ 1; got ${dims}`);
  const random = seededUniform(seed);
  return Array.from({ length: planes }, () => {
    const v = Float64Array.from({ length: dims }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    const norm = Math.hypot(...v);
    return v.map((t) => t / norm);
  });
}

/**
 * Cells in proportion to the population: 2^planes ≈ devices / DEVICES_PER_CELL, planes in
 * [MIN_PLANES, MAX_PLANES], from the mean round's released count (post-processing). More cells
 * describe the data better (MovieTweetings, ε 2, k 8: 32 cells start Lloyd at 1.31 × the
 * centralized WCSS and end at 1.18 ×, 1,024 cells at 1.10 × and 1.03 ×) but leave fewer devices
 * under each cell's noise; on ml-latest-small 16, 32 and 64 cells measured the same within the
 * seeds' spread. 20 devices a cell: 32 cells there, 1,024 on MovieTweetings.
 */
export const DEVICES_PER_CELL = 20;
export const MIN_PLANES = 3;
export const MAX_PLANES = 10;
export function planesFor(devices: number): number {
  if (!(devices >= 0) || !Number.isFinite(devices)) throw new RangeError(`devices: must be a finite number ≥ 0; got ${devices}`);
  return Math.min(MAX_PLANES, Math.max(MIN_PLANES, Math.floor(Math.log2(Math.max(1, devices / DEVICES_PER_CELL)))));
}

// ---------------------------------------------------------------------------------------------
// The server's step (post-processing of a released sum)

/** One block of a released sum, read back. */
export interface ReleasedBlock {
  /** Devices in the block (noised, clamped ≥ 0). */
  readonly count: number;
  /** The projected mean anchor + Σδ/n, or null when the count is below minCount (noise-dominated). */
  readonly mean: Float64Array | null;
  /** Mean squared (clipped) distance of its devices to the anchor, in [0, C²]; null with mean. */
  readonly meanSquare: number | null;
}

export function readBlocks(spec: SegmentFeatureSpec, layout: KmeansLayout, sums: ArrayLike<number>, anchors: Centroids, minCount: number): ReleasedBlock[] {
  const d = featureDimension(spec);
  if (layout.dims !== d) throw new RangeError(`layout.dims: the spec has ${d} features; got ${layout.dims}`);
  const n = kmeansVectorLength(layout);
  if (sums.length !== n) throw new RangeError(`sums: expected ${n} values; got ${sums.length}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(sums[i]!)) throw new RangeError(`sums[${i}]: must be finite; got ${sums[i]}`);
  if (anchors.length !== layout.blocks) throw new RangeError(`anchors: expected ${layout.blocks} (one per block); got ${anchors.length}`);
  anchors.forEach((c, j) => {
    if (c.length !== d) throw new RangeError(`anchors[${j}]: expected ${d} features; got ${c.length}`);
  });
  if (!(minCount >= 1) || !Number.isFinite(minCount)) throw new RangeError(`minCount: must be a finite number ≥ 1; got ${minCount}`);
  return anchors.map((anchor, j) => {
    const at = j * slots(d);
    const count = Math.max(0, sums[at + d]! / layout.countWeight);
    if (count < minCount) return { count, mean: null, meanSquare: null };
    const mean = new Float64Array(d);
    for (let i = 0; i < d; i++) mean[i] = anchor[i]! + sums[at + i]! / count;
    const meanSquare = Math.min(layout.radius ** 2, Math.max(0, (sums[at + d + 1]! / layout.spreadWeight) * layout.radius ** 2 / count));
    return { count, mean: projectFeatures(spec, mean), meanSquare };
  });
}

/**
 * The count below which a block's mean is noise-dominated: NOISE_COUNT_Z standard deviations of
 * its count's noise (σ/a), and at least 1. At z = 3 a block without devices passes with
 * probability 0.13 %; at the threshold the step's noise is ≈ σ√d/n = a√d/3 ≈ C (κ = 0.5, d = 10):
 * as large as any device's delta, so not worth taking.
 */
export const NOISE_COUNT_Z = 3;
export function minimumCount(sumStddev: number, countWeight: number): number {
  if (!(sumStddev >= 0) || !Number.isFinite(sumStddev)) throw new RangeError(`sumStddev: must be a finite number ≥ 0; got ${sumStddev}`);
  if (!(countWeight > 0)) throw new RangeError(`countWeight: must be > 0; got ${countWeight}`);
  return Math.max(1, (NOISE_COUNT_Z * sumStddev) / countWeight);
}

export interface CentroidUpdate {
  readonly centroids: Float64Array[];
  /** The released counts, clamped ≥ 0 (devices per segment, noised). */
  readonly counts: number[];
  /** Segments whose count was noise-dominated (or empty): their centroid kept from `previous`. */
  readonly kept: boolean[];
  /**
   * Estimated mean squared distance of a device to its NEW centroid, pooled over the segments:
   * Σ n_j (spread_j − ‖step_j‖²) / Σ n_j (the parallel-axis identity, exact without clipping or
   * reassignment; clipped distances make it an underestimate). What the next radius is planned
   * from; null when no segment was readable.
   */
  readonly meanSquare: number | null;
}

/**
 * One DP Lloyd step: centroid j = c_j + Σδ_j/n_j from the released (noised) sum of the devices'
 * clipped deltas to their centroid c_j (previous[j], the block's anchor), projected onto the
 * feature domain; a segment with n_j < minCount keeps c_j (an empty or noise-dominated cluster
 * would otherwise jump to noise). With C above every device's distance this is Lloyd's step; a
 * device farther than C pulls its centroid by at most C (a bounded-influence mean, as every
 * clipped DP mean). Deterministic post-processing of the release.
 * @example centroidsFromSums(spec, kmeansLayout(4, 10, 0.12), releasedSum, previous, minimumCount(sigma, 0.06));
 */
export function centroidsFromSums(spec: SegmentFeatureSpec, layout: KmeansLayout, sums: ArrayLike<number>, previous: Centroids, minCount: number): CentroidUpdate {
  const blocks = readBlocks(spec, layout, sums, previous, minCount);
  let weighted = 0;
  let devices = 0;
  blocks.forEach((b, j) => {
    if (b.mean === null || b.meanSquare === null) return;
    weighted += b.count * Math.max(0, b.meanSquare - squaredDistance(b.mean, previous[j]!));
    devices += b.count;
  });
  return {
    centroids: blocks.map((b, j) => b.mean ?? Float64Array.from(previous[j]!)),
    counts: blocks.map((b) => b.count),
    kept: blocks.map((b) => b.mean === null),
    meanSquare: devices > 0 ? weighted / devices : null,
  };
}

/**
 * A public prior for the mean squared distance of a device to the population mean, (0.25)²: the
 * features put a typical device ~0.25 from the mean (measured 0.19 on ml-latest-small, 0.32 on
 * MovieTweetings 2013). The mean round's estimate E‖x‖² − ‖μ‖² is a small difference of two larger
 * released numbers: at 671 devices and ε ≤ 2 its noise (σ/(b·n) ≈ 0.05) exceeds the value (0.034),
 * at 21k devices it is ~2 % of it. `populationFromSums` therefore blends the two by precision
 * (the prior with a standard deviation equal to itself).
 */
export const PRIOR_MEAN_SQUARE = 0.0625;

/**
 * The mean round read back: the population's mean, its device count and the mean squared distance
 * of a device to the mean (precision-weighted with PRIOR_MEAN_SQUARE; see there), or null when the
 * round was noise-dominated. `sumStddev`: σ of each value of the released sum.
 */
export function populationFromSums(spec: SegmentFeatureSpec, sums: ArrayLike<number>, sumStddev: number): { readonly mean: Float64Array; readonly devices: number; readonly meanSquare: number } | null {
  const layout = meanLayout(featureDimension(spec));
  const origin = new Float64Array(layout.dims);
  const [block] = readBlocks(spec, layout, sums, [origin], minimumCount(sumStddev, layout.countWeight));
  if (block === undefined || block.mean === null || block.meanSquare === null) return null;
  // E‖x − μ‖² = E‖x‖² − ‖μ‖² (nothing is clipped in this round); its noise is the spread slot's, σ/(b·n).
  const estimate = Math.max(0, block.meanSquare - squaredDistance(block.mean, origin));
  const variance = (sumStddev / layout.spreadWeight / block.count) ** 2;
  const priorVariance = PRIOR_MEAN_SQUARE ** 2;
  const meanSquare = variance === 0 ? estimate : (estimate / variance + PRIOR_MEAN_SQUARE / priorVariance) / (1 / variance + 1 / priorVariance);
  return { mean: block.mean, devices: block.count, meanSquare };
}

/**
 * The radius of a round, from released quantities and the plan only (post-processing): C = rms ·
 * clamp(√(R/RADIUS_SIGNAL_SCALE), 1, RADIUS_MAX_MULTIPLE), rms the estimated root mean squared
 * distance of a device to its anchor, R = devices/(z·√d) how many radii the population's signal is
 * worth against a block's noise (z = σ/C, the round's noise per unit radius: a block's noise norm
 * is ≈ C·z·√d). Bias against variance: a small C clips many devices (the step is pulled towards
 * the anchor), a large C lets noise ∝ C through. Measured (sim/experiments/README.md): with little
 * signal (ml-latest-small, R ≈ 12–43 at ε 0.5–2 and a 0.3 share of ρ) radii near 1 × rms were best
 * (fixed Lloyd radii 0.1–0.15 against 0.3, and against a rule that gave 0.4–0.7 × rms at k 8: 1.48
 * against 1.86 × the centralized WCSS at ε 1); with much (MovieTweetings, R ≥ 367) 2.5 × rms (~97 %
 * of devices unclipped; k 8, ε 2: 1.04 × against 1.08 × at 1 × rms). R0 = 50 puts the switch
 * between the two. Clamped to [MIN_RADIUS, FEATURE_NORM_BOUND].
 */
export const RADIUS_SIGNAL_SCALE = 50;
export const RADIUS_MAX_MULTIPLE = 2.5;
export const MIN_RADIUS = 0.02;
export function planRadius(options: { readonly meanSquare: number; readonly devices: number; readonly dims: number; readonly noisePerRadius: number; readonly signalScale?: number; readonly maxMultiple?: number }): number {
  const { meanSquare, devices, dims, noisePerRadius, signalScale = RADIUS_SIGNAL_SCALE, maxMultiple = RADIUS_MAX_MULTIPLE } = options;
  if (!(meanSquare >= 0) || !Number.isFinite(meanSquare)) throw new RangeError(`meanSquare: must be a finite number ≥ 0; got ${meanSquare}`);
  if (!(devices >= 0) || !Number.isFinite(devices)) throw new RangeError(`devices: must be a finite number ≥ 0; got ${devices}`);
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`dims: must be an integer ≥ 1; got ${dims}`);
  if (!(noisePerRadius >= 0) || !Number.isFinite(noisePerRadius)) throw new RangeError(`noisePerRadius: must be a finite number ≥ 0; got ${noisePerRadius}`);
  const signal = noisePerRadius === 0 ? Infinity : devices / (noisePerRadius * Math.sqrt(dims));
  const multiple = Math.min(maxMultiple, Math.max(1, Math.sqrt(signal / signalScale)));
  return Math.min(FEATURE_NORM_BOUND, Math.max(MIN_RADIUS, Math.sqrt(meanSquare) * multiple));
}

/**
 * Weighted k-means (k-means++ seeding, Lloyd to convergence, best of `restarts`) on weighted
 * points: the server's clustering of the coreset, and the simulator's centralized reference.
 * Returns the centroids and their weighted within-cluster sum of squares.
 */
export function weightedKmeans(points: readonly ArrayLike<number>[], weights: readonly number[], k: number, options: { readonly restarts: number; readonly random: () => number; readonly maxIterations?: number }): { centroids: Float64Array[]; wcss: number } {
  if (points.length !== weights.length) throw new RangeError('weights: one per point');
  if (points.length === 0) throw new RangeError('points: need at least one');
  const d = points[0]!.length;
  const maxIterations = options.maxIterations ?? 100;
  let best: { centroids: Float64Array[]; wcss: number } | null = null;
  for (let r = 0; r < Math.max(1, options.restarts); r++) {
    const centroids = kmeansPlusPlus(points, weights, k, options.random);
    const assign = new Int32Array(points.length).fill(-1);
    for (let it = 0; it < maxIterations; it++) {
      let changed = false;
      points.forEach((p, i) => {
        const j = nearestCentroid(centroids, p);
        if (assign[i] !== j) [assign[i], changed] = [j, true];
      });
      if (!changed) break;
      const sums = centroids.map(() => new Float64Array(d));
      const mass = new Float64Array(centroids.length);
      points.forEach((p, i) => {
        const j = assign[i]!;
        mass[j]! += weights[i]!;
        for (let t = 0; t < d; t++) sums[j]![t]! += weights[i]! * p[t]!;
      });
      // An emptied centroid stays where it was (it may win points back next iteration).
      centroids.forEach((c, j) => {
        if (mass[j]! > 0) for (let t = 0; t < d; t++) c[t] = sums[j]![t]! / mass[j]!;
      });
    }
    const wcss = points.reduce((s, p, i) => s + weights[i]! * squaredDistance(centroids[nearestCentroid(centroids, p)]!, p), 0);
    if (best === null || wcss < best.wcss) best = { centroids, wcss };
  }
  return best!;
}

/** k-means++ D² seeding with weights (Arthur & Vassilvitskii 2007); with fewer distinct points than k a point repeats. */
function kmeansPlusPlus(points: readonly ArrayLike<number>[], weights: readonly number[], k: number, random: () => number): Float64Array[] {
  const pick = (scores: ArrayLike<number>): number => {
    let total = 0;
    for (let i = 0; i < scores.length; i++) total += scores[i]!;
    if (!(total > 0)) return 0;
    let u = random() * total;
    for (let i = 0; i < scores.length; i++) if ((u -= scores[i]!) < 0) return i;
    return scores.length - 1;
  };
  const centroids = [Float64Array.from(points[pick(weights)]!)];
  const nearest = Float64Array.from(points, (p) => squaredDistance(centroids[0]!, p));
  while (centroids.length < k) {
    const c = Float64Array.from(points[pick(nearest.map((dist, t) => dist * weights[t]!))]!);
    centroids.push(c);
    points.forEach((p, t) => (nearest[t] = Math.min(nearest[t]!, squaredDistance(c, p))));
  }
  return centroids;
}

/** Restarts of the server's k-means on the coreset (cheap: ≤ 1,024 points). */
export const CORESET_RESTARTS = 20;

/**
 * The first centroids, from the coreset round's released sum over the cells (each device's delta
 * to the released mean, clipped to the layout's radius): each cell with count ≥ minCount is one
 * point (its projected noisy mean) weighted by its noisy count, and the server clusters those
 * points (weighted k-means++, best of CORESET_RESTARTS; the seed makes its choice reproducible).
 * Fewer usable cells than k: the heaviest unusable cells' anchors fill in. Also returns the
 * estimated mean squared distance of a device to its centroid (each cell's spread about the
 * anchor, moved to the cell's centroid by the parallel-axis identity), for the first Lloyd radius.
 */
export function coresetCentroids(spec: SegmentFeatureSpec, layout: KmeansLayout, sums: ArrayLike<number>, anchors: Centroids, k: number, options: { readonly minCount: number; readonly seed: number }): { centroids: Float64Array[]; meanSquare: number | null } {
  if (!Number.isInteger(k) || k < KMEANS_MIN_K || k > KMEANS_MAX_K) throw new RangeError(`k: must be an integer in [${KMEANS_MIN_K}, ${KMEANS_MAX_K}]; got ${k}`);
  const blocks = readBlocks(spec, layout, sums, anchors, options.minCount);
  const usable = blocks.flatMap((b, j) => (b.mean === null || b.meanSquare === null ? [] : [{ point: b.mean, weight: b.count, meanSquare: b.meanSquare, anchor: anchors[j]! }]));
  let centroids: Float64Array[];
  if (usable.length >= k) {
    centroids = weightedKmeans(usable.map((u) => u.point), usable.map((u) => u.weight), k, { restarts: CORESET_RESTARTS, random: seededUniform(options.seed) }).centroids;
  } else {
    centroids = usable.map((u) => u.point);
    const rest = blocks.map((b, j) => ({ count: b.count, j })).filter(({ j }) => blocks[j]!.mean === null).sort((p, q) => q.count - p.count || p.j - q.j);
    for (const { j } of rest.slice(0, k - centroids.length)) centroids.push(projectFeatures(spec, anchors[j]!));
  }
  let weighted = 0;
  let devices = 0;
  for (const u of usable) {
    const within = Math.max(0, u.meanSquare - squaredDistance(u.point, u.anchor));
    weighted += u.weight * (within + squaredDistance(u.point, centroids[nearestCentroid(centroids, u.point)]!));
    devices += u.weight;
  }
  return { centroids, meanSquare: devices > 0 ? weighted / devices : null };
}

// ---------------------------------------------------------------------------------------------
// Stable segment ids

/**
 * Minimum-cost assignment of rows to columns of a square cost matrix (the Hungarian method,
 * Kuhn 1955 / Munkres 1957, in the O(n³) shortest-augmenting-path form with potentials, as in
 * Jonker & Volgenant 1987). Returns column[row].
 */
export function minCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  cost.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`cost[${i}]: the matrix must be square (${n} × ${n}); got ${row.length} columns`);
    row.forEach((c, j) => {
      if (!Number.isFinite(c)) throw new RangeError(`cost[${i}][${j}]: must be finite; got ${c}`);
    });
  });
  // 1-based arrays; p[j] = row matched to column j; u, v the dual potentials.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) [minv[j], way[j]] = [cur, j0];
        if (minv[j]! < delta) [delta, j1] = [minv[j]!, j];
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const column = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j]! > 0) column[p[j]! - 1] = j - 1;
  return column;
}

/**
 * The new version's centroids reordered so that segment id j is the new centroid closest (in
 * total squared distance, a min-cost assignment) to the previous version's centroid j: ids stay
 * stable when the clusters only move, and the site's personalisation keyed on an id keeps meaning
 * the same people. Returns the reordered centroids and, per id, how far its centroid moved.
 */
export function matchSegments(previous: Centroids, next: Centroids): { centroids: Float64Array[]; order: number[]; moved: number[] } {
  if (previous.length !== next.length) throw new RangeError(`next: expected ${previous.length} centroids (the previous version's k); got ${next.length}`);
  const cost = previous.map((p) => next.map((q) => squaredDistance(p, q)));
  const column = minCostAssignment(cost);
  return {
    centroids: column.map((j) => Float64Array.from(next[j]!)),
    order: column,
    moved: column.map((j, id) => Math.sqrt(cost[id]![j]!)),
  };
}

// ---------------------------------------------------------------------------------------------
// Words

/**
 * Thresholds of the description (in the features' [0, 1] scale unless said): an interest is named
 * when its share is ≥ 1.3 × the population's and ≥ 0.1 (what sets the segment apart, not Drama for
 * everyone); activity words when the segment differs from the population by ≥ 0.1 (frequency,
 * spend) or in absolute terms (weekend share ≥ 0.4 against 2/7 for no preference, ≤ 0.15 weekday;
 * last event ≤ 7 days "active this week", ≥ 90 days "lapsed").
 */
const INTEREST_LIFT = 1.3;
const INTEREST_MIN_SHARE = 0.1;
const ACTIVITY_DIFFERENCE = 0.1;

/**
 * A segment in plain words, from its centroid and the population's mean feature vector (the
 * count-weighted mean of all centroids): "frequent weekend Sci-Fi & Horror browsers, high spend".
 * @example describeSegment(spec, centroids[2], populationMean(centroids, counts));
 */
export function describeSegment(spec: SegmentFeatureSpec, centroid: ArrayLike<number>, population: ArrayLike<number>): string {
  const c = readFeatures(spec, centroid);
  const pop = readFeatures(spec, population);
  const named = c.interests
    .map((s, j) => ({ ...s, lift: s.share / Math.max(1e-9, pop.interests[j]!.share) }))
    .filter((s) => s.share >= INTEREST_MIN_SHARE && s.lift >= INTEREST_LIFT)
    .sort((p, q) => q.lift - p.lift || q.share - p.share)
    .slice(0, 2)
    .map((s) => s.category);
  const words: string[] = [];
  const frequency = c.activity.frequency - pop.activity.frequency;
  if (frequency >= ACTIVITY_DIFFERENCE) words.push('frequent');
  else if (frequency <= -ACTIVITY_DIFFERENCE) words.push('occasional');
  if (c.weekendShare >= 0.4) words.push('weekend');
  else if (c.weekendShare <= 0.15) words.push('weekday');
  words.push(named.length > 0 ? named.join(' & ') : 'all-round');
  const spendsMore = c.activity.spend - pop.activity.spend >= ACTIVITY_DIFFERENCE;
  words.push(c.activity.spend >= ACTIVITY_DIFFERENCE ? 'buyers' : 'browsers');
  const tail: string[] = [];
  if (spendsMore) tail.push('high spend');
  if (c.recencyDays <= 7) tail.push('active this week');
  else if (c.recencyDays >= 90) tail.push('lapsed');
  return [words.join(' '), ...tail].join(', ');
}

/** The population's mean feature vector: the centroids weighted by their (clamped) counts. */
export function populationMean(centroids: Centroids, counts: readonly number[]): Float64Array {
  if (centroids.length === 0 || centroids.length !== counts.length) throw new RangeError('counts: one per centroid, at least one');
  const d = centroids[0]!.length;
  const out = new Float64Array(d);
  let total = 0;
  centroids.forEach((c, j) => {
    const w = Math.max(0, counts[j]!);
    total += w;
    for (let i = 0; i < d; i++) out[i]! += w * c[i]!;
  });
  if (total > 0) for (let i = 0; i < d; i++) out[i]! /= total;
  else centroids.forEach((c) => c.forEach((v, i) => (out[i]! += v / centroids.length)));
  return out;
}
