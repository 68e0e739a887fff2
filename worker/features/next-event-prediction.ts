/**
 * What the visitor will do next, from their recent sequence (sequence.ts) and the federated
 * next-event model (core/models/next-event.ts) once the device has one. Before that, the model's
 * personal part alone answers (every GRU weight zero, β at its initial blend of decays over the
 * categories the visitor met): a blend of fixed decays, within 1 % of the best one in
 * sim/experiments/next-event.ts, and no action prediction (nothing to calibrate it on).
 */
import {
  DEFAULT_NEXT_EVENT_SHAPE,
  initialNextEventWeights,
  NEXT_ACTIONS,
  nextEventLayout,
  predictNext,
  type NextAction,
  type NextEventShape,
} from '../../core/models/next-event.js';
import { recentCategories, stepsInVocabulary, type SequenceEntry } from './sequence.js';

/** A global next-event model as the device adopted it (worker/federated/next-event-task.ts). */
export interface NextEventModel {
  readonly version: number;
  /** The task's category labels, row i of the category tensors = vocabulary[i]. */
  readonly vocabulary: readonly string[];
  readonly shape: NextEventShape;
  readonly weights: Float32Array;
}

export interface NextEventPredictions {
  /** Most likely first; probabilities of "the next step is in this category" (sum ≤ 1). */
  readonly nextCategories: readonly { readonly category: string; readonly probability: number }[];
  /** Probabilities of the next action in this session, or null until a trained model arrived. */
  readonly nextAction: Readonly<Record<NextAction, number>> | null;
}

/** Categories listed: the top few above 1 % (the rest is noise to a reader). */
const LISTED = 5;
const LISTED_FLOOR = 0.01;

/** Checks an adopted model against its own shape, naming the field. */
export function checkNextEventModel(model: NextEventModel): NextEventModel {
  const expected = nextEventLayout(model.shape).size;
  if (model.vocabulary.length !== model.shape.categories) {
    throw new RangeError(`next-event model: vocabulary must have ${model.shape.categories} labels (one per category row); got ${model.vocabulary.length}`);
  }
  if (model.weights.length !== expected) throw new RangeError(`next-event model: weights must hold ${expected} floats; got ${model.weights.length}`);
  for (const w of model.weights) if (!Number.isFinite(w)) throw new RangeError('next-event model: weights must be finite');
  return model;
}

export function predictNextEvent(sequence: readonly SequenceEntry[], model: NextEventModel | null): NextEventPredictions {
  const trained = model ?? personalOnlyModel(sequence);
  if (trained === null || sequence.length === 0) return { nextCategories: [], nextAction: null };
  const prediction = predictNext(trained.shape, trained.weights, stepsInVocabulary(sequence, trained.vocabulary));
  if (prediction === null) return { nextCategories: [], nextAction: null };
  const nextCategories = Array.from(prediction.categories, (probability, i) => ({ category: trained.vocabulary[i]!, probability }))
    .filter((c) => c.probability >= LISTED_FLOOR)
    .sort((a, b) => b.probability - a.probability || a.category.localeCompare(b.category))
    .slice(0, LISTED);
  const nextAction = model === null
    ? null
    : (Object.fromEntries(NEXT_ACTIONS.map((action, i) => [action, prediction.actions[i]!])) as Record<NextAction, number>);
  return { nextCategories, nextAction };
}

/** The untrained model over the visitor's own categories: the personal decay blend alone. */
function personalOnlyModel(sequence: readonly SequenceEntry[]): NextEventModel | null {
  const vocabulary = recentCategories(sequence);
  if (vocabulary.length === 0) return null;
  const shape = { categories: vocabulary.length, ...DEFAULT_NEXT_EVENT_SHAPE };
  // A uniform draw of 0.5 initialises every random weight to exactly zero.
  return { version: 0, vocabulary, shape, weights: initialNextEventWeights(shape, () => 0.5) };
}
