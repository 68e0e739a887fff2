/**
 * Category interests with two half-lives: the short-term term follows the current session, the
 * long-term one the visitor's lasting taste, so when taste drifts the short term moves first and
 * the long term follows slowly. Keys are normalised category paths.
 */
import { addTwoTerm, decayedShares, decayExponent, readTwoTerm, type HalfLives, type TwoTerm } from './decay.js';

export type InterestTable = Record<string, TwoTerm>;

export interface InterestShare {
  readonly category: string;
  /** Share of the short-term total, in [0, 1]. */
  readonly shortTerm: number;
  /** Share of the long-term total, in [0, 1]. */
  readonly longTerm: number;
}

/**
 * Adds `weight` of interest spread evenly over `categories` (a film in three genres gives each a
 * third, so multi-genre items do not outweigh single-genre ones). O(categories).
 */
export function addInterest(
  table: InterestTable,
  categories: readonly string[],
  weight: number,
  at: number,
  halfLives: HalfLives,
): void {
  if (categories.length === 0 || weight === 0) return;
  const share = weight / categories.length;
  for (const category of categories) table[category] = addTwoTerm(table[category], share, at, halfLives);
}

/**
 * Interests as shares of each term's total at `now`, strongest (by the blend) first. Negative
 * values (from negative ratings) are floored at zero: a profile says what a visitor likes.
 */
export function interestShares(table: InterestTable, now: number, halfLives: HalfLives, shortWeight: number): InterestShare[] {
  // Relative to the freshest (decay.ts decayedShares): after a long silence every short-term value
  // is below the smallest double, yet their shares — how the last session was split — are not.
  const categories: string[] = [];
  const short: number[] = [];
  const long: number[] = [];
  const shortExp: number[] = [];
  const longExp: number[] = [];
  for (const category of Object.keys(table)) {
    const score = table[category]!;
    if (!(score.s > 0) && !(score.l > 0)) continue;
    categories.push(category);
    short.push(score.s);
    long.push(score.l);
    shortExp.push(decayExponent(now - score.at, halfLives.shortMs));
    longExp.push(decayExponent(now - score.at, halfLives.longMs));
  }
  const shortShares = decayedShares(short, shortExp);
  const longShares = decayedShares(long, longExp);
  const shares = categories.map((category, i) => ({ category, shortTerm: shortShares[i]!, longTerm: longShares[i]! }));
  const blend = (s: InterestShare) => shortWeight * s.shortTerm + (1 - shortWeight) * s.longTerm;
  return shares.sort((a, b) => blend(b) - blend(a) || a.category.localeCompare(b.category));
}

/** Drops keys whose long-term value has decayed below `floor`, so the table stays small. */
export function pruneInterests(table: InterestTable, now: number, halfLives: HalfLives, floor: number): void {
  for (const category of Object.keys(table)) {
    const value = readTwoTerm(table[category], now, halfLives);
    if (Math.abs(value.long) < floor && Math.abs(value.short) < floor) delete table[category];
  }
}
