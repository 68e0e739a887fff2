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
