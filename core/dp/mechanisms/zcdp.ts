/**
 * ρ = Δ²/2σ² for the discrete Gaussian (CKS20: Rényi divergence of order α ≤ αΔ²/2σ² for integer shifts), computed in float64 and then rounded
 * UP by a relative 2^−50 (more than the ≤ 3 half-ulp roundings of the three float operations), so
 * the reported cost is never below the true one.
 */
export function discreteGaussianRho(sensitivitySquared: number, sigma: number): number {
  return (sensitivitySquared / (2 * sigma * sigma)) * (1 + 2 ** -50);
}
