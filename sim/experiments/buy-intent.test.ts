import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { evaluateBuyIntent, loadMovieLensBuys, type BuyIntentDataset, type BuyIntentUser } from './buy-intent.js';

/**
 * 300 synthetic visitors, 30 engagements each a minute apart: Sci-Fi bought 60 % of the time,
 * Drama 10 %, each visitor's rates moved by ±0.05 — a population where the category says most.
 */
function synthetic(): BuyIntentDataset {
  const random = seededRandom(11);
  const users: BuyIntentUser[] = [];
  for (let u = 0; u < 300; u++) {
    const shift = (random() - 0.5) * 0.1;
    const events = Array.from({ length: 30 }, (_, i) => {
      const sciFi = random() < 0.5;
      return { productId: `p${u}-${i}`, categories: [sciFi ? 'Sci-Fi' : 'Drama'], at: Date.UTC(2026, 0, 1) + (u * 100 + i) * 60_000, bought: random() < (sciFi ? 0.6 : 0.1) + shift };
    });
    users.push({ events, cut: 24 });
  }
  return { name: 'synthetic', proxy: 'bought as drawn', categories: ['Sci-Fi', 'Drama'], users };
}

describe('evaluateBuyIntent', () => {
  it('scores every model on the held-out events; intent with the population prior beats the base rate', () => {
    const rows = evaluateBuyIntent(synthetic(), { devices: 300 });
    expect(rows.map((r) => r.model.split(/[,:(]/)[0]!.trim())).toEqual([
      'base rate',
      'logistic propensity',
      'logistic propensity',
      'Bayesian intent',
      'Bayesian intent',
      'Bayesian intent',
      'blend',
    ]);
    for (const row of rows) {
      expect(row.events).toBe(300 * 6);
      for (const value of [row.logLoss, row.brier, row.f1, row.ece, row.threshold]) expect(Number.isFinite(value), row.model).toBe(true);
    }
    const [base, , , , noiseless, dp] = rows;
    // Categories at 60 % and 10 %: knowing the category is worth a lot over the 35 % base rate
    // (log loss 0.647 → about 0.50 at the true rates).
    expect(noiseless!.logLoss).toBeLessThan(base!.logLoss - 0.1);
    expect(dp!.logLoss).toBeLessThan(base!.logLoss - 0.1);
    expect(noiseless!.f1).toBeGreaterThan(base!.f1);
  });

  it('reads ml-latest-small with its proxy: 671 users, 100,004 engagements, 22.8 % "bought"', () => {
    const dataset = loadMovieLensBuys();
    const events = dataset.users.flatMap((u) => u.events);
    expect(dataset.users).toHaveLength(671);
    expect(events).toHaveLength(100_004);
    expect(events.filter((e) => e.bought).length / events.length).toBeCloseTo(0.2282, 4);
    expect(dataset.users.every((u) => u.events.length - u.cut === Math.max(1, Math.round(u.events.length * 0.2)))).toBe(true);
  });
});
