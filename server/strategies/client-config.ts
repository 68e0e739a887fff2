/** The part of a round's configuration every strategy derives the same way from its task. */
import { gridSensitivity } from '../privacy/round-privacy.js';
import { uploadLength } from '../tasks.js';
import type { ConfigureContext, RoundConfig } from './strategy.js';

export function baseRoundConfig(context: ConfigureContext): RoundConfig {
  const { task, settings, now } = context;
  const vectorLength = uploadLength(task);
  const sensitivity = gridSensitivity(task.clipNorm, task.granularity, vectorLength);
  return {
    vectorLength,
    clipNorm: task.clipNorm,
    granularity: task.granularity,
    localNoiseStddev: task.localNoiseMultiplier * sensitivity,
    centralNoiseStddev: 0,
    localSteps: task.localSteps,
    learningRate: task.learningRate,
    minContributions: settings.minContributions,
    maxContributions: settings.maxContributions,
    deadline: now + settings.roundMs,
  };
}
