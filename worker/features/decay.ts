/**
 * Exponentially decayed scores, decayed lazily: a score stores its value as of its last update
 * and is decayed only when read or touched, so an update costs O(1) per touched key no matter how
 * many keys the profile holds. A half-life of Infinity means "never decays" (a plain sum).
 */

/** A value as of `at` (ms since the epoch). */
export interface Decayed {
  v: number;
  at: number;
}

/** Two values of the same signal decayed with a short and a long half-life, both as of `at`. */
export interface TwoTerm {
  s: number;
  l: number;
  at: number;
}

export interface HalfLives {
  readonly shortMs: number;
  readonly longMs: number;
}

/** The fraction left after `elapsedMs`; 1 for a non-positive elapsed time or an infinite half-life. */
export function decayFactor(elapsedMs: number, halfLifeMs: number): number {
  if (elapsedMs <= 0 || halfLifeMs === Infinity) return 1;
  return Math.pow(2, -elapsedMs / halfLifeMs);
}

/** log₂ of decayFactor: −elapsed / half-life (0 for a non-positive elapsed time or an infinite half-life). */
export function decayExponent(elapsedMs: number, halfLifeMs: number): number {
  return elapsedMs <= 0 || halfLifeMs === Infinity ? 0 : -elapsedMs / halfLifeMs;
}

/**
 * Decayed values v·2^exponent as shares of their sum (values ≤ 0 count as 0), exact however far
 * they all decayed: a 1-minute half-life read 18 hours later is 2^−1080, which a double holds only
 * as 0, so the exponents are taken relative to the largest one before any power is computed.
 * Values decayed from the same time are shared exactly as the raw values are.
 */
export function decayedShares(values: readonly number[], exponents: readonly number[]): number[] {
  let top = Number.NEGATIVE_INFINITY;
  values.forEach((v, i) => {
    if (v > 0) top = Math.max(top, exponents[i]!);
  });
  const scaled = values.map((v, i) => (v > 0 ? v * Math.pow(2, exponents[i]! - top) : 0));
  const total = scaled.reduce((a, b) => a + b, 0);
  return scaled.map((v) => (total > 0 ? v / total : 0));
}

/** The value at `now` (never increases: a read before the last update returns the stored value). */
export function readDecayed(score: Decayed | undefined, now: number, halfLifeMs: number): number {
  return score === undefined ? 0 : score.v * decayFactor(now - score.at, halfLifeMs);
}

/**
 * Adds `weight` at time `at`. An event older than the last update (out-of-order delivery) is
 * decayed to the score's time instead of moving the score back, so the result does not depend
 * on arrival order.
 */
export function addDecayed(score: Decayed | undefined, weight: number, at: number, halfLifeMs: number): Decayed {
  if (score === undefined) return { v: weight, at };
  if (at >= score.at) return { v: score.v * decayFactor(at - score.at, halfLifeMs) + weight, at };
  return { v: score.v + weight * decayFactor(score.at - at, halfLifeMs), at: score.at };
}

export function readTwoTerm(score: TwoTerm | undefined, now: number, halfLives: HalfLives): { short: number; long: number } {
  if (score === undefined) return { short: 0, long: 0 };
  const elapsed = now - score.at;
  return { short: score.s * decayFactor(elapsed, halfLives.shortMs), long: score.l * decayFactor(elapsed, halfLives.longMs) };
}

/** Same as addDecayed, for both terms at once. */
export function addTwoTerm(score: TwoTerm | undefined, weight: number, at: number, halfLives: HalfLives): TwoTerm {
  if (score === undefined) return { s: weight, l: weight, at };
  if (at >= score.at) {
    const elapsed = at - score.at;
    return {
      s: score.s * decayFactor(elapsed, halfLives.shortMs) + weight,
      l: score.l * decayFactor(elapsed, halfLives.longMs) + weight,
      at,
    };
  }
  const back = score.at - at;
  return {
    s: score.s + weight * decayFactor(back, halfLives.shortMs),
    l: score.l + weight * decayFactor(back, halfLives.longMs),
    at: score.at,
  };
}
