/**
 * The 'model-evaluation' task's releases read back as quality per model version (issue 11 §3).
 * Each device held out its latest steps, scored the next-event model it predicts with and a
 * baseline (its own all-time category counts) on them, and sent the counts under its version's
 * labels, noised. Labels are "<version slot> <count>" (core/models/model-evaluation.ts; repeated
 * here because the dashboard may not import project code).
 *
 * Error bars: a figure is a ratio r = a / b of noised sums. Every released value carries
 * independent noise of standard deviation σ (the server states it), so by the delta method
 *   Var(r) ≈ (Var a + r² Var b − 2 r Cov(a, b)) / b²,
 * e.g. σ² (1 + r²) / b² for hit@k = hits / held-out steps; the bar is ±1.96 √Var(r), a 95 %
 * interval for the DP noise alone (which visitors happened to take part adds sampling error on top).
 * Pure, so it is tested without a browser (evaluation.test.ts).
 */
import type { HistogramAggregate } from './stats.js';
import { Z95 } from './error-bars.js';

export const MODEL_EVALUATION_TASK = 'model-evaluation';

/** value ± half: a 95 % interval for the noise. */
export interface Interval {
  readonly value: number;
  readonly half: number;
}

export interface CalibrationBin {
  /** "0-2%" */
  readonly range: string;
  /** Held-out steps whose P(buy) fell in the bin (noised). */
  readonly steps: number;
  /** Mean P(buy) the model gave them, and the share that was a purchase; null while the bin is noise. */
  readonly predicted: number | null;
  readonly observed: Interval | null;
}

export interface VersionQuality {
  /** "v0" (no model yet: the visitor's own decayed categories), "v3", "v7+" (7 and later). */
  readonly version: string;
  /** Held-out steps with a category (noised). */
  readonly heldOut: number;
  readonly model: { readonly hit1: Interval | null; readonly hit5: Interval | null };
  readonly baseline: { readonly hit1: Interval | null; readonly hit5: Interval | null };
  /** "Will buy" (P(buy) ≥ 50 %) against a purchase as the next step; null figures where the counts are noise. */
  readonly buy: { readonly steps: number; readonly precision: Interval | null; readonly recall: Interval | null; readonly f1: Interval | null };
  readonly calibration: readonly CalibrationBin[];
}

export interface EvaluationSummary {
  /** Versions whose held-out steps stand clear of the noise, in version order. */
  readonly versions: readonly VersionQuality[];
  /** Versions present in the labels but too few steps to read (their counts are within the noise). */
  readonly unreadable: readonly string[];
  readonly rounds: number;
  readonly contributions: number;
  /** σ of the noise in each summed value. */
  readonly stddev: number;
}

/**
 * r = a / b and its 95 % half-width, or null while b does not stand clear of its own noise (then
 * the ratio says nothing). Variances in units of σ².
 */
export function ratioInterval(a: number, b: number, sigma: number, varA: number, varB: number, cov: number): Interval | null {
  if (!(b > Z95 * sigma * Math.sqrt(varB))) return null;
  const r = a / b;
  const variance = Math.max(0, varA + r * r * varB - 2 * r * cov) * sigma * sigma;
  return { value: r, half: (Z95 * Math.sqrt(variance)) / b };
}

const LABEL = /^(v\d+\+?) (.+)$/;
const CALIBRATION = /^calibration (\d+-\d+%) (steps|buys|expected)$/;

/**
 * The releases added up (each round's devices counted again: a visitor may take part in every
 * round), read per version.
 * @example summariseEvaluation(task.aggregates).versions[0].model.hit1 // { value: 0.31, half: 0.04 }
 */
export function summariseEvaluation(aggregates: readonly HistogramAggregate[]): EvaluationSummary {
  const sums = new Map<string, Map<string, number>>();
  for (const aggregate of aggregates) {
    aggregate.labels.forEach((label, i) => {
      const match = LABEL.exec(label);
      if (match === null) return;
      const counts = sums.get(match[1]!) ?? new Map<string, number>();
      counts.set(match[2]!, (counts.get(match[2]!) ?? 0) + (aggregate.values[i] ?? 0));
      sums.set(match[1]!, counts);
    });
  }
  // Independent noise in each release: variances add.
  const sigma = Math.sqrt(aggregates.reduce((sum, a) => sum + a.stddev * a.stddev, 0));
  const versions: VersionQuality[] = [];
  const unreadable: string[] = [];
  const order = (v: string): number => Number.parseInt(v.slice(1), 10);
  for (const [version, counts] of [...sums].sort(([a], [b]) => order(a) - order(b))) {
    const get = (name: string): number => counts.get(name) ?? 0;
    const heldOut = get('held-out');
    const hit = (name: string): Interval | null => ratioInterval(get(name), heldOut, sigma, 1, 1, 0);
    const [tp, fp, fn] = [get('buy TP'), get('buy FP'), get('buy FN')];
    const buySteps = tp + fp + fn + get('buy TN');
    if (!(heldOut > Z95 * sigma) && !(buySteps > 2 * Z95 * sigma)) {
      unreadable.push(version);
      continue;
    }
    versions.push({
      version,
      heldOut,
      model: { hit1: hit('model hit@1'), hit5: hit('model hit@5') },
      baseline: { hit1: hit('baseline hit@1'), hit5: hit('baseline hit@5') },
      buy: {
        steps: buySteps,
        // precision = TP / (TP + FP): Var a = σ², Var b = 2σ², Cov = σ² (TP is in both).
        precision: ratioInterval(tp, tp + fp, sigma, 1, 2, 1),
        recall: ratioInterval(tp, tp + fn, sigma, 1, 2, 1),
        // F1 = 2TP / (2TP + FP + FN): Var a = 4σ², Var b = 6σ², Cov = 4σ².
        f1: ratioInterval(2 * tp, 2 * tp + fp + fn, sigma, 4, 6, 4),
      },
      calibration: calibrationBins(counts, sigma),
    });
  }
  return { versions, unreadable, rounds: aggregates.length, contributions: aggregates.reduce((sum, a) => sum + a.contributions, 0), stddev: sigma };
}

function calibrationBins(counts: ReadonlyMap<string, number>, sigma: number): CalibrationBin[] {
  const bins = new Map<string, { steps: number; buys: number; expected: number }>();
  for (const [name, value] of counts) {
    const match = CALIBRATION.exec(name);
    if (match === null) continue;
    const bin = bins.get(match[1]!) ?? { steps: 0, buys: 0, expected: 0 };
    bin[match[2] as 'steps' | 'buys' | 'expected'] = value;
    bins.set(match[1]!, bin);
  }
  return [...bins].map(([range, bin]) => {
    const predicted = ratioInterval(bin.expected, bin.steps, sigma, 1, 1, 0);
    return { range, steps: bin.steps, predicted: predicted === null ? null : predicted.value, observed: ratioInterval(bin.buys, bin.steps, sigma, 1, 1, 0) };
  });
}
