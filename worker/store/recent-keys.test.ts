import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.js';

describe('RecentKeys', () => {
  it('forgets the oldest key first once full; updating a key keeps its age', () => {
    const recent = new RecentKeys<number>(3);
    recent.set('a', 1);
    recent.set('b', 2);
    recent.set('c', 3);
    recent.set('a', 10); // an update, not a new key: 'a' stays the oldest
    recent.set('d', 4);
    expect([recent.has('a'), recent.has('b'), recent.has('c'), recent.has('d')]).toEqual([false, true, true, true]);
    recent.set('e', 5);
    expect([recent.has('b'), recent.get('c'), recent.get('e'), recent.size]).toEqual([false, 3, 5, 3]);
  });

  it('keeps exactly the last `capacity` distinct keys over many turns of the ring', () => {
    const recent = new RecentKeys<boolean>(100);
    for (let i = 0; i < 1_050; i++) recent.set(`k${i}`, true);
    expect(recent.size).toBe(100);
    expect(recent.has('k949')).toBe(false);
    expect(recent.has('k950')).toBe(true);
    expect(recent.has('k1049')).toBe(true);
  });

  it('starts empty again after clear, and rejects a capacity that is not a positive integer', () => {
    const recent = new RecentKeys<number>(2);
    recent.set('a', 1);
    recent.clear();
    recent.set('b', 2);
    recent.set('c', 3);
    expect([recent.has('a'), recent.has('b'), recent.has('c'), recent.size]).toEqual([false, true, true, 2]);
    expect(() => new RecentKeys(0)).toThrow(/^capacity: /);
  });
});
