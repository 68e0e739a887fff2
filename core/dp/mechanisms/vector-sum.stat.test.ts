/**
 * Slow tier: DP-property test of the vector sum mechanism (Google-style, dp-property.testkit.ts).
 * Setup: dimension 2, clipNorm 10, granularity 1 (c = 10 grid units), σ = 25 grid units. The
 * sensitivity bound is M = ⌊min(c² + n/4 + √(2 ln(1/β))(c + √n/2), (c + √n)²)⌋ = 111, so for one
 * integer coordinate the largest shift the bound allows is ⌊√111⌋ = 10. The claimed (ε, δ) is the
 * exact discrete Gaussian profile at shift 10, σ = 25 (μ = 0.4), tested at ε = 0.5 (δ ≈ 0.026).
 * Neighbours: one person's update [10, 0] (A) or nothing, i.e. [0, 0] (B); the output is projected
 * onto coordinate 0 (post-processing) with tails beyond ±100 merged. 10^6 samples per side per run;
 * a run passes when δ' ≤ δ + 0.0025; majority of 3. As for the Gaussian count (same μ), the excess
 * of δ' over the profile is ≈ 0.0003 ± 0.0004, so a false failure needs > 5 sd.
 * Also: an over-norm update [30, 0] must be clipped (passes), and two broken variants must fail:
 * true ε = 1.25 × claimed (σ = 20 used, 25 claimed) and sensitivity 2 (clipNorm 20 used, 10 claimed).
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { discreteGaussianDelta, dpPropertyTest } from './dp-property.testkit.js';
import { createVectorSumMechanism } from './vector-sum.js';

const random = secureRandom();
const CLAIMED = { dimension: 2, clipNorm: 10, granularity: 1, noiseStddev: 25 } as const;
const TEST_EPSILON = 0.5;
const mergeTails = (o: number): number => Math.max(-100, Math.min(100 + 10, o));

const honest = createVectorSumMechanism(CLAIMED, random);
const claimedShift = Math.floor(Math.sqrt(honest.sensitivitySquared));
const claimedDelta = discreteGaussianDelta(CLAIMED.noiseStddev, claimedShift, TEST_EPSILON);

function run(options: typeof CLAIMED | { dimension: number; clipNorm: number; granularity: number; noiseStddev: number }, update: readonly number[]) {
  const mechanism = createVectorSumMechanism(options, random);
  const zero = [0, 0];
  return dpPropertyTest(
    () => mechanism.release(update).output[0]!,
    () => mechanism.release(zero).output[0]!,
    TEST_EPSILON,
    claimedDelta,
    mergeTails,
  );
}

function report(name: string, result: { estimatedDeltas: readonly number[]; threshold: number }): void {
  console.log(`vector sum ${name}: δ' = ${result.estimatedDeltas.map((d) => d.toFixed(5)).join(', ')} vs threshold ${result.threshold.toFixed(5)}`);
}

describe('vector sum mechanism: DP property (10^6 samples per neighbour, majority of 3)', () => {
  it('claims M = 111 (shift 10) for this setup', () => {
    expect(honest.sensitivitySquared).toBe(111);
    expect(claimedShift).toBe(10);
  });

  it('honest → passes', () => {
    const result = run(CLAIMED, [10, 0]);
    report('honest', result);
    expect(result.passed, JSON.stringify(result)).toBe(true);
  });

  it('honest with an over-norm update (clipped from 30 to 10) → passes', () => {
    const result = run(CLAIMED, [30, 0]);
    report('clipped', result);
    expect(result.passed, JSON.stringify(result)).toBe(true);
  });

  it('broken: true ε = 1.25 × claimed (σ = 20) → fails', () => {
    const result = run({ ...CLAIMED, noiseStddev: 20 }, [10, 0]);
    report('broken ε', result);
    expect(result.passed).toBe(false);
  });

  it('broken: sensitivity 2 × claimed (clipNorm 20) → fails', () => {
    const result = run({ ...CLAIMED, clipNorm: 20 }, [30, 0]);
    report('broken sensitivity', result);
    expect(result.passed).toBe(false);
  });
});
