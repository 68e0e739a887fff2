/**
 * The device's half of federated implicit ALS (core/models/als.ts has the layout and the math it
 * shares with the aggregator): the exact user solve against the public item factors, and the
 * fixed-size statistics vector a round asks for. Plain Float32Array/Float64Array, no tfjs.
 * Constants as measured in sim/experiments (README there): α 0.5, λ 1, ‖u‖ ≤ 1.
 *
 * @example
 * const u = solveUserVector(factors, 8, interactions);
 * const stats = alsStatistics({ user: u, dim: 8, rows, interactions, clipNorm: 1 });
 */
import { alsTriangle, alsVectorLength, itemGram, ridgeSolve } from '../../core/models/als.js';
import type { Interaction } from './feedback.js';

/** Confidence c = 1 + α·w on a positive (w: feedback weight): α 2 → 0.5 gained 0.016 HR@10 under DP. */
export const ALS_ALPHA = 0.5;
/** Ridge of the device's user solve (the loss's λ). */
export const ALS_USER_LAMBDA = 1;
/** The device caps ‖u‖ at this before building its statistics (bounds each row's share of the clip). */
export const ALS_USER_NORM_CAP = 1;

export interface UserSolveOptions {
  readonly alpha?: number;
  readonly lambda?: number;
  /** Σ v vᵀ over every item (itemGram(factors, dim)); computed when absent. */
  readonly gram?: Float64Array;
}

/**
 * u = (VᵀV + Σ_{i ∈ positives} (c_i − 1) v_i v_iᵀ + λI)⁻¹ Σ c_i v_i, the exact minimiser of the
 * user's part of the loss with V fixed. `factors` is [nItems, dim] row-major; items whose row is
 * zero (outside the model's rows) add nothing. No positives: u = 0.
 */
export function solveUserVector(factors: Float32Array, dim: number, interactions: readonly Interaction[], options: UserSolveOptions = {}): Float32Array {
  const alpha = options.alpha ?? ALS_ALPHA;
  const nItems = factors.length / dim;
  const a = Float64Array.from(options.gram ?? itemGram(factors, dim));
  const b = new Float64Array(dim);
  for (const { item, weight } of interactions) {
    if (item < 0 || item >= nItems) continue;
    const c = 1 + alpha * weight;
    const o = item * dim;
    for (let x = 0; x < dim; x++) {
      const vx = factors[o + x]!;
      b[x] += c * vx;
      for (let y = 0; y < dim; y++) a[x * dim + y] += (c - 1) * vx * factors[o + y]!;
    }
  }
  const u = new Float32Array(dim);
  ridgeSolve(a, dim, options.lambda ?? ALS_USER_LAMBDA, b, u);
  return u;
}

export interface AlsStatisticsInput {
  readonly user: Float32Array;
  readonly dim: number;
  /** Catalogue rows the vector covers, in the round's order (task.rows). */
  readonly rows: readonly number[];
  readonly interactions: readonly Interaction[];
  /** L2 bound of the whole vector (task.clipNorm). */
  readonly clipNorm: number;
  readonly alpha?: number;
  readonly userNormCap?: number;
}

/**
 * [ u uᵀ (upper triangle) | per row: c·u ] with u first capped at ‖u‖ ≤ userNormCap, then the
 * whole vector scaled to L2 ≤ clipNorm (a uniform weight on this user, so the sums stay consistent).
 * Dense over every row: an untouched row is zeros, so the vector says nothing by its shape.
 */
export function alsStatistics(input: AlsStatisticsInput): Float32Array {
  const { dim, rows, interactions, clipNorm } = input;
  const alpha = input.alpha ?? ALS_ALPHA;
  const cap = input.userNormCap ?? ALS_USER_NORM_CAP;
  if (input.user.length !== dim) throw new RangeError(`user has ${input.user.length} values; dim is ${dim}`);
  if (!(clipNorm > 0)) throw new RangeError(`clipNorm must be > 0; got ${clipNorm}`);
  const u = Float64Array.from(input.user);
  const norm = Math.hypot(...u);
  if (norm > cap) for (let x = 0; x < dim; x++) u[x] = (u[x]! * cap) / norm;
  const T = alsTriangle(dim);
  const out = new Float64Array(alsVectorLength(dim, rows.length));
  let t = 0;
  for (let x = 0; x < dim; x++) for (let y = x; y < dim; y++) out[t++] = u[x]! * u[y]!;
  const rowIndex = new Map<number, number>();
  rows.forEach((item, r) => rowIndex.set(item, r));
  for (const { item, weight } of interactions) {
    const r = rowIndex.get(item);
    if (r === undefined) continue;
    const c = 1 + alpha * weight;
    const o = T + r * dim;
    for (let x = 0; x < dim; x++) out[o + x] = c * u[x]!;
  }
  let sq = 0;
  for (const v of out) sq += v * v;
  const scale = Math.sqrt(sq) > clipNorm ? clipNorm / Math.sqrt(sq) : 1;
  const result = new Float32Array(out.length);
  for (let k = 0; k < out.length; k++) result[k] = out[k]! * scale;
  // float32 rounding may lift the norm a hair above the bound: the client's clip would then rescale.
  return result;
}
