/** The DOM-free parts of autocapture: engaged time, search queries, product attributes, navigation keys. */
import { describe, expect, it } from 'vitest';
import { cartAction } from './clicks.js';
import { EngagementClock, engagedSeconds } from './engagement-clock.js';
import { pageKey } from './navigation.js';
import { productProperties } from './product-attributes.js';
import { SearchDeduper, SEARCH_DEDUPE_MS, searchQueryFromUrl } from './search-query.js';

describe('EngagementClock', () => {
  it('counts only the time between resume and pause, and take() resets while running on', () => {
    const clock = new EngagementClock();
    clock.resume(1000);
    clock.pause(4000); // 3 s visible and focused
    clock.pause(9000); // already paused: nothing more
    clock.resume(10_000);
    expect(clock.take(12_500)).toBe(5500);
    expect(clock.running).toBe(true);
    expect(clock.take(13_000)).toBe(500);
    clock.pause(12_000); // a clock that went backwards counts nothing
    expect(clock.take(20_000)).toBe(0);
  });

  it('reports seconds with one decimal, and nothing under a second', () => {
    expect(engagedSeconds(999)).toBeNull();
    expect(engagedSeconds(12_345)).toBe(12.3);
  });
});

describe('search queries', () => {
  it('reads and tidies the configured parameter', () => {
    expect(searchQueryFromUrl(new URL('https://s.example/search?q=%20star%20%20wars%20'), 'q')).toBe('star wars');
    expect(searchQueryFromUrl(new URL('https://s.example/search?query=alien'), 'q')).toBeNull();
    expect(searchQueryFromUrl(new URL('https://s.example/search?q=%20'), 'q')).toBeNull();
  });

  it('counts the same query twice within the window once', () => {
    const deduper = new SearchDeduper();
    expect(deduper.isNew('Alien', 0)).toBe(true);
    expect(deduper.isNew('alien', 1000)).toBe(false);
    expect(deduper.isNew('alien', 1000 + SEARCH_DEDUPE_MS)).toBe(true);
    expect(deduper.isNew('heat', 1000 + SEARCH_DEDUPE_MS)).toBe(true);
  });
});

describe('productProperties', () => {
  it('maps the data attributes to the Segment property names, numbers parsed (NaN left for the engine to report)', () => {
    const attributes: Record<string, string> = {
      'data-inkling-product-id': ' 42 ',
      'data-inkling-product-category': 'Sci-Fi,Horror',
      'data-inkling-product-price': 'abc',
      'data-inkling-product-name': 'Alien',
    };
    expect(productProperties((name) => attributes[name] ?? null)).toEqual({ product_id: '42', category: 'Sci-Fi,Horror', price: Number.NaN, name: 'Alien' });
    expect(productProperties(() => null)).toBeNull();
  });
});

describe('small parsers', () => {
  it('knows the cart actions and the page key', () => {
    expect(['add', ' Remove ', 'review', 'checkout', 'order', 'buy', null].map(cartAction)).toEqual(['add', 'remove', 'review', 'checkout', 'order', null, null]);
    expect(pageKey(new URL('https://s.example/a?b=1#c'))).toBe('/a?b=1');
  });
});
