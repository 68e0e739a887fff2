/**
 * Zero-concentrated DP (Bun & Steinke 2016, "Concentrated Differential Privacy", arXiv:1605.02188).
 * ρ-zCDP means RDP ≤ ρα at every order α > 1; ρ adds up under composition (BS16 Lemma 1.7), so a
 * budget in ρ is a plain sum. The discrete Gaussian with sensitivity Δ and scale σ is
 * Δ²/2σ²-zCDP (CKS20 Theorem 14), exactly as the continuous Gaussian.
 *
 * Conversion to (ε, δ): the tight route applies the CKS20 Prop. 12 bound to the RDP curve ρα and
 * minimises over a continuum of orders (not only the 156 default ones); the simple bound
 * ε = ρ + 2√(ρ log(1/δ)) (BS16 Prop. 1.3) is kept for comparison and is always looser.
 */
import type { PrivacyEvent } from '../events.js';
import { validatePrivacyEvent } from './rdp-accountant.js';
import { requireNonNegativeFinite, requireNonNegativeOrInfinite, requireProbability } from './validate.js';

/**
 * The zCDP cost ρ that the device charges for an event, an upper bound for every event kind:
 * - Gaussian with noise multiplier σ: 1/2σ² (BS16 Prop. 1.6);
 * - pure ε-DP (Laplace with ε = 1/noiseMultiplier, randomized response, pureDp): ε²/2 (BS16 Prop. 1.4);
 * - Poisson-subsampled Gaussian: 1/2σ², *without* amplification by sampling. Amplification is a
 *   guarantee about a population the server samples from; a device that is taking part knows it
 *   was sampled, so its own ledger must charge the full cost (and zCDP has no simple subsampling
 *   theorem anyway). Only q = 0 (never included) is free.
 * @example zcdpRhoOfEvent({ kind: 'gaussian', noiseMultiplier: 2 }) // 0.125
 */
export function zcdpRhoOfEvent(event: PrivacyEvent): number {
  validatePrivacyEvent(event);
  return rhoOf(event);
}

function rhoOf(event: PrivacyEvent): number {
  switch (event.kind) {
    case 'gaussian':
      return event.noiseMultiplier === 0 ? Infinity : 1 / (2 * event.noiseMultiplier ** 2);
    case 'poissonSampledGaussian':
      if (event.samplingProbability === 0) return 0;
      return event.noiseMultiplier === 0 ? Infinity : 1 / (2 * event.noiseMultiplier ** 2);
    case 'laplace':
      return event.noiseMultiplier === 0 ? Infinity : 1 / (2 * event.noiseMultiplier ** 2);
    case 'randomizedResponse':
      return event.k === 1 ? 0 : event.epsilon ** 2 / 2;
    case 'pureDp':
      return event.epsilon ** 2 / 2;
    case 'zcdp':
      return event.rho;
    case 'selfComposed':
      return event.count === 0 ? 0 : event.count * rhoOf(event.event);
    case 'composed':
      return event.events.reduce((total, inner) => total + rhoOf(inner), 0);
    default: {
      const unknown: never = event;
      throw new RangeError(`event.kind must be a known privacy event kind; got ${String(unknown)}`);
    }
  }
}

/** Orders below this are numerically unstable in the Prop. 12 expressions (as in ./conversion.ts). */
const MIN_STABLE_ORDER = 1.01;
/** Search range of log(α − 1): α from 1.01 to ≈ 1 + 4.8e8, wide enough for ρ down to 1e−12. */
const LOG_ALPHA_MINUS_ONE_RANGE: readonly [number, number] = [Math.log(MIN_STABLE_ORDER - 1), 20];
const GRID_POINTS = 600;

/**
 * Minimises f over α > 1.01: a log-spaced grid, then golden-section search between the best
 * point's neighbours. Any α gives a valid bound, so the result is valid whatever the shape of f;
 * the refinement only makes it tighter.
 */
function minimiseOverOrders(f: (alpha: number) => number): { value: number; order: number } {
  const [low, high] = LOG_ALPHA_MINUS_ONE_RANGE;
  const step = (high - low) / (GRID_POINTS - 1);
  const at = (t: number): number => f(1 + Math.exp(t));
  let bestIndex = 0;
  let bestValue = Infinity;
  for (let index = 0; index < GRID_POINTS; index += 1) {
    const value = at(low + index * step);
    if (value < bestValue) {
      bestValue = value;
      bestIndex = index;
    }
  }
  let a = low + Math.max(0, bestIndex - 1) * step;
  let b = low + Math.min(GRID_POINTS - 1, bestIndex + 1) * step;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = at(c);
  let fd = at(d);
  for (let iteration = 0; iteration < 80; iteration += 1) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = at(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = at(d);
    }
  }
  let bestT = low + bestIndex * step;
  for (const [t, value] of [[c, fc], [d, fd]] as const) {
    if (value < bestValue) {
      bestValue = value;
      bestT = t;
    }
  }
  return { value: bestValue, order: 1 + Math.exp(bestT) };
}

/**
 * The tightest ε for ρ-zCDP at δ (CKS20 Prop. 12 over a continuum of orders).
 * @example zcdpToEpsilon(1, 1e-6) // { epsilon: ≈ 7.77, order: ≈ 4.5 }
 */
export function zcdpToEpsilon(rho: number, delta: number): { epsilon: number; order: number } {
  requireNonNegativeOrInfinite('rho', rho);
  requireProbability('delta', delta);
  if (rho === 0) return { epsilon: 0, order: Infinity };
  if (rho === Infinity || delta === 0) return { epsilon: Infinity, order: Number.NaN };
  // KL bound: total variation ≤ √(1 − e^{−ρ}) < δ means ε = 0 already holds.
  if (delta * delta + Math.expm1(-rho) > 0) return { epsilon: 0, order: 1 };
  const logDelta = Math.log(delta);
  const { value, order } = minimiseOverOrders(
    (alpha) => rho * alpha + Math.log1p(-1 / alpha) - (logDelta + Math.log(alpha)) / (alpha - 1),
  );
  return { epsilon: Math.max(0, value), order };
}

/** The classic ρ-zCDP → (ε, δ) bound ε = ρ + 2√(ρ log(1/δ)) (BS16 Prop. 1.3); looser than zcdpToEpsilon. */
export function zcdpToEpsilonSimple(rho: number, delta: number): number {
  requireNonNegativeOrInfinite('rho', rho);
  requireProbability('delta', delta);
  if (rho === 0) return 0;
  if (delta === 0) return Infinity;
  return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
}

/**
 * The smallest δ for which ρ-zCDP implies (ε, δ)-DP (CKS20 Prop. 12, continuum of orders).
 * @example zcdpToDelta(1, zcdpToEpsilon(1, 1e-6).epsilon) // { delta: ≈ 1e-6, … }
 */
export function zcdpToDelta(rho: number, epsilon: number): { delta: number; order: number } {
  requireNonNegativeOrInfinite('rho', rho);
  requireNonNegativeFinite('epsilon', epsilon);
  if (rho === 0) return { delta: 0, order: Infinity };
  if (rho === Infinity) return { delta: 1, order: Number.NaN };
  const klBound = 0.5 * Math.log1p(-Math.exp(-rho));
  const { value, order } = minimiseOverOrders(
    (alpha) => (alpha - 1) * (rho * alpha - epsilon + Math.log1p(-1 / alpha)) - Math.log(alpha),
  );
  return value < klBound ? { delta: Math.min(1, Math.exp(value)), order } : { delta: Math.min(1, Math.exp(klBound)), order: 1 };
}
