import { describe, expect, it } from 'vitest';
import { ago, likelyNext, percent, stepInWords, whyLines } from './predictions.js';

describe('predictions in words', () => {
  it('says the likely next categories and chances as a visitor reads them', () => {
    expect(likelyNext([{ category: 'Sci-Fi', probability: 0.342 }, { category: 'Drama', probability: 0.21 }])).toBe('Sci-Fi 34 %, Drama 21 %');
    expect(likelyNext([0.4, 0.3, 0.2, 0.1].map((probability, i) => ({ category: `c${i}`, probability })))).toBe('c0 40 %, c1 30 %, c2 20 %');
    expect(likelyNext([])).toBeNull();
    expect(likelyNext(undefined)).toBeNull();
    expect([0, 0.004, 0.04, 1].map(percent)).toEqual(['0 %', '< 1 %', '4 %', '100 %']);
  });

  it('tells each step and how long ago', () => {
    expect(stepInWords({ action: 'view', categories: ['Comedy'], at: 0 })).toBe('viewed a film (Comedy)');
    expect(stepInWords({ action: 'cart', categories: ['Action', 'Sci-Fi'], at: 0 })).toBe('added a film to the cart (Action, Sci-Fi)');
    expect(stepInWords({ action: 'buy', categories: [], at: 0 })).toBe('bought films');
    expect(stepInWords({ action: 'search', categories: [], at: 0 })).toBe('searched');
    expect(stepInWords({ action: 'other', categories: ['Comedy'], at: 0 })).toBe('browsed a list (Comedy)');
    const now = Date.UTC(2026, 11, 7, 12);
    expect([now - 5_000, now - 5 * 60_000, now - 3 * 3_600_000, now - 86_400_000, now - 9 * 86_400_000, now + 60_000].map((at) => ago(at, now)))
      .toEqual(['just now', '5 min ago', '3 h ago', '1 day ago', '9 days ago', 'just now']);
  });

  it('says why: with or without the shop\'s trained model, and the interval only when it is shown', () => {
    const without = whyLines({ purchasePropensity: 0.1, nextCategories: [], nextAction: null });
    expect(without.join(' ')).toContain('no trained model yet');
    expect(without.join(' ')).toContain('kept only in this browser');
    const withModel = whyLines({ purchasePropensity: 0.1, nextCategories: [], nextAction: { view: 0.7, cart: 0.1, buy: 0.05, leave: 0.15 } });
    expect(withModel.join(' ')).toContain('shop’s shared model');
    expect(withModel.join(' ')).not.toContain('If you open');
    expect(whyLines({ purchasePropensity: 0.1, buyGivenClick: [] }).join(' ')).toContain('If you open a film of');
    // An older SDK without the next-event fields: only what it shows is explained.
    expect(whyLines({ purchasePropensity: 0.1 })).toHaveLength(1);
  });
});
