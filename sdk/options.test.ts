import { describe, expect, it } from 'vitest';
import { optionsFromAttributes, parseAutocapture, resolveOptions } from './options.js';

const attributes = (values: Record<string, string>) => (name: string) => values[name] ?? null;

describe('optionsFromAttributes', () => {
  it('reads the script tag, treating empty strings as absent and bare flags as on', () => {
    const options = optionsFromAttributes(
      attributes({ site: 'shop-1', catalog: '/catalog.json', endpoint: '', 'allow-automation': '', 'respect-gpc': 'false', 'search-param': 'query' }),
    );
    expect(options).toEqual({ site: 'shop-1', catalog: '/catalog.json', allowAutomation: true, respectGpc: false, searchParam: 'query' });
  });
});

describe('parseAutocapture', () => {
  it('understands all, none, a list, and a list of exclusions', () => {
    expect(parseAutocapture('')).toBe(true);
    expect(parseAutocapture('false')).toBe(false);
    expect(parseAutocapture('pageviews, search')).toEqual({ pageviews: true, products: false, cart: false, search: true, engagement: false });
    expect(parseAutocapture('-engagement')).toEqual({ pageviews: true, products: true, cart: true, search: true, engagement: false });
  });
});

describe('resolveOptions', () => {
  it('fills the defaults', () => {
    const options = resolveOptions({ site: 'shop-1' });
    expect(options).toMatchObject({ site: 'shop-1', consent: 'pending', searchParam: 'q', respectGpc: true, allowAutomation: false, batch: 'idle' });
    expect(options?.autocapture).toEqual({ pageviews: true, products: true, cart: true, search: true, engagement: true });
  });

  it('has no options without a well-formed site (the client reports it)', () => {
    for (const site of [undefined, '', 'has space', 'x'.repeat(65), 42]) expect(resolveOptions({ site })).toBeNull();
    expect(resolveOptions('shop-1')).toBeNull();
    expect(resolveOptions(null)).toBeNull();
  });

  it('reads each field that breaks its rule as its default (the Worker reports it: core/protocol/options.test.ts)', () => {
    const options = resolveOptions({ site: 's', consent: 'yes', batch: 'later', debug: 'true', catalog: 7, searchParam: '', autocapture: { pageviews: false, typo: true } });
    expect(options).toMatchObject({ consent: 'pending', batch: 'idle', debug: false, catalog: undefined, searchParam: 'q' });
    expect(options?.autocapture).toEqual({ pageviews: false, products: true, cart: true, search: true, engagement: true });
    expect(resolveOptions({ site: 's', autocapture: false })?.autocapture.search).toBe(false);
  });

  it('keeps the values that follow the rules', () => {
    const given = { site: 's', consent: 'granted', batch: 'microtask', debug: true, respectGpc: false, catalog: '/c.json', workerUrl: '/w.js', endpoint: 'https://agg', searchParam: 'query' } as const;
    expect(resolveOptions(given)).toMatchObject(given);
  });
});
