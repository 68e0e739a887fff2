/**
 * The Rényi DP accountant (after Google dp_accounting's RdpAccountant): composes PrivacyEvents
 * by adding their RDP curves order by order (Mironov 2017, Prop. 1) and converts the total to
 * (ε, δ) with the CKS20 bound (./conversion.ts).
 *
 * Neighbouring relation: add-or-remove one user for the central mechanisms (Gaussian, Laplace,
 * Poisson-subsampled Gaussian, zCDP, pure DP), replace-one value for randomized response, whose
 * single reporting user is the whole dataset. User-level when each user contributes one clipped
 * vector per round.
 */
import type { PrivacyEvent } from '../events.js';
import { deltaFromRdp, epsilonFromRdp, type DeltaAtOrder, type EpsilonAtOrder } from './conversion.js';
import { DEFAULT_RDP_ORDERS } from './orders.js';
import { gaussianRdp, laplaceRdp, pureDpRdp, randomizedResponseRdp, zcdpRdp } from './rdp-curves.js';
import { poissonSampledGaussianRdp } from './subsampled-gaussian.js';
import {
  requireIntegerInRange,
  requireNonNegativeFinite,
  requireNonNegativeOrInfinite,
  requireOrders,
  requireProbability,
} from './validate.js';

/** Validates an event tree once, before any arithmetic; names the offending path. */
export function validatePrivacyEvent(event: PrivacyEvent, path = 'event'): void {
  switch (event.kind) {
    case 'gaussian':
    case 'laplace':
      requireNonNegativeFinite(`${path}.noiseMultiplier`, event.noiseMultiplier);
      return;
    case 'poissonSampledGaussian':
      requireProbability(`${path}.samplingProbability`, event.samplingProbability);
      requireNonNegativeFinite(`${path}.noiseMultiplier`, event.noiseMultiplier);
      return;
    case 'randomizedResponse':
      requireNonNegativeOrInfinite(`${path}.epsilon`, event.epsilon);
      requireIntegerInRange(`${path}.k`, event.k, 1, Number.MAX_SAFE_INTEGER);
      return;
    case 'zcdp':
      requireNonNegativeOrInfinite(`${path}.rho`, event.rho);
      return;
    case 'pureDp':
      requireNonNegativeOrInfinite(`${path}.epsilon`, event.epsilon);
      return;
    case 'selfComposed':
      requireIntegerInRange(`${path}.count`, event.count, 0, Number.MAX_SAFE_INTEGER);
      validatePrivacyEvent(event.event, `${path}.event`);
      return;
    case 'composed':
      if (!Array.isArray(event.events)) throw new RangeError(`${path}.events must be an array of privacy events`);
      event.events.forEach((inner, index) => validatePrivacyEvent(inner, `${path}.events[${index}]`));
      return;
    default:
      return unknownEvent(event, path);
  }
}

function unknownEvent(event: never, path: string): never {
  const kind = (event as { kind?: unknown }).kind;
  throw new RangeError(`${path}.kind must be a known privacy event kind; got ${String(kind)}`);
}

/** RDP at one order of one (already validated) event. */
function rdpAtOrder(event: PrivacyEvent, alpha: number): number {
  switch (event.kind) {
    case 'gaussian':
      return gaussianRdp(event.noiseMultiplier, alpha);
    case 'laplace':
      return laplaceRdp(event.noiseMultiplier, alpha);
    case 'poissonSampledGaussian':
      return poissonSampledGaussianRdp(event.samplingProbability, event.noiseMultiplier, alpha);
    case 'randomizedResponse':
      return randomizedResponseRdp(event.epsilon, event.k, alpha);
    case 'zcdp':
      return zcdpRdp(event.rho, alpha);
    case 'pureDp':
      return pureDpRdp(event.epsilon, alpha);
    case 'selfComposed':
      // 0 · ∞ would be NaN; composing a mechanism zero times costs nothing.
      return event.count === 0 ? 0 : event.count * rdpAtOrder(event.event, alpha);
    case 'composed':
      return event.events.reduce((total, inner) => total + rdpAtOrder(inner, alpha), 0);
    default:
      return unknownEvent(event, 'event');
  }
}

/**
 * The RDP curve of an event over the given orders.
 * @example rdpOfEvent({ kind: 'gaussian', noiseMultiplier: 1 }, [2]) // [1]
 */
export function rdpOfEvent(event: PrivacyEvent, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  requireOrders('orders', orders);
  validatePrivacyEvent(event);
  return monotoneEnvelope(orders, orders.map((alpha) => rdpAtOrder(event, alpha)));
}

/**
 * The true RDP of a mechanism is non-decreasing in α (a supremum of Rényi divergences, each
 * non-decreasing: van Erven & Harremoës 2014, Thm. 3). Every value we compute is an upper
 * bound, so a value at a higher order also bounds every lower order: take the running minimum
 * from the top. Exact curves are unchanged; where a series fell back to a looser bound
 * (see subsampled-gaussian.ts) a neighbouring order tightens it.
 */
function monotoneEnvelope(orders: readonly number[], rdp: number[]): number[] {
  const byOrderDescending = orders.map((_, index) => index).sort((a, b) => orders[b]! - orders[a]!);
  let bound = Infinity;
  for (const index of byOrderDescending) {
    bound = Math.min(bound, rdp[index]!);
    rdp[index] = bound;
  }
  return rdp;
}

/**
 * Accumulates privacy events and answers ε for a δ, or δ for an ε.
 * @example
 * const accountant = new RdpAccountant();
 * accountant.compose({ kind: 'poissonSampledGaussian', samplingProbability: 0.01, noiseMultiplier: 1.1 }, 1000);
 * accountant.epsilon(1e-6); // { epsilon: …, order: … }
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  #rdp: number[];

  constructor(orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    requireOrders('orders', orders);
    this.orders = Object.freeze([...orders]);
    this.#rdp = this.orders.map(() => 0);
  }

  /** Adds `count` sequential runs of `event`. Validates the whole event before changing anything. */
  compose(event: PrivacyEvent, count = 1): this {
    requireIntegerInRange('count', count, 0, Number.MAX_SAFE_INTEGER);
    const curve = rdpOfEvent(count === 1 ? event : { kind: 'selfComposed', event, count }, this.orders);
    this.#rdp = this.#rdp.map((total, index) => total + curve[index]!);
    return this;
  }

  /** The accumulated RDP at each order (a copy). */
  get rdp(): readonly number[] {
    return [...this.#rdp];
  }

  epsilon(delta: number): EpsilonAtOrder {
    return epsilonFromRdp(this.orders, this.#rdp, delta);
  }

  delta(epsilon: number): DeltaAtOrder {
    return deltaFromRdp(this.orders, this.#rdp, epsilon);
  }
}
