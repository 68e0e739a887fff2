/**
 * From a Rényi DP curve to (ε, δ)-DP, taking the best order.
 *
 * The bound is the improved conversion of Canonne, Kamath & Steinke 2020 ("The Discrete
 * Gaussian for Differential Privacy", arXiv:2004.00010 v4, Prop. 12; also Asoodeh et al.
 * 2020, arXiv:2001.05990, eq. 20), as in dp_accounting's compute_epsilon / compute_delta:
 *   ε = r_α + log(1 − 1/α) − (log δ + log α)/(α − 1),
 *   log δ = (α − 1)(r_α − ε + log(1 − 1/α)) − log α,
 * which beats Mironov's ε = r_α + log(1/δ)/(α − 1) at every order. Both are numerically unstable
 * as α → 1, so orders ≤ 1.01 only contribute through the KL bound δ ≤ √(1 − e^{−r}), valid at
 * every order because Rényi divergence grows with α. At α = ∞, r is a pure-DP ε.
 */
import { requireNonNegativeFinite, requireProbability, requireRdpCurve } from './validate.js';

/** Below this order the Prop. 12 expression is numerically unstable (dp_accounting's cut-off). */
const MIN_STABLE_ORDER = 1.01;

export interface EpsilonAtOrder {
  /** The smallest ε over the orders, ≥ 0; +∞ when no order gives a finite bound. */
  readonly epsilon: number;
  /** The order that attains it (the first one, on ties); NaN when no order gives a finite ε. */
  readonly order: number;
}

export interface DeltaAtOrder {
  /** The smallest δ over the orders, in [0, 1]. */
  readonly delta: number;
  readonly order: number;
}

function epsilonAtOneOrder(alpha: number, rdp: number, delta: number): number {
  if (rdp < 0) return 0; // RDP is ≥ 0; a negative value is rounding at a zero-cost event.
  if (alpha === Infinity) return rdp; // max-divergence: pure ε, for every δ ≥ 0
  if (delta === 0) return rdp === 0 ? 0 : Infinity;
  // KL bound: the total variation distance is ≤ √(1 − e^{−r}); if that is < δ, ε = 0 suffices.
  if (delta * delta + Math.expm1(-rdp) > 0) return 0;
  if (alpha <= MIN_STABLE_ORDER) return Infinity;
  return rdp + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
}

function logDeltaAtOneOrder(alpha: number, rdp: number, epsilon: number): number {
  if (rdp <= 0) return -Infinity;
  if (alpha === Infinity) return rdp <= epsilon ? -Infinity : 0;
  let logDelta = 0.5 * Math.log1p(-Math.exp(-rdp)); // KL bound, at every order
  if (alpha > MIN_STABLE_ORDER) {
    const bound = (alpha - 1) * (rdp - epsilon + Math.log1p(-1 / alpha)) - Math.log(alpha);
    logDelta = Math.min(logDelta, bound);
  }
  return logDelta;
}

/**
 * The (ε, order) of an RDP curve at a target δ ∈ [0, 1].
 * @example epsilonFromRdp([2, 32], [1.1, 1.1], 1e-5) // { epsilon: 1.3278…, order: 32 }
 */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): EpsilonAtOrder {
  requireRdpCurve(orders, rdp);
  requireProbability('delta', delta);
  let best = Infinity;
  let bestOrder = Number.NaN;
  for (let index = 0; index < orders.length; index += 1) {
    const alpha = orders[index]!;
    const epsilon = epsilonAtOneOrder(alpha, rdp[index]!, delta);
    if (epsilon < best) {
      best = epsilon;
      bestOrder = alpha;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

/**
 * The (δ, order) of an RDP curve at a target ε ≥ 0.
 * @example deltaFromRdp([2, 32], [1.1, 1.1], 1.32783806176) // { delta: ≈1e-5, order: 32 }
 */
export function deltaFromRdp(orders: readonly number[], rdp: readonly number[], epsilon: number): DeltaAtOrder {
  requireRdpCurve(orders, rdp);
  requireNonNegativeFinite('epsilon', epsilon);
  let bestLog = Infinity;
  let bestOrder = Number.NaN;
  for (let index = 0; index < orders.length; index += 1) {
    const alpha = orders[index]!;
    const logDelta = logDeltaAtOneOrder(alpha, rdp[index]!, epsilon);
    if (logDelta < bestLog) {
      bestLog = logDelta;
      bestOrder = alpha;
    }
  }
  return { delta: Math.min(1, Math.exp(bestLog)), order: bestOrder };
}
