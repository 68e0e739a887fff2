/**
 * The visitor's purchase-intent evidence, kept in the profile as events arrive (the write side of
 * intent.ts, which turns it into Beta posteriors when profile() is read). Per category:
 * engagements (products viewed, clicked, dwelt on, wishlisted, shared, put in the cart, reviewed
 * or bought) and purchases among them. A product counts ONCE, when first engaged with
 * (ItemRecord.intent remembers it), so five looks at one product before buying it are one
 * engagement and one purchase, not five and one. A product first engaged with is a provisional
 * "not bought"; its purchase moves it to "bought" (both counters keep buys ≤ engagements).
 *
 * Decayed, not windowed: each counter halves every INTENT_HALF_LIFE_MS (decay.ts, O(1) per event
 * and two numbers per category, where a window would keep every engagement's time), so what a
 * visitor bought years ago weighs less than last month's browsing; the half-life was measured
 * (sim/experiments/buy-intent.ts --sweep; the table is in worker/features/README.md).
 * Kept apart from intent.ts so that the Worker starts without the Beta quantile and the prior fit.
 */
import type { CategoryEvidence } from '../../core/models/buy-intent.js';
import { addDecayed, readDecayed, type Decayed } from './decay.js';

const DAY = 86_400_000;

/** Half-life of the evidence: 365 days measured best of 7 d / 30 d / 90 d / 365 d / never (README). */
export const INTENT_HALF_LIFE_MS = 365 * DAY;
/** A category whose decayed engagements fall below this is dropped from the profile. */
const INTENT_PRUNE_FLOOR = 1e-3;

/** One category's decayed counters. */
export interface CategoryIntent {
  readonly category: string;
  bought: Decayed | undefined;
  notBought: Decayed | undefined;
}

/**
 * Every category with evidence, as a list (not a record keyed by category: a category named
 * '__proto__' stays data, and export() writes it as JSON as is). Tens of entries: a site's categories.
 */
export type IntentState = CategoryIntent[];

/** What a product record remembers: when it was counted, and whether as a purchase. */
export interface ItemIntent {
  readonly at: number;
  readonly bought: boolean;
}

function entryOf(state: IntentState, category: string): CategoryIntent {
  let entry = state.find((e) => e.category === category);
  if (entry === undefined) state.push((entry = { category, bought: undefined, notBought: undefined }));
  return entry;
}

/** A product of `categories` was engaged with at `at`; counts only its first engagement. */
export function recordEngagement(state: IntentState, item: { intent?: ItemIntent | null }, categories: readonly string[], at: number, halfLifeMs = INTENT_HALF_LIFE_MS): void {
  if (item.intent) return;
  for (const category of categories) {
    const entry = entryOf(state, category);
    entry.notBought = addDecayed(entry.notBought, 1, at, halfLifeMs);
  }
  item.intent = { at, bought: false };
}

/**
 * A product of `categories` was bought at `at`: its provisional "not bought" (as decayed since it
 * was counted) is taken back and a purchase added; counts only its first purchase.
 */
export function recordPurchase(state: IntentState, item: { intent?: ItemIntent | null }, categories: readonly string[], at: number, halfLifeMs = INTENT_HALF_LIFE_MS): void {
  const counted = item.intent ?? null;
  if (counted?.bought) return;
  for (const category of categories) {
    const entry = entryOf(state, category);
    if (counted !== null && entry.notBought !== undefined) {
      const left = addDecayed(entry.notBought, -1, counted.at, halfLifeMs);
      // Categories may differ between the engagement and the purchase: never below zero.
      entry.notBought = { v: Math.max(0, left.v), at: left.at };
    }
    entry.bought = addDecayed(entry.bought, 1, at, halfLifeMs);
  }
  item.intent = { at, bought: true };
}

/** The visitor's evidence at `now`, per category with any left. */
export function intentEvidence(state: IntentState, now: number, halfLifeMs = INTENT_HALF_LIFE_MS): CategoryEvidence[] {
  const out: CategoryEvidence[] = [];
  for (const entry of state) {
    const buys = readDecayed(entry.bought, now, halfLifeMs);
    const engagements = buys + readDecayed(entry.notBought, now, halfLifeMs);
    if (engagements > 0) out.push({ category: entry.category, engagements, buys });
  }
  return out;
}

/** Drops categories whose evidence has decayed to nothing, so the list stays a site's active categories. */
export function pruneIntent(state: IntentState, now: number, halfLifeMs = INTENT_HALF_LIFE_MS): void {
  const kept = state.filter((e) => readDecayed(e.bought, now, halfLifeMs) + readDecayed(e.notBought, now, halfLifeMs) >= INTENT_PRUNE_FLOOR);
  state.splice(0, state.length, ...kept);
}
