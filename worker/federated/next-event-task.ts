/**
 * The 'next-event' task on the device: FedAvg of the next-event model (core/models/next-event.ts).
 * Each round the device adopts the global version it was handed (the engine predicts with it
 * from then on), trains it on its own recent sequence (worker/features/sequence.ts, mapped onto
 * the task's category labels) and sends the dense delta. The model is a few thousand floats of
 * plain typed-array maths: no tfjs is loaded for it.
 */
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import { nextEventTensors, trainOnSequence, type NextEventShape } from '../../core/models/next-event.js';
import type { NextEventModel } from '../features/next-event-prediction.js';
import { stepsInVocabulary, type SequenceEntry } from '../features/sequence.js';
import { computeUpdate } from '../models/update.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

export interface NextEventTaskOptions {
  /** The visitor's recent sequence, oldest first (Engine.sequence). */
  readonly sequence: () => Promise<readonly SequenceEntry[]>;
  /** Hands the global model to the engine's predictions (Engine.setNextEventModel). */
  readonly adopt: (model: NextEventModel) => Promise<void>;
}

/** Steps per BPTT window (sim/experiments/next-event.ts trains the same way). */
export const NEXT_EVENT_WINDOW = 32;

/** The model's shape, read from a blob's tensors and checked against the layout, naming what differs. */
function nextEventShapeOf(blob: ModelBlob, labels: readonly string[] | undefined): NextEventShape {
  const tensors = blob.header.tensors;
  const [embedding, , recurrent] = tensors;
  const shape = { categories: embedding?.shape[0] ?? 0, embed: embedding?.shape[1] ?? 0, hidden: recurrent?.shape[0] ?? 0 };
  const expected = nextEventTensors(shape);
  const describe = (list: readonly { name: string; shape: readonly number[] }[]) => list.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ');
  if (describe(expected) !== describe(tensors)) {
    throw new RangeError(`next-event model ${blob.header.name}@${blob.header.version}: tensors must be ${describe(expected)}; got ${describe(tensors)}`);
  }
  if (labels === undefined || labels.length !== shape.categories) {
    throw new RangeError(`next-event task: labels must name its ${shape.categories} categories; got ${labels?.length ?? 0}`);
  }
  return shape;
}

/** @example handlers.set('next-event', createNextEventTaskHandler({ sequence: () => engine.sequence(), adopt: (m) => engine.setNextEventModel(m) })); */
export function createNextEventTaskHandler(options: NextEventTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, blob: ModelBlob): Promise<LocalOutcome> {
      const shape = nextEventShapeOf(blob, task.labels);
      const vocabulary = task.labels!;
      await options.adopt({ version: blob.header.version, vocabulary, shape, weights: Float32Array.from(blob.data) });
      const steps = stepsInVocabulary(await options.sequence(), vocabulary);
      // A target needs a known category after a step: fewer than two such steps teach nothing.
      if (steps.filter((s) => s.categories.length > 0).length < 2) return { kind: 'no-data' };
      const { weights, windows } = trainOnSequence(shape, blob.data, steps, {
        learningRate: task.learningRate,
        epochs: Math.max(1, task.localSteps),
        window: NEXT_EVENT_WINDOW,
      });
      if (windows === 0) return { kind: 'no-data' };
      return { kind: 'update', update: computeUpdate(blob.data, weights), commit: async () => undefined };
    },
  };
}
