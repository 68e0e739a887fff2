import { describe, expect, it } from 'vitest';
import { CATEGORY_LIMITS, isUnderCategory, normaliseCategories, normaliseCategoryPath, normalisePrice, normaliseQuery, queryTerms } from './normalise.js';

describe('normalise', () => {
  it('turns category text into clean paths', () => {
    expect(normaliseCategoryPath('  Movies >  Sci-Fi / ')).toBe('Movies/Sci-Fi');
    expect(normaliseCategoryPath(' / > ')).toBeNull();
    expect(normaliseCategories('Action|Sci-Fi|Action')).toEqual(['Action', 'Sci-Fi']);
    expect(normaliseCategories(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(normaliseCategoryPath('x'.repeat(500))?.length).toBe(CATEGORY_LIMITS.segmentLength);
  });
  it('leaves clean category text as it is and cleans everything else exactly as the full pipeline does', () => {
    // The full pipeline, written out independently of the fast path, as the reference.
    const reference = (path: string): string | null => {
      const segments = path.normalize('NFKC').replace(/[\u0000-\u001f\u007f-\u009f]/gu, ' ').replace(/\s+/gu, ' ').trim()
        .split(/[/>]/u).map((s) => s.trim().slice(0, CATEGORY_LIMITS.segmentLength).trim()).filter((s) => s.length > 0)
        .slice(0, CATEGORY_LIMITS.depth);
      return segments.length === 0 ? null : segments.join('/');
    };
    const samples = ['Drama', 'Sci-Fi', 'Film-Noir', 'a b', 'a  b', ' a', 'a ', 'a/b', 'a>b', 'x'.repeat(64), 'x'.repeat(65), '~!', '?', '-', '.', '0=9',
      'Ｄｒａｍａ', 'caf\u00e9', 'a\tb', 'a\u0085b', 'a\u00a0b', '', ' ', 'Kids & Family', "Children's"];
    // Every pair of characters from a set spanning the boundaries of the fast path's ranges.
    const chars = [' ', '!', '.', '/', '0', '=', '>', '?', '~', '\u007f', '\t', 'é', 'Ａ'];
    for (const a of chars) for (const b of chars) samples.push(a + b, `x${a}${b}y`);
    for (const sample of samples) expect(normaliseCategoryPath(sample)).toBe(reference(sample));
  });
  it('knows which paths lie under a prefix', () => {
    expect(isUnderCategory('Movies/Sci-Fi', 'Movies')).toBe(true);
    expect(isUnderCategory('Movies2', 'Movies')).toBe(false);
  });
  it('rounds prices to cents and cleans queries', () => {
    expect(normalisePrice(19.990000000000002)).toBe(19.99);
    expect(normaliseQuery('ＳＴＡＲ\tWars')).toBe('star wars');
    expect(queryTerms('a star is born 2')).toEqual(['star', 'born']);
  });
});
