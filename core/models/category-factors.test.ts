import { describe, expect, it } from 'vitest';
import { categoryFactors, MAX_CATEGORIES } from './category-factors.js';

const row = (f: Float32Array, i: number, dim: number) => Array.from(f.subarray(i * dim, i * dim + dim));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

/** A small catalogue with three kinds of film and enough categories to fill 4 directions. */
const catalogue = [
  ['Comedy', 'Romance'], ['Comedy', 'Romance'], ['Comedy'], ['Romance', 'Drama'],
  ['Horror', 'Thriller'], ['Horror'], ['Thriller', 'Crime'], ['Horror', 'Thriller'],
  ['Animation', 'Children'], ['Children'], ['Animation', 'Children', 'Comedy'], ['Documentary'],
];

describe('categoryFactors', () => {
  it('gives every item a row of the asked norm, the same rows for the same inputs', () => {
    const f = categoryFactors(catalogue, { dim: 4, norm: 0.3, seed: 7 });
    expect(f).toHaveLength(catalogue.length * 4);
    for (let i = 0; i < catalogue.length; i++) expect(Math.hypot(...row(f, i, 4))).toBeCloseTo(0.3, 6);
    expect(categoryFactors(catalogue, { dim: 4, norm: 0.3, seed: 7 })).toEqual(f);
  });

  it('places items with the same categories together and items with none in common apart', () => {
    const f = categoryFactors(catalogue, { dim: 4, norm: 1, seed: 1 });
    expect(row(f, 0, 4)).toEqual(row(f, 1, 4));
    // Two horror films against a horror film and a romantic comedy.
    expect(cosine(row(f, 4, 4), row(f, 7, 4))).toBeCloseTo(1, 6);
    expect(cosine(row(f, 4, 4), row(f, 5, 4))).toBeGreaterThan(0.5);
    expect(cosine(row(f, 5, 4), row(f, 0, 4))).toBeLessThan(0);
  });

  it('fills the directions categories cannot, and items without a category, from the seed (finite, distinct)', () => {
    // Two categories cannot fill 6 directions; one item has none.
    const f = categoryFactors([['A'], ['B'], ['A'], []], { dim: 6, norm: 0.5, seed: 3 });
    expect(f.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 4; i++) expect(Math.hypot(...row(f, i, 6))).toBeCloseTo(0.5, 6);
    expect(row(f, 3, 6)).not.toEqual(row(f, 0, 6));
    expect(categoryFactors([['A'], ['B'], ['A'], []], { dim: 6, norm: 0.5, seed: 4 })).not.toEqual(f);
    // With no categories at all every row is the seeded draw.
    expect(categoryFactors([[], []], { dim: 3, norm: 1, seed: 1 }).every(Number.isFinite)).toBe(true);
  });

  it('considers the MAX_CATEGORIES most frequent categories; an item with only rarer ones gets the seeded draw', () => {
    // Half the items share 'Common'; each of the others has a category of its own (MAX_CATEGORIES + 50 of them).
    const many = Array.from({ length: 2 * (MAX_CATEGORIES + 50) }, (_, i) => (i % 2 === 0 ? ['Common'] : [`rare-${String(i).padStart(4, '0')}`]));
    const f = categoryFactors(many, { dim: 4, norm: 1, seed: 2 });
    expect(f.every(Number.isFinite)).toBe(true);
    expect(row(f, 0, 4)).toEqual(row(f, 2, 4)); // 'Common' is kept: one row
    // 'rare-0651', the last by name among equals, is past the cap: its row is the one an item with no category gets.
    const last = many.length - 1;
    const without = categoryFactors(many.map((c, i) => (i === last ? [] : c)), { dim: 4, norm: 1, seed: 2 });
    expect(row(f, last, 4)).toEqual(row(without, last, 4));
  });

  it('names the field and the rule of a bad option', () => {
    expect(() => categoryFactors(catalogue, { dim: 0, norm: 1, seed: 1 })).toThrow(/dim must be an integer ≥ 1; got 0/);
    expect(() => categoryFactors(catalogue, { dim: 2.5, norm: 1, seed: 1 })).toThrow(/dim must be an integer ≥ 1/);
    expect(() => categoryFactors(catalogue, { dim: 4, norm: 0, seed: 1 })).toThrow(/norm must be a finite number > 0; got 0/);
    expect(() => categoryFactors(catalogue, { dim: 4, norm: Number.NaN, seed: 1 })).toThrow(/norm must be a finite number > 0/);
  });
});
