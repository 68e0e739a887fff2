/**
 * Federated implicit ALS, "light" statistics (Hu, Koren & Volinsky 2008; federated the way private
 * ALS does it, Chien et al. 2021): the layout shared by the device (worker/models/als.ts, which
 * builds the statistics) and the aggregator (server/strategies/als.ts, which solves the items), and
 * the small dense linear algebra both need. Isomorphic, no tfjs. Measured in sim/experiments/als.ts
 * (its README has the table); the math here is that file's, unchanged.
 *
 * Loss: Σ_{u,i} c_ui (p_ui − u·v_i)² + λ(‖U‖² + ‖V‖²), p = 1 on the device's positives, 0 elsewhere,
 * c_ui = 1 + α·w_ui on positives (w: the device's feedback weight, worker/models/feedback.ts).
 *
 * One device's statistics vector, dense over the K rows the round covers (`rows`, the top K items
 * of a DP popularity count):
 *   [ u uᵀ upper triangle (T = dim(dim+1)/2) | per row r: c_r·u (dim) ]
 * (zeros on rows the device did not touch). The server solves item i against the shared Gram only,
 * V_i = (Σ u uᵀ + λI)⁻¹ Σ c·u: the confidence enters the targets, not the Gram. The full
 * Hu–Koren–Volinsky Gram would need Σ (c−1) u uᵀ per item; an earlier layout sent c − 1 per row and
 * approximated it by (Σ (c−1))·(Σ u uᵀ)/n, which lost HR@10 both without noise (0.5030 vs 0.5075,
 * two rounds) and under DP (paired over 90 noise streams, +0.0053 ± 0.0007 without it: the 200
 * c − 1 values took ≈ a tenth of every device's clip norm and their estimate was off by the clip
 * weights anyway; sim/README.md).
 *
 * Model blob ('als-items'): item_factors [nItems, dim] (zero outside the rows), item_popularity
 * [nItems] (the DP counts the rows were chosen by, clamped ≥ 0). Score = u·v_i + w·log(1 + count_i).
 */

/** Tensor names of the ALS model blob, in order. */
export const ALS_FACTORS_TENSOR = 'item_factors';
export const ALS_POPULARITY_TENSOR = 'item_popularity';

/**
 * Weight of the popularity prior in the score, w·log(1 + count): 0.03 measured best of
 * 0.01/0.03/0.1/0.3 (HR@10 0.487/0.491/0.487/0.457, dim 8, top 300, DP; sim/experiments/README.md).
 */
export const ALS_POPULARITY_WEIGHT = 0.03;

/** T = dim(dim+1)/2: the upper triangle of u uᵀ. */
export function alsTriangle(dim: number): number {
  return (dim * (dim + 1)) / 2;
}

/** Length of one device's statistics vector for `rows` rows. */
export function alsVectorLength(dim: number, rows: number): number {
  return alsTriangle(dim) + rows * dim;
}

/** In-place Cholesky of a symmetric n×n (row-major, lower factor); false if not positive definite. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! * a[j * n + k]!;
    if (!(s > 1e-12)) return false;
    const d = Math.sqrt(s);
    a[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / d;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b with the factor from `cholesky`; writes x to out[at .. at + n). */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>, out: Float32Array | Float64Array, at = 0): void {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  for (let i = 0; i < n; i++) out[at + i] = x[i]!;
}

/**
 * The Cholesky factor of A + λI, raising the ridge (λ ← 2λ + 10⁻³) until it factorises: a noisy A
 * (the server's sums carry DP noise) may be indefinite. `a` is not modified.
 */
export function ridgeFactor(a: Float64Array, n: number, lambda: number): Float64Array {
  if (!(lambda >= 0)) throw new RangeError(`lambda must be ≥ 0; got ${lambda}`);
  const m = new Float64Array(n * n);
  for (let extra = lambda; ; extra = extra * 2 + 1e-3) {
    m.set(a);
    for (let d = 0; d < n; d++) m[d * n + d] += extra;
    if (cholesky(m, n)) return m;
  }
}

/** Solves (A + λI) x = b (ridgeFactor's ridge); writes x to out[at .. at + n). */
export function ridgeSolve(a: Float64Array, n: number, lambda: number, b: ArrayLike<number>, out: Float32Array | Float64Array, at = 0): void {
  choleskySolve(ridgeFactor(a, n, lambda), n, b, out, at);
}

/** Adds scale × the symmetric matrix whose upper triangle is tri[at .. at + T) to out (dim×dim). */
export function addTriangle(tri: ArrayLike<number>, at: number, dim: number, out: Float64Array, scale = 1): void {
  let t = at;
  for (let x = 0; x < dim; x++) {
    for (let y = x; y < dim; y++) {
      out[x * dim + y] += scale * tri[t]!;
      if (y !== x) out[y * dim + x] += scale * tri[t]!;
      t++;
    }
  }
}

/** Σ_i v_i v_iᵀ over the rows of a row-major [n, dim] factor matrix (dim×dim, float64). */
export function itemGram(factors: Float32Array, dim: number): Float64Array {
  const gram = new Float64Array(dim * dim);
  const n = factors.length / dim;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let x = 0; x < dim; x++) {
      const vx = factors[o + x]!;
      if (vx === 0) continue;
      for (let y = 0; y < dim; y++) gram[x * dim + y] += vx * factors[o + y]!;
    }
  }
  return gram;
}

export interface AlsItemSolveInput {
  /** The round's summed statistics in float units (noise included), alsVectorLength(dim, rows). */
  readonly sum: ArrayLike<number>;
  readonly dim: number;
  readonly rows: number;
  /** Ridge λ (the DP extra ridge already added by the caller). */
  readonly lambda: number;
}

/**
 * The server's item step: for every row r, V_r = (G + λI)⁻¹ B_r with G = Σ u uᵀ and B_r = Σ c·u
 * (one factorisation for all rows; an indefinite noisy G gets a larger ridge, see ridgeFactor).
 * Returns the [rows, dim] factors, row-major.
 */
export function solveAlsItems(input: AlsItemSolveInput): Float32Array {
  const { sum, dim, rows, lambda } = input;
  const T = alsTriangle(dim);
  if (sum.length !== alsVectorLength(dim, rows)) throw new RangeError(`sum has ${sum.length} values; dim ${dim} × ${rows} rows needs ${alsVectorLength(dim, rows)}`);
  const gram = new Float64Array(dim * dim);
  addTriangle(sum, 0, dim, gram);
  const factor = ridgeFactor(gram, dim, lambda);
  const out = new Float32Array(rows * dim);
  const b = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let x = 0; x < dim; x++) b[x] = sum[T + r * dim + x]!;
    choleskySolve(factor, dim, b, out, r * dim);
  }
  return out;
}

export interface AlsShape {
  readonly nItems: number;
  readonly dim: number;
}

/** The blob's tensors: item_factors [nItems, dim], item_popularity [nItems]. */
export function alsTensorSpecs(shape: AlsShape): { readonly name: string; readonly shape: readonly number[] }[] {
  return [
    { name: ALS_FACTORS_TENSOR, shape: [shape.nItems, shape.dim] },
    { name: ALS_POPULARITY_TENSOR, shape: [shape.nItems] },
  ];
}

/** Reads the shape from a blob's tensor list; throws a RangeError naming what is wrong. */
export function alsShapeFromSpecs(specs: readonly { readonly name: string; readonly shape: readonly number[] }[]): AlsShape {
  const [factors, popularity] = specs;
  if (specs.length !== 2 || factors?.name !== ALS_FACTORS_TENSOR || popularity?.name !== ALS_POPULARITY_TENSOR) {
    throw new RangeError(`an ALS model has tensors ${ALS_FACTORS_TENSOR} [nItems, dim] and ${ALS_POPULARITY_TENSOR} [nItems]; got ${specs.map((s) => s.name).join(', ')}`);
  }
  const [nItems, dim] = factors.shape;
  if (factors.shape.length !== 2 || nItems === undefined || dim === undefined || nItems < 1 || dim < 1 || popularity.shape.length !== 1 || popularity.shape[0] !== nItems) {
    throw new RangeError(`ALS tensors must be ${ALS_FACTORS_TENSOR} [nItems, dim] and ${ALS_POPULARITY_TENSOR} [nItems]; got [${factors.shape.join(', ')}] and [${popularity.shape.join(', ')}]`);
  }
  return { nItems, dim };
}
