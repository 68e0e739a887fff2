/**
 * Privacy events: the one vocabulary in which mechanisms report what they cost and the
 * accountant composes those costs. Modelled on Google dp_accounting's DpEvent classes.
 * Every mechanism returns its output together with one of these; nothing else describes cost.
 */
export type PrivacyEvent =
  /** Gaussian mechanism; noiseMultiplier = σ / Δ₂ (L2 sensitivity). */
  | { readonly kind: 'gaussian'; readonly noiseMultiplier: number }
  /** Laplace mechanism; noiseMultiplier = b / Δ₁, so ε = 1 / noiseMultiplier. */
  | { readonly kind: 'laplace'; readonly noiseMultiplier: number }
  /** Gaussian applied to a Poisson subsample with inclusion probability q. */
  | { readonly kind: 'poissonSampledGaussian'; readonly samplingProbability: number; readonly noiseMultiplier: number }
  /** k-ary randomized response with true-answer probability p = e^ε / (e^ε + k − 1). */
  | { readonly kind: 'randomizedResponse'; readonly epsilon: number; readonly k: number }
  /** A mechanism characterised directly in zero-concentrated DP (discrete Gaussian: ρ = Δ² / 2σ²). */
  | { readonly kind: 'zcdp'; readonly rho: number }
  /** Pure ε-DP (discrete Laplace and friends) when only ε is known. */
  | { readonly kind: 'pureDp'; readonly epsilon: number }
  | { readonly kind: 'selfComposed'; readonly event: PrivacyEvent; readonly count: number }
  | { readonly kind: 'composed'; readonly events: readonly PrivacyEvent[] };

/** What every mechanism returns. */
export interface Released<T> {
  readonly output: T;
  readonly event: PrivacyEvent;
}
