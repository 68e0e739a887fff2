/**
 * Evaluation as a feature (issue 11 §3): each device holds out its own latest steps, scores the
 * next-event model it predicts with and a baseline on them (worker/features/self-evaluation.ts),
 * and sends the counts as one DP histogram, the 'model-evaluation' task. This file is the layout
 * both ends share: the server declares the labels (server/tasks.ts), the device finds where each
 * count goes by its label (worker/federated/model-evaluation-task.ts), and the dashboard reads the
 * release back by label (demo/src/dashboard/evaluation.ts repeats the grammar: the demo may not
 * import project code).
 *
 * Label grammar: "<version slot> <count>", e.g. "v3 model hit@1", "v0 calibration 2-10% buys".
 *
 * Model versions. A device evaluates the one next-event model its profile predicts with, and puts
 * its counts under that version's slot, so the owner sees each version's quality side by side
 * (and a bad version stands out) in every release. The slots are fixed labels, not a round per
 * version: a round then needs no device to sit out because it holds another version, and devices
 * that have not yet downloaded the newest one still count, under their own. 'v0' is the profile's
 * prediction before any model arrives (the visitor's own decayed categories); versions past the
 * last slot share it ('v7+'): a server that runs more next-event rounds raises VERSION_SLOTS (a
 * new layout, so a new task name).
 */

export const MODEL_EVALUATION_TASK = 'model-evaluation';

/** Version slots, one label block each; the last pools every later version. */
export const VERSION_SLOTS = 8;

/**
 * Steps a device holds out: its latest 20 % (the share sim/experiments/next-event.ts holds out per
 * user), at least one once it has two steps, at most HELD_OUT_MAX: the cap bounds what one device
 * adds to any count, which is what EVALUATION_CLIP_NORM is derived from.
 */
export const HELD_OUT_SHARE = 0.2;
export const HELD_OUT_MAX = 10;

/**
 * "Will buy": the model's P(the next step in this session is a purchase) ≥ 0.5, i.e. it says a
 * purchase is more likely than not. A calibration edge, so the confusion counts and the top
 * calibration bin describe the same steps.
 */
export const BUY_THRESHOLD = 0.5;
/** Upper edges of the calibration bins of P(buy) (lower edge of the first: 0; the last includes 1). */
export const CALIBRATION_EDGES: readonly number[] = [0.02, 0.1, BUY_THRESHOLD, 1];

/** One device's counts over its held-out steps (worker/features/self-evaluation.ts fills them). */
export interface EvaluationCounts {
  /** Held-out steps with a category to predict (the denominator of hit@k). */
  readonly heldOut: number;
  /** Of those, how often a category of the step was ranked first / among the first five. */
  readonly model: { readonly hit1: number; readonly hit5: number };
  /** The same for the baseline: the visitor's own all-time category counts so far. */
  readonly baseline: { readonly hit1: number; readonly hit5: number };
  /** "Will buy" (BUY_THRESHOLD) against "the next step in this session was a purchase"; zeros without an action prediction. */
  readonly buy: { readonly tp: number; readonly fp: number; readonly fn: number; readonly tn: number };
  /** Per CALIBRATION_EDGES bin: steps whose P(buy) fell in it, purchases among them, Σ P(buy) over them. */
  readonly calibration: readonly { readonly steps: number; readonly buys: number; readonly expected: number }[];
}

/** "v0" … "v6", then "v7+". */
export function versionSlot(version: number): string {
  if (!Number.isInteger(version) || version < 0) throw new RangeError(`version must be an integer ≥ 0; got ${version}`);
  return version >= VERSION_SLOTS - 1 ? `v${VERSION_SLOTS - 1}+` : `v${version}`;
}

function calibrationBin(i: number): string {
  const percent = (p: number): string => String(Math.round(p * 100));
  return `calibration ${percent(i === 0 ? 0 : CALIBRATION_EDGES[i - 1]!)}-${percent(CALIBRATION_EDGES[i]!)}%`;
}

/** The counts of one slot, named and in label order. */
export function namedCounts(counts: EvaluationCounts): [name: string, value: number][] {
  if (counts.calibration.length !== CALIBRATION_EDGES.length) {
    throw new RangeError(`calibration must have ${CALIBRATION_EDGES.length} bins; got ${counts.calibration.length}`);
  }
  return [
    ['held-out', counts.heldOut],
    ['model hit@1', counts.model.hit1],
    ['model hit@5', counts.model.hit5],
    ['baseline hit@1', counts.baseline.hit1],
    ['baseline hit@5', counts.baseline.hit5],
    ['buy TP', counts.buy.tp],
    ['buy FP', counts.buy.fp],
    ['buy FN', counts.buy.fn],
    ['buy TN', counts.buy.tn],
    ...counts.calibration.flatMap((bin, i): [string, number][] => [
      [`${calibrationBin(i)} steps`, bin.steps],
      [`${calibrationBin(i)} buys`, bin.buys],
      [`${calibrationBin(i)} expected`, bin.expected],
    ]),
  ];
}

/** All counts zero: the names of a slot's labels. */
export function emptyCounts(): EvaluationCounts {
  return {
    heldOut: 0,
    model: { hit1: 0, hit5: 0 },
    baseline: { hit1: 0, hit5: 0 },
    buy: { tp: 0, fp: 0, fn: 0, tn: 0 },
    calibration: CALIBRATION_EDGES.map(() => ({ steps: 0, buys: 0, expected: 0 })),
  };
}

/** The task's labels: every slot's counts, slot by slot (21 × 8 = 168). */
export function modelEvaluationLabels(): string[] {
  const names = namedCounts(emptyCounts()).map(([name]) => name);
  return Array.from({ length: VERSION_SLOTS }, (_, v) => versionSlot(v)).flatMap((slot) => names.map((name) => `${slot} ${name}`));
}

/**
 * The L2 bound of one device's vector, exact for any history (so nothing is ever scaled by the
 * clip, which would weigh devices' counts unevenly). A device fills one slot; with h ≤ HELD_OUT_MAX
 * held-out steps: the held-out count and the four hit counts are each ≤ h (5 h²); the four
 * confusion counts add up to ≤ h (Σ x² ≤ (Σ x)² ≤ h²), and so do the calibration bins' steps, their
 * buys and their expected values (3 h²). ‖v‖² ≤ 9 h² ≤ (3 · HELD_OUT_MAX)².
 */
export const EVALUATION_CLIP_NORM = 3 * HELD_OUT_MAX;
