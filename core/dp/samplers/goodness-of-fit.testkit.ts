/**
 * Test support (not shipped): Pearson's chi-square goodness of fit of integer samples against an
 * exact probability mass function, with tails merged so every bucket expects ≥ MIN_EXPECTED draws.
 *
 * Critical value: the Wilson–Hilferty approximation χ²(df, 1 − α) ≈ df·(1 − 2/9df + z·√(2/9df))³
 * with z = Φ⁻¹(1 − α); it is slightly conservative for small df (df = 1, α = 10⁻³: 11.2 vs 10.83).
 */
export const MIN_EXPECTED = 20;
/** Per-run significance level of the slow tier: one run falsely fails with probability ≈ 10⁻³. */
export const ALPHA = 1e-3;
const Z_ALPHA = 3.090232306167813; // Φ⁻¹(1 − 10⁻³)

export interface GoodnessOfFit {
  readonly statistic: number;
  readonly degreesOfFreedom: number;
  readonly critical: number;
  readonly passed: boolean;
}

export function chiSquareCritical(degreesOfFreedom: number, z = Z_ALPHA): number {
  const k = degreesOfFreedom;
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
}

/** Counts of each integer outcome. */
export function tally(draw: () => number, samples: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < samples; i++) {
    const x = draw();
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  return counts;
}

/**
 * Chi-square test of `counts` against `pmf` on [from, to] (the range must hold all but a negligible
 * mass; the pmf is renormalised over it). Outcomes outside the range are folded into the tail buckets.
 */
export function chiSquareTest(counts: Map<number, number>, pmf: (k: number) => number, from: number, to: number): GoodnessOfFit {
  let samples = 0;
  for (const c of counts.values()) samples += c;
  const probabilities: number[] = [];
  let total = 0;
  for (let k = from; k <= to; k++) {
    const p = pmf(k);
    probabilities.push(p);
    total += p;
  }
  const expected = probabilities.map((p) => (p / total) * samples);
  let low = 0;
  while (low < expected.length - 1 && expected[low]! < MIN_EXPECTED) low++;
  let high = expected.length - 1;
  while (high > low && expected[high]! < MIN_EXPECTED) high--;
  // Buckets: (−∞, from+low], each k in between, [from+high, ∞).
  const bucketExpected: number[] = [];
  const bucketObserved: number[] = [];
  const lowEdge = from + low;
  const highEdge = from + high;
  let e = 0;
  for (let i = 0; i <= low; i++) e += expected[i]!;
  bucketExpected.push(e);
  for (let i = low + 1; i < high; i++) bucketExpected.push(expected[i]!);
  if (high > low) {
    e = 0;
    for (let i = high; i < expected.length; i++) e += expected[i]!;
    bucketExpected.push(e);
  }
  for (let i = 0; i < bucketExpected.length; i++) bucketObserved.push(0);
  for (const [k, c] of counts) {
    const index = k <= lowEdge ? 0 : k >= highEdge && high > low ? bucketExpected.length - 1 : k - lowEdge;
    bucketObserved[index]! += c;
  }
  let statistic = 0;
  for (let i = 0; i < bucketExpected.length; i++) {
    const d = bucketObserved[i]! - bucketExpected[i]!;
    statistic += (d * d) / bucketExpected[i]!;
  }
  const degreesOfFreedom = Math.max(1, bucketExpected.length - 1);
  const critical = chiSquareCritical(degreesOfFreedom);
  return { statistic, degreesOfFreedom, critical, passed: statistic <= critical };
}

/**
 * Majority vote over independent runs: passes when at least 2 of 3 pass. With per-run false-failure
 * probability α = 10⁻³, the vote falsely fails with probability 3α²(1 − α) + α³ ≈ 3·10⁻⁶.
 */
export function majorityOfThree(run: () => GoodnessOfFit): { readonly passed: boolean; readonly runs: readonly GoodnessOfFit[] } {
  const runs: GoodnessOfFit[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(run());
    const passes = runs.filter((r) => r.passed).length;
    if (passes >= 2) return { passed: true, runs };
    if (runs.length - passes >= 2) return { passed: false, runs };
  }
  return { passed: false, runs };
}

/** Exact (float64) PMFs the samplers must match. */
export const exactPmf = {
  geometric: (gamma: number) => (k: number): number => (k < 0 ? 0 : -Math.expm1(-gamma) * Math.exp(-gamma * k)),
  discreteLaplace: (scale: number) => (k: number): number =>
    (-Math.expm1(-1 / scale) / (1 + Math.exp(-1 / scale))) * Math.exp(-Math.abs(k) / scale),
  /** Unnormalised; chiSquareTest renormalises over its range. */
  discreteGaussian: (sigma: number) => (k: number): number => Math.exp(-(k * k) / (2 * sigma * sigma)),
};

/** Sample size of every slow-tier goodness-of-fit run. */
export const STAT_SAMPLES = 1_000_000;

/** Majority-of-three chi-square test of `draw` against `pmf` with STAT_SAMPLES draws per run. */
export function fitsPmf(draw: () => number, pmf: (k: number) => number, from: number, to: number): { readonly passed: boolean; readonly runs: readonly GoodnessOfFit[] } {
  return majorityOfThree(() => chiSquareTest(tally(draw, STAT_SAMPLES), pmf, from, to));
}
