import { describe, expect, it } from 'vitest';
import { checkOptions } from './options.js';

describe('checkOptions', () => {
  it('finds nothing wrong with good options, absent ones, or no object at all', () => {
    expect(checkOptions({ site: 's', consent: 'granted', batch: 'microtask', debug: true, catalog: '/c.json', autocapture: { search: false } })).toEqual([]);
    expect(checkOptions({ site: 's', autocapture: false })).toEqual([]);
    expect(checkOptions(undefined)).toEqual([]);
  });

  it('reports each field that breaks its rule, naming the field and the rule', () => {
    const problems = checkOptions({ site: 's', consent: 'yes', batch: 'later', debug: 'true', catalog: 7, endpoint: '', workerUrl: 'x'.repeat(2049), autocapture: { pageviews: false, typo: true } });
    expect(problems.map((p) => `${p.field} ${p.rule}`).sort()).toEqual([
      'options.autocapture.typo one-of',
      'options.batch one-of',
      'options.catalog type:string',
      'options.consent one-of',
      'options.debug type:boolean',
      'options.endpoint type:string',
      'options.workerUrl type:string',
    ]);
    for (const problem of problems) expect(problem.message).toContain(problem.field);
    expect(problems.find((p) => p.field === 'options.consent')?.message).toBe('init: options.consent must be one of pending, granted, denied');
  });

  it('names a key that is no option (a typo), and nothing else about it', () => {
    expect(checkOptions({ site: 's', allowAutomaton: true })).toEqual([expect.objectContaining({ field: 'options.allowAutomaton', rule: 'known-option' })]);
  });

  it('refuses an autocapture that is neither a boolean nor an object of captures', () => {
    for (const autocapture of ['all', 1, ['pageviews']]) {
      expect(checkOptions({ autocapture })).toEqual([expect.objectContaining({ field: 'options.autocapture', rule: 'type:boolean|object' })]);
    }
  });
});

describe('options.helper', () => {
  it('must be an origin, named in the problem', () => {
    expect(checkOptions({ site: 's', helper: 'https://helper.example' })).toEqual([]);
    expect(checkOptions({ site: 's', helper: 'https://helper.example/keys' })).toMatchObject([{ field: 'options.helper', rule: 'origin' }]);
  });
});
