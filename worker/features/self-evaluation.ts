/**
 * The device scores its own predictions (issue 11 §3): it holds out its latest steps, predicts
 * each from the steps before it with the predictor profile() uses (predictNextEvent, with the
 * model the engine has adopted, or none), and counts:
 * - next category: hit@1 / hit@5 (a hit: one of the step's categories is ranked first / among the
 *   listed top five), for the model and for a baseline, the visitor's own all-time category
 *   counts so far (sim/experiments/next-event.ts's "all-time counts"; the population's popularity
 *   needs data the device does not have), ties to the most recent;
 * - "will buy": P(buy) ≥ BUY_THRESHOLD against whether the next step in the session was a
 *   purchase, the event the model's action head predicts (core/models/next-event.ts
 *   nextActionTarget: a step after a 30-minute gap is a new session, so the target is 'leave'),
 *   and the calibration bins of P(buy). Without a trained model there is no action prediction:
 *   these stay zero.
 * The counts go to the 'model-evaluation' task (worker/federated/model-evaluation-task.ts).
 *
 * One caveat the dashboard states: the global model may have been trained on these same steps
 * (the next-event task trains on the whole sequence), one device of many and under DP noise, so
 * the model's figures can be a little optimistic; the baseline's cannot.
 */
import {
  BUY_THRESHOLD,
  CALIBRATION_EDGES,
  HELD_OUT_MAX,
  HELD_OUT_SHARE,
  type EvaluationCounts,
} from '../../core/models/model-evaluation.js';
import { nextActionTarget, type SequenceStep } from '../../core/models/next-event.js';
import { predictNextEvent, type NextEventModel } from './next-event-prediction.js';
import type { SequenceEntry } from './sequence.js';

/** hit@k's larger k (the profile lists at most five categories). */
const TOP_K = 5;

/** How many of the latest steps to hold out: 0 below two steps (nothing to predict from). */
export function heldOutSteps(length: number): number {
  if (length < 2) return 0;
  return Math.min(HELD_OUT_MAX, Math.max(1, Math.floor(length * HELD_OUT_SHARE)));
}

/**
 * The counts over the held-out steps, or null when there is nothing to score.
 * @example evaluateSelf(await engine.sequence(), await engine.nextEventModelInUse());
 */
export function evaluateSelf(sequence: readonly SequenceEntry[], model: NextEventModel | null): EvaluationCounts | null {
  const held = heldOutSteps(sequence.length);
  if (held === 0) return null;
  let heldOut = 0;
  const hits = { model: { hit1: 0, hit5: 0 }, baseline: { hit1: 0, hit5: 0 } };
  const buy = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const calibration = CALIBRATION_EDGES.map(() => ({ steps: 0, buys: 0, expected: 0 }));
  for (let t = sequence.length - held; t < sequence.length; t++) {
    const before = sequence.slice(0, t);
    const step = sequence[t]!;
    const prediction = predictNextEvent(before, model);
    if (step.categories.length > 0) {
      heldOut++;
      count(hits.model, prediction.nextCategories.map((c) => c.category), step.categories);
      count(hits.baseline, allTimeRanking(before), step.categories);
    }
    if (prediction.nextAction === null) continue;
    const p = prediction.nextAction.buy;
    const bought = nextActionTarget(actionOnly(before[before.length - 1]!), actionOnly(step)) === 'buy';
    const predicted = p >= BUY_THRESHOLD;
    if (predicted && bought) buy.tp++;
    else if (predicted) buy.fp++;
    else if (bought) buy.fn++;
    else buy.tn++;
    const bin = calibration[calibrationBinOf(p)]!;
    bin.steps++;
    bin.expected += p;
    if (bought) bin.buys++;
  }
  return { heldOut, model: hits.model, baseline: hits.baseline, buy, calibration };
}

/** The bin of CALIBRATION_EDGES a probability falls in (each bin includes its lower edge). */
export function calibrationBinOf(p: number): number {
  const i = CALIBRATION_EDGES.findIndex((edge) => p < edge);
  return i < 0 ? CALIBRATION_EDGES.length - 1 : i;
}

function count(into: { hit1: number; hit5: number }, ranking: readonly string[], truth: readonly string[]): void {
  const top = ranking.slice(0, TOP_K);
  if (top.length > 0 && truth.some((c) => sameCategory(top[0]!, c))) into.hit1++;
  if (top.some((label) => truth.some((c) => sameCategory(label, c)))) into.hit5++;
}

/**
 * A ranked label names a step's category by its full path or its top level, as
 * stepsInVocabulary (sequence.ts) maps a category onto a model's vocabulary: "Sci-Fi" names
 * "Sci-Fi/Space Opera".
 */
function sameCategory(label: string, category: string): boolean {
  const l = label.toLowerCase();
  const c = category.toLowerCase();
  return l === c || l === c.split('/')[0];
}

/** The visitor's categories by how often they occurred so far, ties to the most recent. */
function allTimeRanking(before: readonly SequenceEntry[]): string[] {
  const counts = new Map<string, { n: number; last: number }>();
  before.forEach((entry, i) => {
    for (const c of entry.categories) counts.set(c, { n: (counts.get(c)?.n ?? 0) + 1, last: i });
  });
  return [...counts].sort(([, a], [, b]) => b.n - a.n || b.last - a.last).map(([c]) => c);
}

/** nextActionTarget reads only the action and the time. */
function actionOnly(entry: SequenceEntry): SequenceStep {
  return { categories: [], action: entry.action, at: entry.at };
}
