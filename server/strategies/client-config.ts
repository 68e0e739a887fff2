/** The part of a round's configuration every strategy derives the same way from its task. */
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
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
    // A fixed-schedule task's round is the period now is in: it closes at the period's end, and is
    // sized to spend the period's whole budget (rhoFraction 1: the DP wrappers size its noise for
    // ρ(ε, δ) of one period, which renews with the next; ./budget.ts).
    ...(task.periodDays !== undefined ? { periodDays: task.periodDays, deadline: periodBounds(periodOf(now, task.periodDays), task.periodDays).end, rhoFraction: 1 } : {}),
  };
}
