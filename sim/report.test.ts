import { describe, expect, it } from 'vitest';
import { compareHistogram } from './category-histogram.js';
import { checkTargets, evaluationJson, formatEvaluation, formatHistogram, type Evaluation } from './report.js';

const quality = (hitRate: number, ndcg = hitRate / 4) => ({ hitRate, ndcg, users: 100, k: 10 });

function evaluation(fedDp: number, epsilon = 7.5): Evaluation {
  return {
    popularity: { method: 'popularity', quality: quality(0.25), privacy: 'counts' },
    central: { method: 'central', quality: quality(0.5), privacy: 'none' },
    federated: { method: 'fed', quality: quality(0.48), privacy: 'none' },
    federatedDp: { method: 'fed-dp', quality: quality(fedDp), privacy: `ε = ${epsilon}` },
    epsilonSpent: epsilon,
    delta: 1e-6,
  };
}

describe('checkTargets', () => {
  it('passes at ≥ 90 % of centralized and ≥ 1.25× popularity within ε ≤ 8, and federated without DP at ≥ 95 %', () => {
    expect(checkTargets(evaluation(0.46)).map((c) => c.pass)).toEqual([true, true, true, true]);
  });

  it('fails each target on its own', () => {
    // 0.44 < 0.9 × 0.5 = 0.45, but ≥ 1.25 × 0.25 = 0.3125.
    expect(checkTargets(evaluation(0.44)).map((c) => c.pass)).toEqual([false, true, true, true]);
    // 0.3 < 1.25 × 0.25 = 0.3125.
    expect(checkTargets(evaluation(0.3)).map((c) => c.pass)).toEqual([false, false, true, true]);
    // Good quality bought with too much privacy loss fails every DP target.
    expect(checkTargets(evaluation(0.5, 9)).map((c) => c.pass)).toEqual([false, false, false, true]);
    // Federated without DP below 95 % of centralized.
    expect(checkTargets({ ...evaluation(0.46), federated: { method: 'fed', quality: quality(0.47), privacy: 'none' } })[3]!.pass).toBe(false);
  });
});

describe('evaluationJson', () => {
  it('writes the four rows in the issue’s schema, ε and δ only for federated-dp', () => {
    const json = evaluationJson('ml-latest-small', evaluation(0.46));
    expect(json).toEqual({
      dataset: 'ml-latest-small',
      rows: [
        { method: 'popularity', hr10: 0.25, ndcg10: 0.0625, epsilon: null, delta: null },
        { method: 'centralized', hr10: 0.5, ndcg10: 0.125, epsilon: null, delta: null },
        { method: 'federated', hr10: 0.48, ndcg10: 0.12, epsilon: null, delta: null },
        { method: 'federated-dp', hr10: 0.46, ndcg10: 0.115, epsilon: 7.5, delta: 1e-6 },
      ],
    });
  });
});

describe('formatEvaluation', () => {
  it('prints one row per method with the ratios, then the verdicts', () => {
    const text = formatEvaluation(evaluation(0.2));
    expect(text).toContain('| fed-dp | 0.2000 | 0.0500 | 0.40 | 0.80× | 100 | ε = 7.5 |');
    expect(text).toContain('| fed-DP HR@10 / popularity HR@10 | 0.800 | ≥ 1.25 | FAIL |');
    // Two header rows, four methods, four targets (separator rows start with '|-').
    expect(text.split('\n').filter((l) => l.startsWith('| ')).length).toBe(2 + 4 + 4);
  });
});

describe('formatHistogram', () => {
  const comparison = compareHistogram({ roundId: 'r9', labels: ['Action', 'Drama', 'Comedy'], values: [0.8, 6.1, 3.6], projected: [0.4, 5.7, 3.9], stddev: 0.5, contributions: 10 }, [1, 6, 3]);

  it('prints the released histogram beside the true one, most common true genre first, then the errors', () => {
    const text = formatHistogram(comparison, 'ε = 8');
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| genre'));
    expect(rows).toEqual([
      '| Drama | 6 | 60.0 % | 6.1 | 5.7 | +0.1 |',
      '| Comedy | 3 | 30.0 % | 3.6 | 3.9 | +0.6 |',
      '| Action | 1 | 10.0 % | 0.8 | 0.4 | −0.2 |',
    ]);
    expect(text).toContain('Category histogram (round r9, 10 devices, ε = 8): σ = 0.50 per genre (95 %: ±0.98).');
    expect(text).toContain('max |released − true| = 0.60 (1.20 σ), post-processed 0.90;');
    expect(text).toContain('total variation distance of the shares 0.0450, post-processed 0.0900.');
  });

  it('goes into --json beside the rows', () => {
    expect(evaluationJson('ml-latest-small', evaluation(0.46), comparison).categoryHistogram).toBe(comparison);
    expect('categoryHistogram' in evaluationJson('ml-latest-small', evaluation(0.46))).toBe(false);
  });
});
