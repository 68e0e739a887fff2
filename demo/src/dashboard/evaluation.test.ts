import { describe, expect, it } from 'vitest';
// The dashboard repeats the label grammar (it may not import project code); this test holds the two together.
import { emptyCounts, modelEvaluationLabels, namedCounts } from '../../../core/models/model-evaluation.js';
import { ratioInterval, summariseEvaluation } from './evaluation.js';
import { evaluationCaption } from './evaluation-view.js';
import type { HistogramAggregate } from './stats.js';

const labels = modelEvaluationLabels();

/** A release whose per-label values are given by name (the rest zero). */
function release(values: Record<string, number>, stddev: number, contributions = 100): HistogramAggregate {
  for (const label of Object.keys(values)) if (!labels.includes(label)) throw new Error(`no label ${label}`);
  return { roundId: 'model-evaluation-v1-x', labels, values: labels.map((l) => values[l] ?? 0), stddev, contributions };
}

describe('model evaluation on the dashboard', () => {
  it('reads every label the devices send', () => {
    const names = namedCounts(emptyCounts()).map(([name]) => name);
    const everything = Object.fromEntries(labels.map((l) => [l, 1000]));
    const summary = summariseEvaluation([release(everything, 1)]);
    expect(summary.versions.map((v) => v.version)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7+']);
    expect(summary.versions[0]!.calibration.map((b) => b.range)).toEqual(['0-2%', '2-10%', '10-50%', '50-100%']);
    expect(names).toContain('held-out');
  });

  it('gives hit@k, precision, recall and F1 per version, adding the rounds up', () => {
    const one = release({ 'v2 held-out': 600, 'v2 model hit@1': 180, 'v2 model hit@5': 420, 'v2 baseline hit@1': 150, 'v2 baseline hit@5': 390, 'v2 buy TP': 20, 'v2 buy FP': 20, 'v2 buy FN': 60, 'v2 buy TN': 500 }, 3);
    const summary = summariseEvaluation([one, one]);
    expect(summary.rounds).toBe(2);
    expect(summary.contributions).toBe(200);
    expect(summary.stddev).toBeCloseTo(3 * Math.SQRT2, 10);
    expect(summary.unreadable).toEqual(['v0', 'v1', 'v3', 'v4', 'v5', 'v6', 'v7+']);
    const [v2] = summary.versions;
    expect(v2!.version).toBe('v2');
    expect(v2!.model.hit1!.value).toBeCloseTo(0.3, 10);
    expect(v2!.baseline.hit5!.value).toBeCloseTo(0.65, 10);
    // ±1.96 σ √(1 + r²) / n with σ = 3√2, n = 1200.
    expect(v2!.model.hit1!.half).toBeCloseTo((1.96 * 3 * Math.SQRT2 * Math.sqrt(1 + 0.09)) / 1200, 10);
    expect(v2!.buy.precision!.value).toBeCloseTo(0.5, 10);
    expect(v2!.buy.recall!.value).toBeCloseTo(0.25, 10);
    expect(v2!.buy.f1!.value).toBeCloseTo(1 / 3, 10);
    expect(evaluationCaption(summary).join(' ')).toContain('2 released rounds, 200 contributions');
  });

  it('says nothing of a ratio whose denominator is within the noise', () => {
    expect(ratioInterval(3, 5, 10, 1, 1, 0)).toBeNull();
    const interval = ratioInterval(30, 50, 10, 1, 1, 0)!;
    expect(interval.value).toBeCloseTo(0.6, 12);
    expect(interval.half).toBeCloseTo((1.96 * 10 * Math.sqrt(1.36)) / 50, 12);
  });

  it('bars cover the true ratio about 95 % of the time under Gaussian noise of the stated σ', () => {
    // 4,000 noised releases of hit@1 = 300 / 1000 with σ = 40: coverage's standard error is 0.0034,
    // so [0.93, 0.97] fails by chance with probability < 10⁻⁸ (and the generator is seeded).
    let seed = 12345;
    const uniform = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const sigma = 40;
    let covered = 0;
    const trials = 4000;
    for (let i = 0; i < trials; i++) {
      const interval = ratioInterval(300 + sigma * normal(), 1000 + sigma * normal(), sigma, 1, 1, 0)!;
      if (Math.abs(interval.value - 0.3) <= interval.half) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.97);
  });
});
