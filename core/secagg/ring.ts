/**
 * Arithmetic in the ring Z_{2^32}, where additive secret shares live.
 *
 * Why 2^32: a device's update is an integer vector on the task's grid (core/dp's vector sum
 * mechanism). Shares are uniform modulo 2^k, and the sum of all shares decodes to the true sum as
 * long as no honest round sum leaves (−2^(k−1), 2^(k−1)): every honest coordinate is at most
 * `honestCoordinateBound` in magnitude, so `maxContributions × bound < 2^31` guarantees it
 * (checked per task by `checkNoWrap`). 2^32 is also the native width of Uint32Array and of the
 * upload's 4 bytes per coordinate, so the shared upload costs what the plain int32 upload did.
 * Isomorphic: typed arrays only.
 */

export const RING_BITS = 32;
export const RING_MODULUS = 2 ** RING_BITS;
const HALF = 2 ** (RING_BITS - 1);

/** x mod 2^32 for any integer-valued double (exact below 2^53). */
export function reduce(x: number): number {
  const r = x % RING_MODULUS;
  return r < 0 ? r + RING_MODULUS : r;
}

/** The representative of a ring element in [−2^31, 2^31): how a sum of signed values is read back. */
export function centered(x: number): number {
  const r = reduce(x);
  return r >= HALF ? r - RING_MODULUS : r;
}

/** a − b (mod 2^32), element-wise, into a fresh array. Signed inputs are read modulo 2^32. */
export function subtractMod(a: Int32Array | Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length (${a.length} and ${b.length})`);
  const out = new Uint32Array(a.length);
  // Uint32Array assignment reduces modulo 2^32, so this is exact for any int32 or uint32 inputs.
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/**
 * An exact running sum of ring elements: float64 accumulators stay exact while |Σ| < 2^53, i.e.
 * for up to 2^21 vectors of uint32 values; `reduceSum` then brings each coordinate back into the ring.
 */
export function addInto(sum: Float64Array, vector: Uint32Array | Int32Array): void {
  if (sum.length !== vector.length) throw new RangeError(`vectors differ in length (${sum.length} and ${vector.length})`);
  for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
}

/** A float64 running sum (of uint32 or int32 views of ring elements) as ring elements. */
export function reduceSum(sum: Float64Array): Uint32Array {
  const out = new Uint32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = reduce(sum[i]!);
  return out;
}

/** Leader's and helper's aggregate shares → the signed integer sum they hide. */
export function combineShares(leader: Uint32Array, helper: Uint32Array): Float64Array {
  if (leader.length !== helper.length) throw new RangeError(`aggregate shares differ in length (${leader.length} and ${helper.length})`);
  const out = new Float64Array(leader.length);
  for (let i = 0; i < leader.length; i++) out[i] = centered(leader[i]! + helper[i]!);
  return out;
}

/**
 * The largest |coordinate| an honest contribution has, except with probability `failure` over the
 * device's noise: the clipped, rounded signal is at most ⌈C/g⌉ + 1 per coordinate (conditional
 * randomised rounding moves each coordinate by < 1), and each discrete Gaussian coordinate is
 * σ-subgaussian (CKS20 Cor. 9), so a union bound over d coordinates gives
 * |z_i| ≤ σ·√(2 ln(2d/failure)) for all i at once.
 */
export function honestCoordinateBound(clipNorm: number, granularity: number, noiseStddev: number, dimension: number, failure = 1e-12): number {
  if (!(clipNorm > 0) || !(granularity > 0) || !(noiseStddev >= 0) || !Number.isInteger(dimension) || dimension < 1) {
    throw new RangeError('honestCoordinateBound: clipNorm and granularity must be > 0, noiseStddev ≥ 0, dimension a positive integer');
  }
  return Math.ceil(clipNorm / granularity) + 1 + subgaussianTail(noiseStddev, dimension, failure);
}

/** t with P(max_i |z_i| > t) ≤ failure over d σ-subgaussian coordinates (union bound). */
function subgaussianTail(sigma: number, dimension: number, failure: number): number {
  return sigma * Math.sqrt(2 * Math.log((2 * dimension) / failure));
}

/**
 * The largest |coordinate| the decoded sum of `contributions` honest uploads has, except with
 * probability `failure`: each signal coordinate is at most ⌈C/g⌉ + 1, and the sum of n devices'
 * discrete Gaussians (σ each) is σ√n-subgaussian, so the same union bound as above applies. A sum
 * past it was not made by honest devices: a share can carry any value mod 2^32 (one device
 * uploading random bytes makes every coordinate of the sum uniform on the ring), and nothing else
 * on the leader's side can see that.
 */
export function honestSumBound(contributions: number, clipNorm: number, granularity: number, noiseStddev: number, dimension: number, failure = 1e-12): number {
  if (!Number.isInteger(contributions) || contributions < 1) throw new RangeError(`honestSumBound: contributions must be a positive integer; got ${contributions}`);
  const signal = honestCoordinateBound(clipNorm, granularity, 0, dimension, failure);
  return contributions * signal + subgaussianTail(noiseStddev * Math.sqrt(contributions), dimension, failure);
}

/** How many coordinates of a decoded sum lie beyond ±bound. */
export function coordinatesBeyond(sum: ArrayLike<number>, bound: number): number {
  let beyond = 0;
  for (let i = 0; i < sum.length; i++) if (Math.abs(sum[i]!) > bound) beyond++;
  return beyond;
}

/** Throws a RangeError when `contributions` honest vectors could wrap the ring. */
export function checkNoWrap(contributions: number, coordinateBound: number, where: string): void {
  if (contributions * coordinateBound >= HALF) {
    throw new RangeError(`${where}: maxContributions ${contributions} × honest coordinate bound ${coordinateBound.toFixed(0)} reaches 2^31; a round sum could wrap the ring Z_2^32`);
  }
}
