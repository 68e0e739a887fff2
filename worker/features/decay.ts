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
