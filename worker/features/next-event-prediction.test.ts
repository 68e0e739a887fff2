/**
 * The next-event predictions through the Engine, as a site sees them in profile(): the steps the
 * sequence keeps, a model-less prediction from the visitor's own categories, an adopted model's
 * actions, and odd input (unknown categories, huge gaps, a clock going backwards, a 10,000-event
 * burst) handled without losing what was stored.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { CatalogItem, RawEvent } from '../../core/protocol/engine-api.js';
import { initialNextEventWeights, nextEventLayout } from '../../core/models/next-event.js';
import { createEngine } from '../engine.js';
import { SEQUENCE_KEPT } from './sequence.js';

const T0 = Date.UTC(2026, 10, 1);
const catalog: CatalogItem[] = [
  ...Array.from({ length: 5 }, (_, i) => ({ id: `sf${i}`, categories: ['Sci-Fi'], price: 10, popularity: 0.1 })),
  ...Array.from({ length: 5 }, (_, i) => ({ id: `dr${i}`, categories: ['Drama'], price: 10, popularity: 0.1 })),
];

async function open() {
  const clock = { t: T0 };
  const engine = await createEngine({ site: 'shop', idbFactory: new IDBFactory(), now: () => clock.t, catalog, consent: 'granted' });
  let n = 0;
  const event = (name: string, properties: unknown, at = clock.t): RawEvent => ({ id: `e${n++}`, name, properties, timestamp: at });
  return { engine, clock, event };
}

describe('next-event predictions', () => {
  it('records one step per meaningful event, not the echoes around it', async () => {
    const { engine, event } = await open();
    await engine.ingest([
      event('Page Viewed', {}),
      event('Product Clicked', { product_id: 'sf0' }),
      event('Product Viewed', { product_id: 'sf0' }),
      event('Product Engaged', { product_id: 'sf0', seconds: 40 }),
      event('Product Added to Wishlist', { product_id: 'dr1' }),
      event('Products Searched', { query: 'space' }),
      event('Product Added', { product_id: 'sf0' }),
      event('Order Completed', { products: [{ product_id: 'sf0', price: 10 }] }),
    ]);
    const steps = await engine.sequence();
    expect(steps.map((s) => `${s.action}:${s.categories.join('|')}`)).toEqual(['view:Sci-Fi', 'wishlist:Drama', 'search:', 'cart:Sci-Fi', 'buy:Sci-Fi']);
  });

  it('lists the latest ten steps the predictions read, so a page can show why', async () => {
    const { engine, event, clock } = await open();
    await engine.ingest([event('Products Searched', { query: 'space' }), ...[0, 1, 2, 3, 4].map((i) => event('Product Viewed', { product_id: `dr${i}` }))]);
    clock.t += 60_000;
    await engine.ingest([...[0, 1, 2, 3, 4].map((i) => event('Product Viewed', { product_id: `sf${i}` })), event('Product Added', { product_id: 'sf4' })]);
    const { recentSteps } = (await engine.profile()).predictions;
    expect(recentSteps).toHaveLength(10);
    expect(recentSteps.map((s) => `${s.action}:${s.categories.join('|')}`)).toEqual([...new Array(4).fill('view:Drama'), ...new Array(5).fill('view:Sci-Fi'), 'cart:Sci-Fi']);
    expect(recentSteps[9]!.at).toBe(clock.t);
    // A copy: what the page holds cannot change the engine's sequence.
    (recentSteps[0]!.categories as string[]).push('Horror');
    expect((await engine.sequence())[2]!.categories).toEqual(['Drama']);
  });

  it('predicts from the visitor\'s own categories before any model arrives, most recent taste first', async () => {
    const { engine, event, clock } = await open();
    await engine.ingest([...[0, 1, 2].map((i) => event('Product Viewed', { product_id: `dr${i}` }))]);
    clock.t += 60_000;
    await engine.ingest([...[0, 1, 2, 3].map((i) => event('Product Viewed', { product_id: `sf${i}` }))]);
    const { predictions } = await engine.profile();
    expect(predictions.nextCategories.map((c) => c.category)).toEqual(['Sci-Fi', 'Drama']);
    expect(predictions.nextCategories.reduce((a, c) => a + c.probability, 0)).toBeLessThanOrEqual(1 + 1e-6);
    expect(predictions.nextAction).toBeNull();
  });

  it('uses an adopted model: its vocabulary, and next-action probabilities that sum to 1', async () => {
    const { engine, event } = await open();
    await engine.ingest([event('Product Viewed', { product_id: 'sf0', category: 'Sci-Fi/Space Opera' }), event('Product Viewed', { product_id: 'x', category: 'Unheard-of' })]);
    const shape = { categories: 3, embed: 8, hidden: 32 };
    let seed = 1;
    const weights = initialNextEventWeights(shape, () => ((seed = (seed * 16807) % 2147483647) / 2147483647));
    await expect(engine.setNextEventModel({ version: 3, vocabulary: ['Drama'], shape, weights })).rejects.toThrow(/vocabulary must have 3 labels/);
    await expect(engine.setNextEventModel({ version: 3, vocabulary: ['Drama', 'Sci-Fi', 'Comedy'], shape, weights: weights.subarray(1) })).rejects.toThrow(`weights must hold ${nextEventLayout(shape).size} floats`);
    await engine.setNextEventModel({ version: 3, vocabulary: ['Drama', 'Sci-Fi', 'Comedy'], shape, weights });
    const { predictions } = await engine.profile();
    // "Sci-Fi/Space Opera" matches by its top level; "Unheard-of" is outside the vocabulary.
    expect(predictions.nextCategories[0]?.category).toBe('Sci-Fi');
    expect(predictions.nextCategories.every((c) => ['Drama', 'Sci-Fi', 'Comedy'].includes(c.category))).toBe(true);
    const actions = predictions.nextAction!;
    expect(actions.view + actions.cart + actions.buy + actions.leave).toBeCloseTo(1, 5);
  });

  it('keeps a bounded sequence through a 10,000-event burst, huge gaps and a clock going backwards', async () => {
    const { engine, event, clock } = await open();
    const burst = Array.from({ length: 10_000 }, (_, i) => event('Product Viewed', { product_id: `p${i}`, category: 'Sci-Fi' }, T0 + i));
    // ingest() takes at most 1,000 events a call (the SDK's batches are smaller still).
    let accepted = 0;
    for (let i = 0; i < burst.length; i += 1000) accepted += (await engine.ingest(burst.slice(i, i + 1000))).accepted;
    expect(accepted).toBe(10_000);
    expect((await engine.sequence()).length).toBe(SEQUENCE_KEPT);
    expect((await engine.profile()).storage.events).toBe(10_000);
    clock.t = T0 + 400 * 86_400_000;
    await engine.ingest([event('Product Viewed', { product_id: 'dr0' }), event('Product Viewed', { product_id: 'dr1' }, clock.t - 86_400_000)]);
    const { predictions } = await engine.profile();
    // 128 Sci-Fi steps outweigh two Drama ones in the slower decays, but Drama is listed.
    expect(predictions.nextCategories.map((c) => c.category).sort()).toEqual(['Drama', 'Sci-Fi']);
    for (const c of predictions.nextCategories) expect(Number.isFinite(c.probability)).toBe(true);
  });
});
