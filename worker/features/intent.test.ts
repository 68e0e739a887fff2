import { describe, expect, it } from 'vitest';
import type { ValidEvent } from '../../core/events/event.js';
import { defaultBuyIntentPriors, fitBuyIntentPriors, type BuyIntentPriors } from '../../core/models/buy-intent.js';
import { betaQuantile } from './beta.js';
import { buyGivenClick, posterior, predictBuy } from './intent.js';
import { intentEvidence, INTENT_HALF_LIFE_MS, pruneIntent, recordEngagement, recordPurchase, type IntentState, type ItemIntent } from './intent-evidence.js';
import { applyBatch, emptyProfile, ItemDrafts, reviveProfile, type ProfileState } from './profile-state.js';

const H = INTENT_HALF_LIFE_MS;
const item = (): { intent?: ItemIntent | null } => ({});
const priors: BuyIntentPriors = {
  source: 'population',
  version: 2,
  categories: new Map([['Drama', { alpha: 2, beta: 8 }], ['Books', { alpha: 1, beta: 1 }]]),
  pooled: { alpha: 1, beta: 3 },
};

describe('intent evidence', () => {
  it('counts a product once however often it is engaged with, and its purchase once', () => {
    const state: IntentState = [];
    const a = item();
    for (let t = 0; t < 5; t++) recordEngagement(state, a, ['Drama'], t, H);
    recordPurchase(state, a, ['Drama'], 10, H);
    recordPurchase(state, a, ['Drama'], 11, H);
    // A product bought without being looked at first is one engagement and one purchase.
    recordPurchase(state, item(), ['Drama'], 12, H);
    recordEngagement(state, item(), ['Drama'], 13, H);
    const [drama] = intentEvidence(state, 13, H);
    expect(drama!.engagements).toBeCloseTo(3, 9);
    expect(drama!.buys).toBeCloseTo(2, 9);
  });

  it('decays: after one half-life the evidence is halved, and a purchase takes back its provisional miss as decayed', () => {
    const state: IntentState = [];
    const a = item();
    recordEngagement(state, a, ['Drama'], 0, H);
    recordEngagement(state, item(), ['Drama'], 0, H);
    expect(intentEvidence(state, H, H)[0]).toMatchObject({ engagements: 1, buys: 0 });
    recordPurchase(state, a, ['Drama'], H, H);
    // The other product's miss (½) is left; a's miss (½ by now) moved to a fresh purchase (1).
    const [drama] = intentEvidence(state, H, H);
    expect(drama!.buys).toBeCloseTo(1, 12);
    expect(drama!.engagements).toBeCloseTo(1.5, 12);
    pruneIntent(state, H * 40, H);
    expect(state).toEqual([]);
  });

  it('never lets a purchase push the misses below zero (categories that changed between engagement and purchase)', () => {
    const state: IntentState = [];
    const a = item();
    recordEngagement(state, a, ['Drama'], 0, H);
    recordPurchase(state, a, ['Comedy'], 1, H);
    const comedy = intentEvidence(state, 1, H).find((e) => e.category === 'Comedy');
    expect(comedy).toEqual({ category: 'Comedy', engagements: 1, buys: 1 });
  });

  it("keeps a category named '__proto__' as data", () => {
    const state: IntentState = [];
    recordEngagement(state, item(), ['__proto__'], 0, H);
    expect(intentEvidence(state, 0, H)).toEqual([{ category: '__proto__', engagements: 1, buys: 0 }]);
    expect(buyGivenClick(state, 0, priors, H)[0]!.category).toBe('__proto__');
  });
});

describe('the posterior', () => {
  it('is Beta(α0 + buys, β0 + engagements − buys), with mean and the 5 %–95 % quantiles shown', () => {
    const state: IntentState = [];
    for (let i = 0; i < 4; i++) recordEngagement(state, item(), ['Drama'], 0, H);
    recordPurchase(state, item(), ['Drama'], 0, H);
    expect(posterior({ alpha: 2, beta: 8 }, { engagements: 5, buys: 1 })).toEqual({ alpha: 3, beta: 12 });
    const [drama] = buyGivenClick(state, 0, priors, H);
    expect(drama!.probability).toBeCloseTo(3 / 15, 12);
    expect(drama!.low).toBeCloseTo(betaQuantile(0.05, 3, 12), 12);
    expect(drama!.high).toBeCloseTo(betaQuantile(0.95, 3, 12), 12);
    expect(drama!.low).toBeLessThan(drama!.probability);
    expect(drama!.high).toBeGreaterThan(drama!.probability);
  });

  it('narrows with evidence and moves from the prior towards the visitor\'s own rate', () => {
    const few: IntentState = [];
    const many: IntentState = [];
    for (let i = 0; i < 100; i++) {
      if (i < 2) recordPurchase(few, item(), ['Drama'], 0, H);
      recordPurchase(many, item(), ['Drama'], 0, H);
      recordEngagement(many, item(), ['Drama'], 0, H);
    }
    const [small] = buyGivenClick(few, 0, priors, H);
    const [large] = buyGivenClick(many, 0, priors, H);
    expect(large!.high - large!.low).toBeLessThan(small!.high - small!.low);
    expect(large!.probability).toBeCloseTo(102 / 210, 12);
    expect(small!.probability).toBeCloseTo(4 / 12, 12);
  });

  it('falls back to the prior without evidence, to the top-level category, and to the pooled prior for an unknown one', () => {
    expect(predictBuy([], ['Drama'], 0, priors, H)).toBeCloseTo(0.2, 12);
    expect(predictBuy([], ['Books/Fiction'], 0, priors, H)).toBeCloseTo(0.5, 12);
    expect(predictBuy([], ['Gardening'], 0, priors, H)).toBeCloseTo(0.25, 12);
    expect(predictBuy([], [], 0, priors, H)).toBeCloseTo(0.25, 12);
    // A product in two categories: the mean of the two.
    expect(predictBuy([], ['Drama', 'Books'], 0, priors, H)).toBeCloseTo(0.35, 12);
    expect(predictBuy([], ['Drama'], 0, defaultBuyIntentPriors(), H)).toBeCloseTo(0.05, 12);
  });

  it('lists the most likely purchase first', () => {
    const state: IntentState = [];
    recordPurchase(state, item(), ['Books'], 0, H);
    recordEngagement(state, item(), ['Drama'], 0, H);
    recordEngagement(state, item(), ['Gardening'], 0, H);
    expect(buyGivenClick(state, 0, priors, H).map((b) => b.category)).toEqual(['Books', 'Gardening', 'Drama']);
  });

  it('works with a fitted population prior', () => {
    const fitted = fitBuyIntentPriors(['Drama'], [30, 6, 2.1, 9], 2);
    const state: IntentState = [];
    recordEngagement(state, item(), ['Drama'], 0, H);
    const [drama] = buyGivenClick(state, 0, fitted, H);
    expect(drama!.probability).toBeGreaterThan(0);
    expect(drama!.probability).toBeLessThan(0.2);
  });
});

describe('in the profile', () => {
  const product = (productId: string, categories: string[] | null = null) => ({ productId, categories, price: null, quantity: 1 });
  function run(events: ValidEvent[], state: ProfileState = emptyProfile()) {
    const drafts = new ItemDrafts(() => undefined);
    applyBatch(state, events, { halfLives: { shortMs: 60_000, longMs: H }, catalogCategories: () => undefined, item: drafts.get });
    return state;
  }

  it('views, carts and orders become engagements and purchases per category', () => {
    const state = run([
      { id: '1', at: 0, path: null, name: 'Product Viewed', product: product('a', ['Drama', 'Crime']) },
      { id: '2', at: 1, path: null, name: 'Product Viewed', product: product('a', ['Drama', 'Crime']) },
      { id: '3', at: 2, path: null, name: 'Product Added', product: product('b', ['Drama']) },
      { id: '4', at: 3, path: null, name: 'Order Completed', orderId: 'o', products: [product('a')], revenue: 5 },
    ]);
    const evidence = intentEvidence(state.intent, 3, H);
    expect(evidence.find((e) => e.category === 'Drama')).toMatchObject({ buys: 1 });
    expect(evidence.find((e) => e.category === 'Drama')!.engagements).toBeCloseTo(2, 9);
    expect(evidence.find((e) => e.category === 'Crime')!.buys).toBeCloseTo(1, 9);
  });

  it('a stored profile from before intent was kept revives with none', () => {
    const { intent: _dropped, ...old } = emptyProfile();
    const revived = reviveProfile(old as ProfileState);
    expect(revived.intent).toEqual([]);
    run([{ id: '1', at: 0, path: null, name: 'Product Viewed', product: product('a', ['Drama']) }], revived);
    expect(revived.intent.map((e) => e.category)).toEqual(['Drama']);
  });
});
