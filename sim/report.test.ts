import { describe, expect, it } from 'vitest';
import { checkTargets, evaluationJson, formatEvaluation, type Evaluation } from './report.js';

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
