/**
 * Distributed DP for secure aggregation (Kairouz, Liu & Steinke 2021, "The Distributed Discrete
 * Gaussian Mechanism"), as a wrapper around any strategy, the counterpart of ./dp.ts for a leader:
 * - each device's σ_l (grid units) is sized so that the SUM of a round with minContributions
 *   devices costs ρ_round = share · ρ(ε, δ) / plannedRounds (the task's budgetShare, default 1; its
 *   plannedRounds, default the server's), not counting the device's own noise
 *   (core/dp/accountant/distributed-gaussian.ts, shared with the device);
 * - no central noise: the leader sees the combined sum, so noise it added itself would not protect
 *   anyone against the leader; the helper sees only uniform shares;
 * - a round is charged distributedGaussianRho with the ACTUAL number of contributions (never
 *   fewer than minContributions: rounds below it are never released);
 * - a round that could take the task past its budget in the worst case (closing with
 *   minContributions) is not opened.
 * Guarantee (server/README.md): against anyone seeing the models, or one aggregator, the central
 * ε the accountant reports; if both aggregators collude, each device only has its own σ_l.
 */
import { distributedGaussianRho, distributedGaussianSigmaFor } from '../../core/dp/accountant/distributed-gaussian.js';
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { budgetStop } from './budget.js';
import { gridSensitivity } from '../privacy/round-privacy.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, RoundConfig, RoundPlan, Strategy } from './strategy.js';

export interface DistributedDpOptions {
  /** Rounds the task's ε budget is planned for (ρ_round = ρ(ε, δ) / plannedRounds). */
  readonly plannedRounds: number;
}

export interface SecureNoisePlan {
  /** ρ each round is sized for. */
  readonly rhoPerRound: number;
  /** Each device's σ_l, grid units. */
  readonly sigma: number;
  readonly sensitivity: number;
}

/**
 * The per-device σ of a task's secure rounds. Throws a RangeError naming the task when no σ fits
 * (e.g. minContributions < 2: one device's noise cannot hide itself).
 */
export function secureNoisePlan(where: string, params: {
  readonly clipNorm: number;
  readonly granularity: number;
  readonly vectorLength: number;
  readonly minContributions: number;
  readonly epsilonBudget: number;
  readonly delta: number;
  readonly plannedRounds: number;
  /** Fraction of ρ(ε, δ) the task may spend (TaskDefinition.budgetShare); default 1. */
  readonly budgetShare?: number;
  /** This round's fraction of the task's ρ (RoundConfig.rhoFraction); default 1/plannedRounds. */
  readonly rhoFraction?: number;
}): SecureNoisePlan {
  const { clipNorm, granularity, vectorLength, minContributions, epsilonBudget, delta, plannedRounds } = params;
  const share = params.budgetShare ?? 1;
  if (!(share > 0 && share <= 1)) throw new RangeError(`${where}: budgetShare must be in (0, 1]; got ${share}`);
  if (!Number.isInteger(plannedRounds) || plannedRounds < 1) throw new RangeError(`${where}: plannedRounds must be an integer ≥ 1; got ${plannedRounds}`);
  if (minContributions < 2) throw new RangeError(`${where}: secure aggregation needs minContributions ≥ 2 (the other devices' noise protects each one); got ${minContributions}`);
  const sensitivity = gridSensitivity(clipNorm, granularity, vectorLength);
  const fraction = params.rhoFraction ?? 1 / plannedRounds;
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`${where}: rhoFraction must be in (0, 1]; got ${fraction}`);
  const rhoPerRound = share * zcdpRhoFor({ epsilon: epsilonBudget, delta }) * fraction;
  const sigma = distributedGaussianSigmaFor(rhoPerRound, sensitivity, minContributions, vectorLength);
  return { rhoPerRound, sigma, sensitivity };
}

export function withDistributedDp(inner: Strategy, options: DistributedDpOptions): Strategy {
  return {
    configure(context: ConfigureContext): RoundPlan {
      const plan = inner.configure(context);
      if (plan.kind !== 'open') return plan;
      const { epsilonBudget, delta } = context.settings;
      const noise = secureNoisePlan(`task ${context.task.task}`, {
        ...plan.config, epsilonBudget, delta,
        plannedRounds: context.task.plannedRounds ?? options.plannedRounds,
        budgetShare: context.task.budgetShare ?? 1,
      });
      const config: RoundConfig = { ...plan.config, localNoiseStddev: noise.sigma, centralNoiseStddev: 0 };
      const worstRho = secureRoundRho(config, config.minContributions);
      const stop = budgetStop(context, worstRho, 'secure round');
      if (stop !== null) return stop;
      return { kind: 'open', config };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      if (input.contributions < input.config.minContributions) {
        throw new RangeError(`round ${input.roundId} has ${input.contributions} contributions; a secure round is never released below its minimum ${input.config.minContributions}`);
      }
      const output = inner.aggregate(input);
      return { ...output, privacy: { rho: secureRoundRho(input.config, input.contributions) } };
    },
  };
}

/** ρ of a secure round of `contributions` uploads (the devices' distributed noise), as the accountant charges it. */
export function secureRoundRho(config: RoundConfig, contributions: number): number {
  return distributedGaussianRho({
    sensitivity: gridSensitivity(config.clipNorm, config.granularity, config.vectorLength),
    sigma: config.localNoiseStddev,
    contributions,
    dimension: config.vectorLength,
  });
}
