/**
 * The distributed discrete Gaussian (Kairouz, Liu & Steinke 2021, "The Distributed Discrete
 * Gaussian Mechanism for Federated Learning with Secure Aggregation", Prop. 14 via Thm. 12):
 * n devices each add i.i.d. N_Z(0, σ²) to an integer vector of L2 sensitivity Δ and only the SUM is
 * released (secure aggregation). The sum of the other n − 1 devices' noise is close to
 * N_Z(0, (n−1)σ²), which gives Rényi divergence of order α at most α·Δ²/(2(n−1)σ²) + τ·d with
 * τ = 10·Σ_{k=1}^{n−2} e^{−2π²σ²·k/(k+1)}; as α ≥ 1 that is ≤ α·(Δ²/(2(n−1)σ²) + τ·d), i.e.
 * ρ-zCDP with ρ = Δ²/(2(n−1)σ²) + τ·d.
 *
 * The device whose presence is in question is never credited with its own noise (n − 1, not n),
 * and the others are assumed to run the sampler honestly. Shared by the device (what it charges
 * its ledger) and the server (what its accountant composes), so the two can never disagree.
 */

export interface DistributedNoise {
  /** L2 sensitivity Δ of one device's integer vector (grid units). */
  readonly sensitivity: number;
  /** Each device's σ (grid units). KLS21 needs σ ≥ 1/2. */
  readonly sigma: number;
  /** Contributions in the sum (the charge uses the round's minimum: the worst case). */
  readonly contributions: number;
  /** Vector length d. */
  readonly dimension: number;
}

/**
 * ρ of one sum released under the distributed discrete Gaussian; Infinity when the bound does not
 * apply (fewer than 2 contributions, or σ < 1/2).
 * @example distributedGaussianRho({ sensitivity: 10_000, sigma: 500, contributions: 100, dimension: 44_000 })
 */
export function distributedGaussianRho(noise: DistributedNoise): number {
  const { sensitivity, sigma, contributions, dimension } = noise;
  if (!(sensitivity > 0) || !Number.isFinite(sensitivity)) throw new RangeError(`sensitivity must be a positive finite number; got ${sensitivity}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`sigma must be a finite number ≥ 0; got ${sigma}`);
  if (!Number.isInteger(contributions) || contributions < 0) throw new RangeError(`contributions must be an integer ≥ 0; got ${contributions}`);
  if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`dimension must be a positive integer; got ${dimension}`);
  const others = contributions - 1;
  if (others < 1 || sigma < 0.5) return Infinity;
  // Every term of τ is ≤ e^{−π²σ²} (k/(k+1) ≥ 1/2): an upper bound with n − 2 terms.
  const tau = others > 1 ? 10 * (others - 1) * Math.exp(-(Math.PI ** 2) * sigma ** 2) : 0;
  return sensitivity ** 2 / (2 * others * sigma ** 2) + tau * dimension;
}

/**
 * The per-device σ that makes a sum of at least `contributions` cost at most `rho`: solves
 * Δ²/(2(n−1)σ²) = ρ, then checks that τ·d keeps the total within ρ·(1 + 1e−9) (τ is negligible for
 * σ of a few grid steps or more; a σ where it is not is refused rather than silently exceeded).
 */
export function distributedGaussianSigmaFor(rho: number, sensitivity: number, contributions: number, dimension: number): number {
  if (!(rho > 0) || !Number.isFinite(rho)) throw new RangeError(`rho must be a positive finite number; got ${rho}`);
  if (!Number.isInteger(contributions) || contributions < 2) throw new RangeError(`contributions must be an integer ≥ 2; got ${contributions}`);
  const sigma = Math.max(0.5, sensitivity / Math.sqrt(2 * (contributions - 1) * rho));
  const achieved = distributedGaussianRho({ sensitivity, sigma, contributions, dimension });
  if (!(achieved <= rho * (1 + 1e-9))) throw new RangeError(`σ = ${sigma} for ρ = ${rho} leaves a τ·d slack of ${(achieved - rho).toExponential(2)}; use more contributions or a coarser grid`);
  return sigma;
}
