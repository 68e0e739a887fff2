/**
 * The engine's counts for one report period (issue 12 §2, core/models/daily-report.ts), read from
 * the sequence the profile already keeps (worker/features/sequence.ts): product views, carts and
 * buys per top-level category, the furthest funnel stage reached. Raw counts: the report's encoder
 * clips them. What the sequence cannot say is left out rather than guessed: search queries (a
 * 'search' step keeps no query text, so the search block stays 0) and a visit with no product step
 * (page views are not steps: such a period reports no funnel stage). The sequence keeps the newest
 * 128 steps, more than a period's clipped report can carry (views ≤ 16 a day by default).
 */
import type { FunnelStage, PeriodActivity } from '../../core/models/daily-report.js';
import type { SequenceEntry } from './sequence.js';

const STAGE_OF = { view: 'viewed-product', cart: 'carted', buy: 'bought' } as const satisfies Partial<Record<SequenceEntry['action'], FunnelStage>>;
const RANK: Record<FunnelStage, number> = { visited: 0, 'viewed-product': 1, carted: 2, bought: 3 };

/**
 * @example
 * periodActivity(await engine.sequence(), Date.UTC(2026, 10, 23), Date.now(), segment);
 * // → { views: { Drama: 2 }, carts: {}, buys: {}, searches: {}, stage: 'viewed-product', segment }
 */
export function periodActivity(entries: readonly SequenceEntry[], start: number, end: number, segment: number | null = null): PeriodActivity {
  const views: Record<string, number> = {};
  const carts: Record<string, number> = {};
  const buys: Record<string, number> = {};
  let stage: FunnelStage | null = null;
  for (const entry of entries) {
    if (!(entry.at >= start && entry.at < end)) continue;
    if (stage === null) stage = 'visited';
    const reached = entry.action === 'view' || entry.action === 'cart' || entry.action === 'buy' ? STAGE_OF[entry.action] : null;
    if (reached === null) continue;
    if (RANK[reached] > RANK[stage]) stage = reached;
    const counts = entry.action === 'view' ? views : entry.action === 'cart' ? carts : buys;
    const tops = new Set(entry.categories.map((c) => c.split('/')[0]!).filter((c) => c !== ''));
    for (const top of tops) counts[top] = (counts[top] ?? 0) + 1;
  }
  return { views, carts, buys, searches: {}, stage, segment };
}
