import { describe, expect, it } from 'vitest';
import { emptyActivity } from './activity.js';
import { emptyExampleRing, initialPropensity, predictPropensity, PROPENSITY_EXAMPLES_KEPT, PROPENSITY_FEATURE_COUNT, propensityFeatures, pushExample, ringExamples, sgdStep } from './propensity.js';

describe('propensity', () => {
  it('starts at the documented 3 % prior with a flat Float32Array of the documented length', () => {
    const { weights } = initialPropensity();
    expect(weights).toBeInstanceOf(Float32Array);
    expect(weights).toHaveLength(PROPENSITY_FEATURE_COUNT);
    const x = propensityFeatures(emptyActivity(), 0, { shortMs: 60_000, longMs: 1e10 });
    expect(predictPropensity(weights, x)).toBeCloseTo(0.03, 6);
  });

  it('separates buyers (cart full) from browsers after SGD on labelled examples', () => {
    let { weights } = initialPropensity();
    const buyer = new Float32Array([1, 1, 1, 0, 1, 1, 0, 0, 1]);
    const browser = new Float32Array([1, 1, 0, 0, 1, 1, 0, 0, 0]);
    for (let i = 0; i < 500; i++) {
      weights = sgdStep(weights, buyer, 1, 0.1);
      weights = sgdStep(weights, browser, 0, 0.1);
    }
    expect(predictPropensity(weights, buyer)).toBeGreaterThan(0.8);
    expect(predictPropensity(weights, browser)).toBeLessThan(0.2);
  });
});

describe('example ring', () => {
  it('keeps the most recent PROPENSITY_EXAMPLES_KEPT examples, oldest first', () => {
    const ring = emptyExampleRing();
    const total = PROPENSITY_EXAMPLES_KEPT + 5;
    for (let i = 0; i < total; i++) pushExample(ring, new Float32Array(PROPENSITY_FEATURE_COUNT).fill(i), i % 2 === 0 ? 1 : 0);
    const examples = ringExamples(ring);
    expect(examples).toHaveLength(PROPENSITY_EXAMPLES_KEPT);
    expect(examples[0]!.x[3]).toBe(5);
    expect(examples[0]!.y).toBe(0);
    expect(examples.at(-1)!.x[0]).toBe(total - 1);
  });
});
