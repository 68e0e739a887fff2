/**
 * DP-FedAvg as a wrapper (McMahan et al. 2018, "Learning Differentially Private Recurrent
 * Language Models"): around any strategy, it
 * - sets the central noise σ_c = z · Δ (z the noise multiplier, Δ the grid sensitivity),
 * - refuses to open a round whose worst-case cost would take the task past its ε budget
 *   (worst case = the round closes with minContributions, the least local noise),
 * - adds exact discrete Gaussian noise N_Z(0, σ_c²) to every coordinate of the round's integer sum
 *   before the inner strategy sees it, and
 * - reports the round's user-level zCDP ρ (../privacy/round-privacy.ts says what is assumed).
 * Noise vectors come from an injected source (no I/O, no ambient randomness here).
 */
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import { gridSensitivity, roundRho } from '../privacy/round-privacy.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, RoundConfig, RoundPlan, Strategy } from './strategy.js';

/** Supplies the central noise of a round: a fresh N_Z(0, σ²) vector, never handed out twice. */
export interface CentralNoiseSource {
  take(roundId: string, sigma: number, length: number): Float64Array;
}

export interface DpOptions {
  /** z: σ_c = z · Δ. Must be > 0 (a DP wrapper without noise is a configuration error). */
  readonly noiseMultiplier: number;
  readonly noise: CentralNoiseSource;
}

export function withCentralDp(inner: Strategy, options: DpOptions): Strategy {
  if (!Number.isFinite(options.noiseMultiplier) || options.noiseMultiplier <= 0) {
    throw new RangeError(`noiseMultiplier must be a positive finite number; got ${options.noiseMultiplier}`);
  }
  return {
    configure(context: ConfigureContext): RoundPlan {
      const plan = inner.configure(context);
      if (plan.kind === 'stop') return plan;
      const sensitivity = gridSensitivity(plan.config.clipNorm, plan.config.granularity, plan.config.vectorLength);
      const config: RoundConfig = { ...plan.config, centralNoiseStddev: options.noiseMultiplier * sensitivity };
      const worstRho = rhoOf(config, config.minContributions);
      const { epsilonBudget, delta } = context.settings;
      const epsilonAfter = zcdpToEpsilon(context.rhoSpent + worstRho, delta).epsilon;
      if (epsilonAfter > epsilonBudget) {
        const spent = zcdpToEpsilon(context.rhoSpent, delta).epsilon;
        return {
          kind: 'stop',
          reason: 'budget_exhausted',
          message: `task ${context.task.task} has spent ε = ${spent.toFixed(3)} of ${epsilonBudget} (δ = ${delta}); one more round could reach ε = ${epsilonAfter.toFixed(3)}`,
        };
      }
      return { kind: 'open', config };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      const { config, sum, roundId } = input;
      const noise = options.noise.take(roundId, config.centralNoiseStddev, sum.length);
      if (noise.length !== sum.length) throw new RangeError(`central noise has ${noise.length} values; the sum has ${sum.length}`);
      const noisy = new Float64Array(sum.length);
      for (let i = 0; i < sum.length; i++) noisy[i] = sum[i]! + noise[i]!;
      const output = inner.aggregate({ ...input, sum: noisy });
      return { ...output, privacy: { rho: rhoOf(config, input.contributions) } };
    },
  };
}

function rhoOf(config: RoundConfig, contributions: number): number {
  return roundRho({
    sensitivity: gridSensitivity(config.clipNorm, config.granularity, config.vectorLength),
    localStddev: config.localNoiseStddev,
    centralStddev: config.centralNoiseStddev,
    contributions,
    vectorLength: config.vectorLength,
  });
}
