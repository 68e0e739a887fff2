import { describe, expect, it } from 'vitest';
import { addDecayed, addTwoTerm, decayFactor, readDecayed, readTwoTerm } from './decay.js';

const H = 1000;

describe('decay', () => {
  it('halves a value every half-life, lazily on read', () => {
    const score = addDecayed(undefined, 8, 0, H);
    expect(readDecayed(score, 0, H)).toBe(8);
    expect(readDecayed(score, H, H)).toBeCloseTo(4, 12);
    expect(readDecayed(score, 3 * H, H)).toBeCloseTo(1, 12);
    expect(decayFactor(5, Infinity)).toBe(1);
  });

  it('gives the same value whatever the arrival order', () => {
    const inOrder = addDecayed(addDecayed(undefined, 1, 0, H), 2, 500, H);
    const reversed = addDecayed(addDecayed(undefined, 2, 500, H), 1, 0, H);
    expect(readDecayed(reversed, 2000, H)).toBeCloseTo(readDecayed(inOrder, 2000, H), 12);
  });

  it('decays the short term faster than the long term', () => {
    const halfLives = { shortMs: H, longMs: 10 * H };
    const score = addTwoTerm(addTwoTerm(undefined, 1, 0, halfLives), 1, 0, halfLives);
    const later = readTwoTerm(score, 2 * H, halfLives);
    expect(later.short).toBeCloseTo(0.5, 12);
    expect(later.long).toBeCloseTo(2 * Math.pow(2, -0.2), 12);
  });
});
