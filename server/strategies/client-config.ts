/** The part of a round's configuration every strategy derives the same way from its task. */
import { modelParameterCount } from '../../core/protocol/aggregator.js';
import { gridSensitivity } from '../privacy/round-privacy.js';
import type { ConfigureContext, RoundConfig } from './strategy.js';

export function baseRoundConfig(context: ConfigureContext): RoundConfig {
  const { task, settings, now } = context;
  const vectorLength = modelParameterCount(task.model.tensors);
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
