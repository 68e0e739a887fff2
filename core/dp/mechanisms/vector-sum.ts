/**
 * The vector sum mechanism for model updates (DP-FedAvg with exact integer noise, after Kairouz,
 * Liu, Steinke 2021, "The Distributed Discrete Gaussian Mechanism for Federated Learning with
 * Secure Aggregation", KLS21):
 *
 *   1. clip the whole update to L2 norm C (float64);
 *   2. scale to the integer grid of step g (c = C/g grid units) and round each coordinate to
 *      ⌊v⌋ or ⌈v⌉ at random, unbiasedly (P[⌈v⌉] = v − ⌊v⌋, to within 2^−53: the fraction is compared
 *      with a uniform 53-bit integer); the rounding is *conditional* (KLS21 §4): it is redrawn
 *      until ‖q‖₂² ≤ M, and after 64 failed draws (probability < 10^−13) every coordinate is rounded
 *      toward zero instead, which gives ‖q‖₂ ≤ c ≤ √M. So ‖q‖₂ ≤ √M holds for every output, by check;
 *   3. add discrete Gaussian noise of scale σ (grid units) to each coordinate.
 *
 * The bound M (KLS21 Theorem 1 / eq. (4), β = e^(−1/2) as in their experiments):
 *   M = ⌊ min( c² + n/4 + √(2 ln(1/β))·(c + √n/2),  (c + √n)² ) ⌋
 * The second term is the conservative triangle bound (‖q‖ ≤ ‖v‖ + ‖q − v‖ < c + √n); the floor is
 * exact because ‖q‖₂² is an integer. Sensitivity (add/remove one person's update to a sum):
 * Δ₂ = √M, so one release costs ρ = M/2σ² (CKS20: Rényi divergence of order α ≤ α‖μ‖²/2σ² for an integer shift μ).
 *
 * noiseStddev = 0 ("no local noise", e.g. under secure aggregation with central noise): the
 * release is then NOT private on its own, and its event says so honestly: { kind: 'zcdp', rho:
 * Infinity }. Any accountant or ledger must treat that as unaffordable; the central noise is
 * accounted where it is added, with `privatizeSum` of a mechanism that has σ > 0.
 */
import type { PrivacyEvent, Released } from '../events.js';
import {
  fail,
  requireFiniteVector,
  requireIntegerInRange,
  requireIntegerVector,
  requireNumberInRange,
  requirePositiveFinite,
  requireRandomSource,
} from '../checks.js';
import { secureRandom, type RandomSource } from '../random.js';
import { createDiscreteGaussianSampler } from '../samplers/discrete-gaussian.js';
import type { IntegerSampler } from '../samplers/integer-sampler.js';
import { discreteGaussianRho } from './zcdp.js';

export interface VectorSumMechanismOptions {
  /** Number of coordinates n of every update. */
  readonly dimension: number;
  /** L2 bound C on one update, in the update's own units. */
  readonly clipNorm: number;
  /** Grid step g, in the update's units (c = C/g grid units must be ≤ 2^24). */
  readonly granularity: number;
  /** Discrete Gaussian scale σ per coordinate, in grid units (≤ 2^20); 0 = no local noise. */
  readonly noiseStddev: number;
  /** KLS21 β for the conditional-rounding bound (default e^(−1/2)); in (0, 1). */
  readonly roundingBeta?: number;
}

export interface VectorSumMechanism {
  readonly dimension: number;
  readonly clipNorm: number;
  readonly granularity: number;
  readonly noiseStddev: number;
  /** M: every quantised update q satisfies ‖q‖₂² ≤ M (grid units², an integer). */
  readonly sensitivitySquared: number;
  /** Δ₂ = √M in grid units: the L2 sensitivity of a sum to one person's update. */
  readonly sensitivity: number;
  /** The cost of one release (zcdp ρ = M/2σ²; ρ = ∞ when noiseStddev is 0). */
  readonly event: PrivacyEvent;
  /** Device side: clip, quantise, add noise. Output in grid units (multiply by g, or use decode). */
  release(update: ArrayLike<number>): Released<Int32Array>;
  /** Aggregator side (central DP): noise a sum of quantised updates; requires noiseStddev > 0. */
  privatizeSum(gridSum: ArrayLike<number>): Released<Float64Array>;
  /** Grid units → update units (×g). Post-processing. */
  decode(gridValues: ArrayLike<number>): Float64Array;
}

const MAX_DIMENSION = 2 ** 24;
const MAX_GRID_NORM = 2 ** 24;
const MAX_GRID_SIGMA = 2 ** 20;
const MAX_GRID_SUM = 2 ** 50;
const ROUNDING_ATTEMPTS = 64;
const TWO_POW_53 = 2 ** 53;

/**
 * @example
 * const mechanism = createVectorSumMechanism({ dimension: 3, clipNorm: 1, granularity: 1 / 1024, noiseStddev: 512 });
 * const { output, event } = mechanism.release([0.3, -0.2, 0.9]); // Int32Array, { kind: 'zcdp', rho }
 */
export function createVectorSumMechanism(options: VectorSumMechanismOptions, random: RandomSource = secureRandom()): VectorSumMechanism {
  const n = requireIntegerInRange('dimension', options.dimension, 1, MAX_DIMENSION);
  const clipNorm = requirePositiveFinite('clipNorm', options.clipNorm);
  const granularity = requirePositiveFinite('granularity', options.granularity);
  const sigma = requireNumberInRange('noiseStddev', options.noiseStddev, 0, MAX_GRID_SIGMA);
  const beta = requireNumberInRange('roundingBeta', options.roundingBeta ?? Math.exp(-0.5), 0, 1, true);
  requireRandomSource('random', random);
  const c = requireNumberInRange('clipNorm / granularity', clipNorm / granularity, 0, MAX_GRID_NORM);

  const sqrtN = Math.sqrt(n);
  const kls21 = c * c + n / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (c + sqrtN / 2);
  const triangle = (c + sqrtN) ** 2;
  const sensitivitySquared = Math.floor(Math.min(kls21, triangle));
  const sensitivity = Math.sqrt(sensitivitySquared);
  const noise: IntegerSampler | undefined = sigma > 0 ? createDiscreteGaussianSampler({ sigma }, random) : undefined;
  const event: PrivacyEvent = { kind: 'zcdp', rho: sigma > 0 ? discreteGaussianRho(sensitivitySquared, sigma) : Infinity };
  const scaled = new Float64Array(n);

  /** Clip in float64 and convert to grid units, into `scaled`. */
  const clipAndScale = (update: ArrayLike<number>): void => {
    let squares = 0;
    for (let i = 0; i < n; i++) squares += update[i]! * update[i]!;
    const norm = Math.sqrt(squares);
    const factor = (norm > clipNorm ? clipNorm / norm : 1) / granularity;
    for (let i = 0; i < n; i++) scaled[i] = update[i]! * factor;
  };

  /** Conditional randomized rounding into `out`; guarantees ‖out‖₂² ≤ M. */
  const quantise = (out: Int32Array): void => {
    for (let attempt = 0; attempt < ROUNDING_ATTEMPTS; attempt++) {
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const v = scaled[i]!;
        const floor = Math.floor(v);
        // (v − ⌊v⌋)·2^53 is exact; P[u < it] = ⌈(v − ⌊v⌋)·2^53⌉ / 2^53.
        const q = random.nextUint53() < (v - floor) * TWO_POW_53 ? floor + 1 : floor;
        out[i] = q;
        squares += q * q;
      }
      if (squares <= sensitivitySquared) return;
    }
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const q = Math.trunc(scaled[i]!);
      out[i] = q;
      squares += q * q;
    }
    // ‖trunc(v)‖ ≤ ‖v‖ ≤ c(1 + float error) < √M, since M ≥ c² + 1/4. A failure here is a bug.
    if (squares > sensitivitySquared) throw new Error('vector sum mechanism: rounding bound violated (internal error)');
  };

  return {
    dimension: n,
    clipNorm,
    granularity,
    noiseStddev: sigma,
    sensitivitySquared,
    sensitivity,
    event,
    release(update) {
      requireFiniteVector('update', update, n);
      clipAndScale(update);
      const output = new Int32Array(n);
      quantise(output);
      if (noise !== undefined) {
        // |q_i| ≤ c + 1 ≤ 2^24 + 1 and σ ≤ 2^20: leaving the Int32 range needs noise beyond 2^11·σ
        // (probability below e^(−2^21)); checked anyway rather than letting the Int32Array wrap.
        for (let i = 0; i < n; i++) {
          const value = output[i]! + noise.sample();
          if (value > 0x7fff_ffff || value < -0x8000_0000) throw new Error('vector sum mechanism: noisy value outside Int32 range');
          output[i] = value;
        }
      }
      return { output, event };
    },
    privatizeSum(gridSum) {
      const sampler = noise ?? failWithoutNoise();
      requireIntegerVector('gridSum', gridSum, MAX_GRID_SUM, n);
      const output = new Float64Array(n);
      for (let i = 0; i < n; i++) output[i] = gridSum[i]! + sampler.sample();
      return { output, event };
    },
    decode(gridValues) {
      requireFiniteVector('gridValues', gridValues, n);
      const output = new Float64Array(n);
      for (let i = 0; i < n; i++) output[i] = gridValues[i]! * granularity;
      return output;
    },
  };
}

function failWithoutNoise(): never {
  fail('noiseStddev', '> 0 to privatize a sum (this mechanism adds no noise)', 0);
}
