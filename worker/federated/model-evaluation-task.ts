/**
 * The 'model-evaluation' task on the device (issue 11 §3): the device scores the next-event model
 * it predicts with on its own latest steps (worker/features/self-evaluation.ts) and sends the
 * counts under that model version's labels (core/models/model-evaluation.ts), zero everywhere
 * else. The client privatizes the vector like any update, so the server only ever sees the noised
 * sum over devices: how good each version is for the population, never for one visitor.
 * No tfjs: the prediction is plain typed-array maths.
 */
import { EVALUATION_CLIP_NORM, namedCounts, versionSlot } from '../../core/models/model-evaluation.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { NextEventModel } from '../features/next-event-prediction.js';
import { evaluateSelf } from '../features/self-evaluation.js';
import type { SequenceEntry } from '../features/sequence.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';

export interface ModelEvaluationTaskOptions {
  /** The visitor's recent sequence, oldest first (Engine.sequence). */
  readonly sequence: () => Promise<readonly SequenceEntry[]>;
  /** The next-event model profile() predicts with, null before one is adopted (Engine.nextEventModelInUse). */
  readonly model: () => Promise<NextEventModel | null>;
}

/** @example handlers.set('model-evaluation', createModelEvaluationTaskHandler({ sequence: () => engine.sequence(), model: () => engine.nextEventModelInUse() })); */
export function createModelEvaluationTaskHandler(options: ModelEvaluationTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, _model: ModelBlob): Promise<LocalOutcome> {
      const labels = task.labels;
      if (labels === undefined || labels.length !== task.vectorLength) {
        throw new RangeError(`model-evaluation task ${task.task}: labels must name each of its ${task.vectorLength} values; got ${labels?.length ?? 0}`);
      }
      // A smaller bound would clip (and so distort) the counts of a device with many held-out steps.
      if (task.clipNorm < EVALUATION_CLIP_NORM) throw new RangeError(`model-evaluation task ${task.task}: clipNorm must be ≥ ${EVALUATION_CLIP_NORM}; got ${task.clipNorm}`);
      const model = await options.model();
      const counts = evaluateSelf(await options.sequence(), model);
      if (counts === null) return { kind: 'no-data' };
      const slot = versionSlot(model?.version ?? 0);
      const update = new Float32Array(task.vectorLength);
      for (const [name, value] of namedCounts(counts)) {
        const index = labels.indexOf(`${slot} ${name}`);
        if (index < 0) throw new RangeError(`model-evaluation task ${task.task}: labels must include "${slot} ${name}"`);
        update[index] = value;
      }
      return { kind: 'update', update, commit: async () => undefined };
    },
  };
}
