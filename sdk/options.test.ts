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
    const { options, problems } = resolveOptions({ site: 'shop-1' });
    expect(problems).toEqual([]);
    expect(options).toMatchObject({ site: 'shop-1', consent: 'pending', searchParam: 'q', respectGpc: true, allowAutomation: false, batch: 'idle' });
    expect(options?.autocapture).toEqual({ pageviews: true, products: true, cart: true, search: true, engagement: true });
  });

  it('refuses a missing or malformed site, naming the field and the rule', () => {
    for (const site of [undefined, '', 'has space', 'x'.repeat(65), 42]) {
      const { options, problems } = resolveOptions({ site });
      expect(options).toBeNull();
      expect(problems).toEqual([expect.objectContaining({ field: 'options.site', rule: 'pattern' })]);
    }
    expect(resolveOptions('shop-1').problems[0]).toMatchObject({ field: 'options.', rule: 'type:object' });
  });

  it('falls back to the default for each bad field and reports each', () => {
    const { options, problems } = resolveOptions({ site: 's', consent: 'yes', batch: 'later', debug: 'true', catalog: 7, autocapture: { pageviews: false, typo: true } });
    expect(options).toMatchObject({ consent: 'pending', batch: 'idle', debug: false, catalog: undefined });
    expect(options?.autocapture.pageviews).toBe(false);
    expect(problems.map((p) => `${p.field} ${p.rule}`).sort()).toEqual([
      'options.autocapture.typo one-of',
      'options.batch one-of',
      'options.catalog type:string',
      'options.consent one-of',
      'options.debug type:boolean',
    ]);
  });
});
