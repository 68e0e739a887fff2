/**
 * Test support (not shipped): statistical DP-property tests in the style of Google's
 * differential-privacy "stochastic tester": run a mechanism on neighbouring inputs A and B, bucket
 * the outputs, and estimate δ' = Σ_o max(0, P̂_A(o) − e^ε·P̂_B(o)) (and the same with A and B
 * swapped). An (ε, δ)-DP mechanism has true δ' ≤ δ for both orders; the estimate adds sampling
 * error, hence the tolerance.
 */
export const DP_TOLERANCE = 0.0025;

export function histogramOf(draw: () => number, samples: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < samples; i++) {
    const o = draw();
    counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  return counts;
}

/** max over both orders of Σ_o max(0, P_A(o) − e^ε P_B(o)), from empirical counts of equal sample size. */
export function estimatedDelta(a: Map<number, number>, b: Map<number, number>, samples: number, epsilon: number): number {
  const oneWay = (x: Map<number, number>, y: Map<number, number>): number => {
    let delta = 0;
    for (const [o, c] of x) delta += Math.max(0, c / samples - Math.exp(epsilon) * ((y.get(o) ?? 0) / samples));
    return delta;
  };
  return Math.max(oneWay(a, b), oneWay(b, a));
}

/** The same quantity from exact PMFs over [from, to] (the privacy profile δ(ε) of the pair). */
export function exactDelta(pmfA: (o: number) => number, pmfB: (o: number) => number, from: number, to: number, epsilon: number): number {
  let ab = 0;
  let ba = 0;
  for (let o = from; o <= to; o++) {
    ab += Math.max(0, pmfA(o) - Math.exp(epsilon) * pmfB(o));
    ba += Math.max(0, pmfB(o) - Math.exp(epsilon) * pmfA(o));
  }
  return Math.max(ab, ba);
}

/** Normalised discrete Gaussian PMF N_Z(mean, σ²), normaliser summed over ±(40σ + 40). */
export function discreteGaussianPmf(sigma: number, mean = 0): (o: number) => number {
  const reach = Math.ceil(40 * sigma + 40);
  let z = 0;
  for (let k = -reach; k <= reach; k++) z += Math.exp(-(k * k) / (2 * sigma * sigma));
  return (o) => Math.exp(-((o - mean) ** 2) / (2 * sigma * sigma)) / z;
}

/** Sample size per neighbouring input in every DP-property test. */
export const DP_SAMPLES = 1_000_000;

export interface DpTestResult {
  readonly estimatedDeltas: readonly number[];
  /** claimed δ at this ε plus DP_TOLERANCE */
  readonly threshold: number;
  /** Majority of 3 runs (stops after two agree). */
  readonly passed: boolean;
}

/**
 * Runs the mechanism DP_SAMPLES times on each neighbouring input (outputs post-processed by
 * `bucket` into integers) and checks estimated δ' ≤ claimedDelta + DP_TOLERANCE; majority of 3 runs.
 */
export function dpPropertyTest(
  onA: () => number,
  onB: () => number,
  epsilon: number,
  claimedDelta: number,
  bucket: (output: number) => number = (o) => o,
): DpTestResult {
  const threshold = claimedDelta + DP_TOLERANCE;
  const estimates: number[] = [];
  let passes = 0;
  while (passes < 2 && estimates.length - passes < 2) {
    const a = histogramOf(() => bucket(onA()), DP_SAMPLES);
    const b = histogramOf(() => bucket(onB()), DP_SAMPLES);
    const estimate = estimatedDelta(a, b, DP_SAMPLES, epsilon);
    estimates.push(estimate);
    if (estimate <= threshold) passes++;
  }
  return { estimatedDeltas: estimates, threshold, passed: passes >= 2 };
}

/** Exact δ(ε) of the discrete Gaussian of scale σ for an integer shift (its tight (ε, δ) claim). */
export function discreteGaussianDelta(sigma: number, shift: number, epsilon: number): number {
  const reach = Math.ceil(40 * sigma + 40 + shift);
  return exactDelta(discreteGaussianPmf(sigma), discreteGaussianPmf(sigma, shift), -reach, reach, epsilon);
}
