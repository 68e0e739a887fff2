import { describe, expect, it } from 'vitest';
import {
  initialNextEventWeights,
  lossAndGradient,
  nextEventLayout,
  predictNext,
  predictSequence,
  trainOnSequence,
  type NextEventShape,
  type SequenceStep,
} from './next-event.js';
import { seededUniform } from './seeded-uniform.js';

const shape: NextEventShape = { categories: 5, embed: 3, hidden: 4 };

const HOUR = 3_600_000;
const steps: SequenceStep[] = [
  { categories: [0], action: 'view', at: 0 },
  { categories: [1, 2], action: 'view', at: 60_000 },
  { categories: [], action: 'search', at: 120_000 },
  { categories: [2], action: 'cart', at: 2 * HOUR },
  { categories: [3], action: 'buy', at: 2 * HOUR + 1000 },
  { categories: [0, 4], action: 'wishlist', at: 90 * 86_400_000 },
];

describe('next-event model', () => {
  it('matches a finite-difference gradient on every tensor', () => {
    const w = initialNextEventWeights(shape, seededUniform(1));
    // Random β and biases so no gradient is trivially zero.
    const rng = seededUniform(2);
    for (let i = 0; i < w.length; i++) w[i]! += (rng() - 0.5) * 0.2;
    const { gradient } = lossAndGradient(shape, w, steps);
    const L = nextEventLayout(shape);
    const probes = [L.catEmbed, L.wx + 7, L.wh + 5, L.wh + 2 * shape.hidden + 1, L.b + 3, L.b + 9, L.wc + 2, L.bc + 1, L.beta, L.beta + 4, L.wa + 1, L.ba + 3];
    const eps = 1e-3;
    for (const i of probes) {
      const plus = Float32Array.from(w);
      const minus = Float32Array.from(w);
      plus[i]! += eps;
      minus[i]! -= eps;
      const numeric = (lossAndGradient(shape, plus, steps).loss - lossAndGradient(shape, minus, steps).loss) / (2 * eps);
      expect(gradient[i], `parameter ${i}`).toBeCloseTo(numeric, 3);
    }
  });

  it('predicts distributions that sum to 1, after every step', () => {
    const w = initialNextEventWeights(shape, seededUniform(3));
    const all = predictSequence(shape, w, steps);
    expect(all).toHaveLength(steps.length);
    for (const p of all) {
      expect(p.categories.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.actions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(predictNext(shape, w, [])).toBeNull();
    // predictNext runs the heads only after the last step: the same answer.
    expect(predictNext(shape, w, steps)).toEqual(all[all.length - 1]);
  });

  it('learns a repeated transition by local training', () => {
    // 0 → 1 → 0 → 1 …: after training, after a 0 the model puts 1 first.
    const cycle: SequenceStep[] = Array.from({ length: 40 }, (_, t) => ({ categories: [t % 2], action: 'view', at: t * 60_000 }));
    const w0 = initialNextEventWeights(shape, seededUniform(4));
    const { weights } = trainOnSequence(shape, w0, cycle, { learningRate: 0.5, epochs: 30, window: 16 });
    const after0 = predictNext(shape, weights, cycle.slice(0, 39))!;
    const after1 = predictNext(shape, weights, cycle)!;
    expect(after0.categories[1]).toBeGreaterThan(0.5);
    expect(after1.categories[0]).toBeGreaterThan(0.5);
  });

  it('handles huge gaps, a clock going backwards and unknown-only steps', () => {
    const w = initialNextEventWeights(shape, seededUniform(5));
    const odd: SequenceStep[] = [
      { categories: [1], action: 'view', at: 1e12 },
      { categories: [], action: 'other', at: 1e12 - 86_400_000 },
      { categories: [2], action: 'view', at: 1e12 + 10 * 365 * 86_400_000 },
    ];
    const p = predictNext(shape, w, odd)!;
    for (const v of p.categories) expect(Number.isFinite(v)).toBe(true);
    expect(() => predictNext(shape, w, [{ categories: [9], action: 'view', at: 0 }])).toThrow(/category index must be an integer in \[0, 5\)/);
    expect(() => predictNext(shape, new Float32Array(3), steps)).toThrow(/expected \d+ floats/);
  });
});
