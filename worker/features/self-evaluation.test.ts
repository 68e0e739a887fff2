import { describe, expect, it } from 'vitest';
import { NEXT_ACTIONS, nextEventLayout, SESSION_GAP_MS } from '../../core/models/next-event.js';
import type { NextEventModel } from './next-event-prediction.js';
import { calibrationBinOf, evaluateSelf, heldOutSteps } from './self-evaluation.js';
import type { SequenceEntry } from './sequence.js';

const T0 = Date.UTC(2026, 11, 1);
const MINUTE = 60_000;
const vocabulary = ['Drama', 'Sci-Fi', 'Comedy'];
const shape = { categories: 3, embed: 4, hidden: 6 };

/**
 * A model whose answer is known exactly: every weight zero (the GRU's state stays 0, β ignores the
 * visitor's shares) except the heads' biases, so P(category) and P(action) are softmaxes of them.
 */
function fixedModel(favourite: string, buyLogit: number): NextEventModel {
  const layout = nextEventLayout(shape);
  const weights = new Float32Array(layout.size);
  weights[layout.bc + vocabulary.indexOf(favourite)] = 20;
  weights[layout.ba + NEXT_ACTIONS.indexOf('buy')] = buyLogit;
  return { version: 3, vocabulary, shape, weights };
}

/** Eight Drama views, a Sci-Fi view, then a Drama purchase a minute later: the last two are held out. */
function visit(buyGapMs = MINUTE): SequenceEntry[] {
  const steps: SequenceEntry[] = Array.from({ length: 8 }, (_, i) => ({ categories: ['Drama'], action: 'view', at: T0 + i * MINUTE }));
  steps.push({ categories: ['Sci-Fi/Space Opera'], action: 'view', at: T0 + 8 * MINUTE });
  steps.push({ categories: ['Drama'], action: 'buy', at: T0 + 8 * MINUTE + buyGapMs });
  return steps;
}

describe('self-evaluation', () => {
  it('holds out the latest 20 %, at least one step once there are two, at most ten', () => {
    expect([0, 1, 2, 9, 10, 49, 50, 128].map(heldOutSteps)).toEqual([0, 0, 1, 1, 2, 9, 10, 10]);
    expect(evaluateSelf([], null)).toBeNull();
    expect(evaluateSelf(visit().slice(0, 1), null)).toBeNull();
  });

  it('counts hit@1 / hit@5 for the model and for the visitor\'s all-time counts, a top level naming its sub-categories', () => {
    const counts = evaluateSelf(visit(), fixedModel('Sci-Fi', 0))!;
    expect(counts.heldOut).toBe(2);
    // The model always says Sci-Fi (and lists nothing else above 1 %): right on the Sci-Fi/Space Opera view only.
    expect(counts.model).toEqual({ hit1: 1, hit5: 1 });
    // All-time counts say Drama: wrong on the Sci-Fi view; right on the Drama purchase.
    expect(counts.baseline).toEqual({ hit1: 1, hit5: 1 });
  });

  it('before any model, scores the profile\'s own prediction and has no action prediction to score', () => {
    const counts = evaluateSelf(visit(), null)!;
    expect(counts.heldOut).toBe(2);
    // Personal decays only: the Sci-Fi view is new to them; the purchase is Drama, by far the visitor's commonest.
    expect(counts.model).toEqual({ hit1: 1, hit5: 1 });
    expect(counts.buy).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0 });
    expect(counts.calibration.every((bin) => bin.steps === 0 && bin.expected === 0)).toBe(true);
  });

  it('scores "will buy" against a purchase in the same session, with the calibration bins', () => {
    const sure = evaluateSelf(visit(), fixedModel('Drama', 20))!;
    expect(sure.buy).toEqual({ tp: 1, fp: 1, fn: 0, tn: 0 });
    const top = sure.calibration[sure.calibration.length - 1]!;
    expect(top.steps).toBe(2);
    expect(top.buys).toBe(1);
    expect(top.expected).toBeCloseTo(2, 5);

    const never = evaluateSelf(visit(), fixedModel('Drama', -20))!;
    expect(never.buy).toEqual({ tp: 0, fp: 0, fn: 1, tn: 1 });
    expect(never.calibration[0]).toMatchObject({ steps: 2, buys: 1 });

    // A purchase after a 30-minute gap opens a new session: the model's target there is 'leave'.
    const later = evaluateSelf(visit(SESSION_GAP_MS + MINUTE), fixedModel('Drama', 20))!;
    expect(later.buy).toEqual({ tp: 0, fp: 2, fn: 0, tn: 0 });
  });

  it('scores steps without a category (a search) for "will buy" only', () => {
    const steps = visit();
    steps.push({ categories: [], action: 'search', at: T0 + 10 * MINUTE }, { categories: [], action: 'search', at: T0 + 11 * MINUTE });
    const counts = evaluateSelf(steps, fixedModel('Drama', 0))!;
    // 12 steps → 2 held out, both searches: nothing to rank, two action predictions.
    expect(counts.heldOut).toBe(0);
    expect(counts.model).toEqual({ hit1: 0, hit5: 0 });
    expect(counts.buy.tp + counts.buy.fp + counts.buy.fn + counts.buy.tn).toBe(2);
  });

  it('bins probabilities with each bin holding its lower edge', () => {
    expect([0, 0.0199, 0.02, 0.099, 0.1, 0.4999, 0.5, 1].map(calibrationBinOf)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
});
