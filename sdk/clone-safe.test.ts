import { describe, expect, it } from 'vitest';
import { toCloneSafe } from './clone-safe.js';

const rules = (issues: { field: string; rule: string }[]) => issues.map((i) => `${i.field} ${i.rule}`);

describe('toCloneSafe', () => {
  it('copies plain data unchanged (NaN included: values are the engine’s to judge)', () => {
    const input = { product_id: '1', price: Number.NaN, tags: ['a', 'b'], nested: { ok: true, none: null } };
    const { value, issues } = toCloneSafe(input, 'properties');
    expect(issues).toEqual([]);
    expect(value).toEqual(input);
    expect(value).not.toBe(input);
    expect(() => structuredClone(value)).not.toThrow();
  });

  it('drops what cannot be cloned or is out of bounds, naming each field and rule', () => {
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    const withGetter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    const input = {
      fn: () => 1,
      sym: Symbol('s'),
      big: 10n,
      cyclic,
      map: new Map(),
      instance: new (class Thing {})(),
      huge: 'x'.repeat(5000),
      deep: { a: { b: { c: { d: { e: { f: 1 } } } } } },
      withGetter,
      list: [1, () => 2, 3],
      when: new Date(0),
      skipped: undefined,
    };
    const { value, issues } = toCloneSafe(input, 'properties');
    expect(rules(issues).sort()).toEqual([
      'properties.big serializable',
      'properties.cyclic.self acyclic',
      'properties.deep.a.b.c.d.e max-depth',
      'properties.fn serializable',
      'properties.huge max-length',
      'properties.instance plain-data',
      'properties.list[1] serializable',
      'properties.map plain-data',
      'properties.sym serializable',
      'properties.withGetter.boom readable',
    ]);
    expect(value).toEqual({ cyclic: { id: 'x' }, deep: { a: { b: { c: { d: {} } } } }, withGetter: {}, list: [1, null, 3], when: 0 });
    expect(() => structuredClone(value)).not.toThrow();
  });

  it('keeps the first keys and items within the limits', () => {
    const { value, issues } = toCloneSafe({ items: Array.from({ length: 10 }, (_, i) => i) }, 'p', { maxDepth: 6, maxKeys: 100, maxItems: 3, maxStringLength: 10 });
    expect(value).toEqual({ items: [0, 1, 2] });
    expect(rules(issues)).toEqual(['p.items max-items']);
  });

  it('shares a repeated (non-cyclic) object without calling it a cycle', () => {
    const shared = { id: 's' };
    expect(toCloneSafe({ a: shared, b: shared }, 'p').issues).toEqual([]);
  });

  it('survives a revoked Proxy', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const { value, issues } = toCloneSafe({ proxy }, 'p');
    expect(value).toEqual({});
    expect(rules(issues)).toEqual(['p.proxy readable']);
  });
});
