import { describe, expect, it } from 'vitest';
import { createIdSource } from './ids.js';

describe('createIdSource', () => {
  it('makes 24-hex-character ids, calling the random source once per 256 ids', () => {
    let fills = 0;
    const next = createIdSource((words) => {
      fills++;
      crypto.getRandomValues(words);
    });
    const ids = Array.from({ length: 512 }, next);
    expect(fills).toBe(2);
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    // 512 draws of 96 bits: a collision would have probability below 2^-78.
    expect(new Set(ids).size).toBe(512);
  });
});
