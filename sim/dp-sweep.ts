/**
 * The noise settings that make a federated MF run cost a given user-level ε, for the two trust
 * models the simulator compares (`npm run simulate -- --sweep 1,4,8`):
 *
 * - 'local': what the SDK ships. The server sees every contribution, so each device protects
 *   itself with its own noise: σ_l = m·Δ costs ρ = 1/(2m²) per contribution on the device ledger.
 *   A device that may send c contributions within its budget ρ(ε) needs m = √(c / 2ρ(ε)).
 * - 'distributed': what secure aggregation would allow (NOT implemented here; assumed). The server
 *   would see only the round's sum, so a device need only add its share of the noise the SUM must
 *   carry: the server's accountant (server/privacy/round-privacy.ts, distributed discrete Gaussian
 *   bound) charges ρ_round = 1/(2(n−1)m²) for n contributions, so R rounds fit ρ(ε) with
 *   m = √(R / (2(n−1)ρ(ε))). Each device's own contribution is then far noisier-than-nothing but
 *   not locally private; the sweep lifts the device ledger limit for this row and says so.
 *
 * ρ(ε) inverts the tight zCDP → (ε, δ) conversion the accountants use (core/dp/accountant/zcdp.ts).
 */
import { zcdpRhoFor } from '../core/dp/calibrate.js';

export type TrustModel = 'local' | 'distributed';

export interface SweepPoint {
  readonly trust: TrustModel;
  /** Target user-level ε over the whole run (δ as given). */
  readonly epsilon: number;
  /** zCDP ρ that converts to exactly `epsilon` at δ. */
  readonly rho: number;
  /** Device noise σ_l as a multiple of the grid sensitivity Δ. */
  readonly localNoiseMultiplier: number;
  /** Server noise z (σ_c = z·Δ on the round's sum). */
  readonly centralNoiseMultiplier: number;
  /** Device ledger ρ per task for this run (Infinity: the ledger is not the binding protection). */
  readonly deviceRhoBudget: number;
  /** Server ε budget: the target, with a hair of slack for float rounding in the stop rule. */
  readonly serverEpsilonBudget: number;
}

export interface SweepRun {
  readonly rounds: number;
  /** Contributions per round (the sim aggregator closes a round at exactly this many). */
  readonly perRound: number;
  /** Devices that may take part (one MovieLens user each). */
  readonly clients: number;
  readonly delta: number;
  /** The server's own central noise multiplier for the 'local' row (its production default). */
  readonly serverCentralNoise: number;
}


/** Noise settings for one (trust model, ε) cell of the sweep. */
export function sweepPoint(trust: TrustModel, epsilon: number, run: SweepRun): SweepPoint {
  const rho = zcdpRhoFor({ epsilon, delta: run.delta });
  const serverEpsilonBudget = epsilon * (1 + 1e-6);
  switch (trust) {
    case 'local': {
      // Every device sends at most c = ⌈R·P / N⌉ contributions (the run asks for R·P in all).
      const perDevice = Math.ceil((run.rounds * run.perRound) / run.clients);
      return {
        trust, epsilon, rho,
        localNoiseMultiplier: Math.sqrt(perDevice / (2 * rho)),
        centralNoiseMultiplier: run.serverCentralNoise,
        deviceRhoBudget: rho * (1 + 1e-9),
        // The guarantee is the device ledger's (against the server itself); the server's own
        // account of its releases is lower still, so its budget must not be what stops the run.
        serverEpsilonBudget: 1e6,
      };
    }
    case 'distributed': {
      if (run.perRound < 2) throw new RangeError(`the distributed row needs perRound ≥ 2 (others' noise covers each device); got ${run.perRound}`);
      return {
        trust, epsilon, rho,
        localNoiseMultiplier: Math.sqrt(run.rounds / (2 * (run.perRound - 1) * rho)),
        // A token central noise so the server runs its DP strategy (it accounts the min of both
        // bounds: the distributed one binds). σ_c = 0.01·Δ is negligible next to the devices' sum.
        centralNoiseMultiplier: 0.01,
        deviceRhoBudget: Number.POSITIVE_INFINITY,
        serverEpsilonBudget,
      };
    }
    default: {
      const unreachable: never = trust;
      throw new RangeError(`unknown trust model ${String(unreachable)}`);
    }
  }
}

/**
 * Norm of the noise in one round's AVERAGED update, float units, against the clip bound C that
 * caps each device's signal (so the average's signal norm is ≤ C): √(n·σ_l² + σ_c²)/n · √d, σ in
 * units of C (Δ ≈ C on the fine grid).
 */
export function averagedNoiseNorm(point: Pick<SweepPoint, 'localNoiseMultiplier' | 'centralNoiseMultiplier'>, perRound: number, vectorLength: number, clipNorm: number): number {
  const perCoordinate = Math.sqrt(perRound * point.localNoiseMultiplier ** 2 + point.centralNoiseMultiplier ** 2) / perRound;
  return perCoordinate * Math.sqrt(vectorLength) * clipNorm;
}
