/**
 * Argument rules of the accountant, calibration and ledger. The rules and the error format live
 * in the one validation module, ../checks.ts; this file only adds the few accounting-specific
 * shapes (values that may be +∞, Rényi orders, RDP curves, identifiers) on top of its `fail`,
 * so every bad argument still throws "RangeError: <argument> must be <rule>; got <value>".
 */
import { fail, requireIntegerInRange, requireNonNegativeFinite, requireNumberInRange, requirePositiveFinite } from '../checks.js';

export { requireIntegerInRange, requireNonNegativeFinite, requirePositiveFinite };

/** A number ≥ 0 that may be +∞ (an RDP value; the cost of a release without noise). */
export function requireNonNegativeOrInfinite(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) fail(name, 'a number ≥ 0 (∞ allowed)', value);
  return value;
}

/** A probability in [0, 1]. */
export function requireProbability(name: string, value: number): number {
  return requireNumberInRange(name, value, 0, 1);
}

/** Strictly inside (0, 1): a δ to calibrate for (δ = 0 calls for pure-DP calibration). */
export function requireOpenUnit(name: string, value: number): number {
  return requireNumberInRange(name, value, 0, 1, true);
}

/** A non-empty string (site and task identifiers). */
export function requireIdentifier(name: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(name, 'a non-empty string', value);
  return value;
}

/** Non-empty list of Rényi orders, each ≥ 1 (∞ allowed). */
export function requireOrders(name: string, orders: readonly number[]): readonly number[] {
  if (!Array.isArray(orders) || orders.length === 0) fail(name, 'a non-empty array of Rényi orders', orders);
  orders.forEach((order, index) => {
    if (typeof order !== 'number' || !(order >= 1)) fail(`${name}[${index}]`, 'a Rényi order ≥ 1 (∞ allowed)', order);
  });
  return orders;
}

/** Orders plus one RDP value ≥ 0 (∞ allowed) per order. */
export function requireRdpCurve(orders: readonly number[], rdp: readonly number[]): void {
  requireOrders('orders', orders);
  if (!Array.isArray(rdp) || rdp.length !== orders.length) {
    fail('rdp', `an array with one value per order (${orders.length})`, rdp);
  }
  rdp.forEach((value, index) => requireNonNegativeOrInfinite(`rdp[${index}]`, value));
}
