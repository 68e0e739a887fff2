/**
 * Post-processing of released DP estimates: turning a noised histogram into counts a reader can
 * take at face value (none negative, adding up to the total they are counts of).
 *
 * Why it is free: the post-processing theorem (Dwork & Roth 2014, Prop. 2.1; for zCDP Bun &
 * Steinke 2016, Lemma 1.8): any function of a DP release that does not look at the data again is
 * exactly as private as the release. The projection below reads only the noised counts and the
 * total the caller passes, so it costs no ε provided the total is itself released (a noised sum,
 * or a count already published beside the histogram).
 *
 * What it costs in accuracy: the raw noised counts are unbiased (E[y_i] = x_i, the noise is
 * centred); the projection is not. It lowers every kept bin by the same θ and floors the rest at
 * zero, so bins whose true count is 0 come out ≥ 0 (biased up) and large bins come out lower
 * (biased down) by about the positive noise mass it removed from the small ones. In exchange it is
 * never farther from the truth in L2: projecting onto a closed convex set that contains the true
 * counts is non-expansive, so ‖P(y) − x‖₂ ≤ ‖y − x‖₂ for every draw of the noise whenever
 * x ≥ 0 and Σx = total. Keep the raw values for anyone who needs unbiased estimates (sums over
 * bins, averages over rounds); show the projected ones.
 */
import { fail, requireFiniteVector, requireNonNegativeFinite } from './checks.js';

/**
 * The least-squares projection of `values` onto { x : x_i ≥ 0, Σ x_i = total } (the probability
 * simplex scaled by `total`): x_i = max(values_i − θ, 0) with the one θ that makes them add up to
 * `total` (Duchi, Shalev-Shwartz, Singer & Chandra 2008, "Efficient Projections onto the
 * ℓ1-Ball for Learning in High Dimensions", Fig. 1). O(k log k) for k bins; the result's sum
 * equals `total` up to floating-point rounding.
 *
 * @example
 * projectOntoSimplex([40, 31.5, -2], 70); // → [39.25, 30.75, 0]: −2 floored, 0.75 taken off the others
 */
export function projectOntoSimplex(values: ArrayLike<number>, total: number): number[] {
  requireFiniteVector('values', values);
  requireNonNegativeFinite('total', total);
  const k = values.length;
  if (k === 0) fail('values.length', 'at least 1 (a histogram needs a bin to hold its total)', k);
  // Nothing to share out: the only point of the set is 0 (the search below assumes total > 0).
  if (total === 0) return new Array<number>(k).fill(0);
  const sorted = Array.from(values).sort((a, b) => b - a);
  // θ from the largest j whose j-th largest value stays positive after the shift (Duchi et al., Fig. 1).
  let prefix = 0;
  let theta = 0;
  for (let j = 0; j < k; j++) {
    prefix += sorted[j]!;
    const candidate = (prefix - total) / (j + 1);
    if (sorted[j]! - candidate > 0) theta = candidate;
  }
  return Array.from(values, (v) => Math.max(v - theta, 0));
}
