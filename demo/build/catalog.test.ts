import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_RATINGS, buildCatalog, parseCsvLine, priceOf, splitTitle } from './catalog.js';

const DATA = join(import.meta.dirname, '..', 'data', 'ml-latest-small');

describe('catalogue generation', () => {
  it('parses quoted CSV fields', () => {
    expect(parseCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama|Romance']);
    expect(parseCsvLine('1,"Say ""Hi"" (2001)",Drama')).toEqual(['1', 'Say "Hi" (2001)', 'Drama']);
  });

  it('puts trailing articles in front and reads the year', () => {
    expect(splitTitle('American President, The (1995)')).toEqual({ title: 'The American President', year: 1995 });
    expect(splitTitle("Homme, L' (1990)")).toEqual({ title: "L'Homme", year: 1990 });
    expect(splitTitle('Untitled')).toEqual({ title: 'Untitled', year: null });
  });

  it('prices newer, more popular and acclaimed films higher', () => {
    expect(priceOf(2016, 0.9, 4.2)).toBeGreaterThan(priceOf(1990, 0.9, 4.2));
    expect(priceOf(1990, 0.9, 3.5)).toBeGreaterThan(priceOf(1990, 0.3, 3.5));
    expect(priceOf(1990, 0.5, 4.3)).toBeGreaterThan(priceOf(1990, 0.5, 2.5));
  });

  it('builds a deterministic catalogue of the films with enough ratings', () => {
    const catalog = buildCatalog(DATA);
    expect(catalog).toEqual(buildCatalog(DATA));
    expect(catalog.every((m) => m.ratings >= MIN_RATINGS)).toBe(true);
    expect(new Set(catalog.map((m) => m.id)).size).toBe(catalog.length);
    // Sorted most rated first, popularity in [0, 1] with the most rated at 1.
    expect(catalog[0].popularity).toBe(1);
    expect(catalog.every((m, i) => i === 0 || catalog[i - 1].ratings >= m.ratings)).toBe(true);
    expect(catalog.every((m) => m.popularity > 0 && m.popularity <= 1)).toBe(true);
    // No genre carries the CSV's line ending, and the placeholder genre is gone.
    const genres = new Set(catalog.flatMap((m) => m.categories));
    expect([...genres].filter((g) => /\s|no genres/.test(g))).toEqual([]);
    expect(genres.size).toBeGreaterThanOrEqual(18);
  });
});
