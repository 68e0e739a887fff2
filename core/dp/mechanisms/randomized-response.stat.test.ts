/**
 * Slow tier: DP-property test of k-ary randomized response (Google-style, dp-property.testkit.ts).
 * Neighbours: the device's value is 0 (A) or 1 (B); outputs are the k = 4 categories; each side
 * is sampled 10^6 times per run; a run passes when δ' ≤ 0 + 0.0025 (pure ε claimed); majority of 3.
 * The likelihood ratio is exactly e^ε on output 0, so δ' there is pure sampling error: at ε = 0.5
 * its sd is 0.00083 and a run falsely fails with probability ≈ 3·10⁻³ (3 sd, two orders); the vote
 * with ≈ 3·10⁻⁵.
 * Broken variants must fail: true ε = 1.25 × claimed (true δ' ≈ 0.046), and "sensitivity 2": the
 * value reported twice under one claimed ε (two independent reports, output = the pair).
 */
import { describe, expect, it } from 'vitest';
import { secureRandom } from '../random.js';
import { dpPropertyTest } from './dp-property.testkit.js';
import { createRandomizedResponse } from './randomized-response.js';

const random = secureRandom();
const EPSILON = 0.5;
const K = 4;

function report(name: string, result: { estimatedDeltas: readonly number[]; threshold: number }): void {
  console.log(`randomized response ${name}: δ' = ${result.estimatedDeltas.map((d) => d.toFixed(5)).join(', ')} vs threshold ${result.threshold.toFixed(5)}`);
}

describe('randomized response: DP property (10^6 samples per neighbour, majority of 3)', () => {
  it('honest → passes', () => {
    const rr = createRandomizedResponse({ epsilon: EPSILON, categories: K }, random);
    const result = dpPropertyTest(() => rr.release(0).output, () => rr.release(1).output, EPSILON, 0);
    report('honest', result);
    expect(result.passed, JSON.stringify(result)).toBe(true);
  });

  it('broken: true ε = 1.25 × claimed → fails', () => {
    const rr = createRandomizedResponse({ epsilon: 1.25 * EPSILON, categories: K }, random);
    const result = dpPropertyTest(() => rr.release(0).output, () => rr.release(1).output, EPSILON, 0);
    report('broken ε', result);
    expect(result.passed).toBe(false);
  });

  it('broken: sensitivity 2 (two reports of the value, one ε claimed) → fails', () => {
    const rr = createRandomizedResponse({ epsilon: EPSILON, categories: K }, random);
    const twice = (value: number) => () => rr.release(value).output * K + rr.release(value).output;
    const result = dpPropertyTest(twice(0), twice(1), EPSILON, 0);
    report('broken sensitivity', result);
    expect(result.passed).toBe(false);
  });
});
