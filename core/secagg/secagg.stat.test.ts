/**
 * Slow tier: the two statistical promises of secure aggregation.
 *
 * 1. One aggregator's view of a fixed vector is uniform on Z_2^32, whatever the vector. For each
 *    of three fixed vectors (zeros, small signed values, values near ±2^31) 4,000 sharings of 64
 *    coordinates give 256,000 leader-share coordinates and as many helper-share coordinates; each
 *    is binned by its top 8 bits and by its low 8 bits (256 bins, 1,000 expected per bin) and
 *    tested with Pearson's χ² (255 degrees of freedom). Threshold: the χ² quantile at 1 − 1e−6
 *    by Wilson–Hilferty (≈ 377), so the 12 tests together fail falsely with probability ≈ 1.2e−5.
 *    A share that leaked x (e.g. l = x, or a PRG with a biased byte) fails far beyond it.
 * 2. The released sum carries the noise the accountant charged for, not n× or 1/n× of it: 40
 *    devices with a zero update (so the sum is pure noise) each add their discrete Gaussian share
 *    σ_l (calibrated for ρ = 0.2 at 40 contributions), share and seal-free sum as the aggregators
 *    do, and the decoded sum's per-coordinate variance over d = 5,000 coordinates must be
 *    n·σ_l² within ±10 %. The variance estimate's relative standard error is √(2/d) = 2 %, so a
 *    false failure needs a 5-sd deviation (≈ 6e−7); n× or 1/n× the noise misses by orders of magnitude.
 */
import { describe, expect, it } from 'vitest';
import { distributedGaussianRho, distributedGaussianSigmaFor } from '../dp/accountant/distributed-gaussian.js';
import { createVectorSumMechanism } from '../dp/mechanisms/vector-sum.js';
import { secureRandom } from '../dp/random.js';
import { expandSeed } from './prg.js';
import { addInto, combineShares, reduceSum } from './ring.js';
import { shareVector } from './share.js';

const random = secureRandom();

/** χ² quantile at 1 − p for k degrees of freedom (Wilson–Hilferty), z the normal quantile of 1 − p. */
function chiSquareQuantile(k: number, z: number): number {
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}
const Z_1E6 = 4.753;
const THRESHOLD = chiSquareQuantile(255, Z_1E6);

function chiSquare(values: readonly number[]): { top: number; low: number } {
  const top = new Float64Array(256);
  const low = new Float64Array(256);
  for (const v of values) {
    top[v >>> 24]! += 1;
    low[v & 0xff]! += 1;
  }
  const expected = values.length / 256;
  const stat = (bins: Float64Array): number => bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
  return { top: stat(top), low: stat(low) };
}

describe('one aggregator sees a uniform share', () => {
  const fixed: Record<string, Int32Array> = {
    zeros: new Int32Array(64),
    small: Int32Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? i : -i)),
    extreme: Int32Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? 2 ** 31 - 1 - i : -(2 ** 31) + i)),
  };
  for (const [name, x] of Object.entries(fixed)) {
    it(`leader and helper shares of the ${name} vector are uniform on Z_2^32 (χ², 256,000 values each)`, async () => {
      const leader: number[] = [];
      const helper: number[] = [];
      for (let k = 0; k < 4000; k++) {
        const { leaderShare, helperSeed } = await shareVector(x, random);
        leader.push(...leaderShare);
        helper.push(...(await expandSeed(helperSeed, x.length)));
      }
      const l = chiSquare(leader);
      const h = chiSquare(helper);
      console.log(`${name}: leader χ² top ${l.top.toFixed(0)} low ${l.low.toFixed(0)}, helper χ² top ${h.top.toFixed(0)} low ${h.low.toFixed(0)} (threshold ${THRESHOLD.toFixed(0)})`);
      for (const value of [l.top, l.low, h.top, h.low]) expect(value).toBeLessThan(THRESHOLD);
    }, 120_000);
  }

  it('the test has power: a share that is x itself fails it', () => {
    const leaked = Array.from({ length: 256_000 }, (_, i) => (i % 64) * 3);
    expect(chiSquare(leaked).low).toBeGreaterThan(THRESHOLD * 100);
  });
});

describe('the released sum carries the target noise', () => {
  it('Σ of 40 devices’ shares decodes to noise of variance n·σ_l² (±10 %, d = 5,000)', async () => {
    const n = 40;
    const d = 5000;
    const options = { dimension: d, clipNorm: 1, granularity: 1e-3 };
    const sensitivity = createVectorSumMechanism({ ...options, noiseStddev: 0 }, random).sensitivity;
    const sigma = distributedGaussianSigmaFor(0.2, sensitivity, n, d);
    const mechanism = createVectorSumMechanism({ ...options, noiseStddev: sigma }, random);
    const leaderSum = new Float64Array(d);
    const helperSum = new Float64Array(d);
    const zero = new Float32Array(d);
    for (let device = 0; device < n; device++) {
      const { leaderShare, helperSeed } = await shareVector(mechanism.release(zero).output, random);
      addInto(leaderSum, leaderShare);
      addInto(helperSum, await expandSeed(helperSeed, d));
    }
    const sum = combineShares(reduceSum(leaderSum), reduceSum(helperSum));
    let mean = 0;
    for (const v of sum) mean += v / d;
    let variance = 0;
    for (const v of sum) variance += (v - mean) ** 2 / (d - 1);
    const ratio = variance / (n * sigma ** 2);
    console.log(`σ_l = ${sigma.toFixed(1)} grid steps (Δ = ${sensitivity.toFixed(1)}), sum variance / (n·σ_l²) = ${ratio.toFixed(4)}`);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
    // And that noise is what the accountant charges for: ρ at n contributions = 0.2.
    expect(distributedGaussianRho({ sensitivity, sigma, contributions: n, dimension: d })).toBeCloseTo(0.2, 6);
  }, 120_000);
});
