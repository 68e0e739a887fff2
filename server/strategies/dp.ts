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
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { budgetStop } from './budget.js';
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
  /**
   * Rounds a task with a budgetShare < 1 spreads its share over (its own plannedRounds first):
   * such a task's σ_c is raised, if need be, so that one round costs at most share·ρ(ε, δ)/rounds
   * (ρ = Δ²/(2σ_c²), the central noise alone). Default 5.
   */
  readonly plannedRounds?: number;
}

export function withCentralDp(inner: Strategy, options: DpOptions): Strategy {
  if (!Number.isFinite(options.noiseMultiplier) || options.noiseMultiplier <= 0) {
    throw new RangeError(`noiseMultiplier must be a positive finite number; got ${options.noiseMultiplier}`);
  }
  return {
    configure(context: ConfigureContext): RoundPlan {
      const plan = inner.configure(context);
      if (plan.kind !== 'open') return plan;
      const sensitivity = gridSensitivity(plan.config.clipNorm, plan.config.granularity, plan.config.vectorLength);
      let sigma = options.noiseMultiplier * sensitivity;
      const share = context.task.budgetShare ?? 1;
      const fraction = plan.config.rhoFraction;
      if (share < 1 || fraction !== undefined) {
        // The round's planned ρ: its fraction of the task's share when the strategy plans one, else an equal part over the planned rounds.
        const rounds = context.task.plannedRounds ?? options.plannedRounds ?? 5;
        const rhoRound = share * zcdpRhoFor({ epsilon: context.settings.epsilonBudget, delta: context.settings.delta }) * (fraction ?? 1 / rounds);
        sigma = Math.max(sigma, sensitivity / Math.sqrt(2 * rhoRound));
      }
      const config: RoundConfig = { ...plan.config, centralNoiseStddev: sigma };
      const worstRho = rhoOf(config, config.minContributions);
      const stop = budgetStop(context, worstRho);
      if (stop !== null) return stop;
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
