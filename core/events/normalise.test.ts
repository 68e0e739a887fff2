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
      const segments = path.normalize('NFKC').replace(/[\p{Cf}\p{Cs}\p{Co}]/gu, '').replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ').replace(/(\p{M}{2})\p{M}+/gu, '$1').replace(/\s+/gu, ' ').trim()
        .split(/[/>]/u).map((s) => [...s.trim()].slice(0, CATEGORY_LIMITS.segmentLength).join('').trim()).filter((s) => s.length > 0)
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
  it('removes what could disguise a category on "Your data": bidi overrides, zero-width characters, stacked marks, half surrogate pairs', () => {
    // U+202E (right-to-left override) would show "Drama" as "amarD" and turn the rest of the line round.
    expect(normaliseCategoryPath('\u202eamarD')).toBe('amarD');
    expect(normaliseCategoryPath('Dra\u200bma')).toBe('Drama');
    expect(normaliseCategoryPath('\u2066Sci-Fi\u2069\ufeff')).toBe('Sci-Fi');
    expect(normaliseCategoryPath('Dra\u2028ma')).toBe('Dra ma');
    expect(normaliseCategoryPath('\ue000Private')).toBe('Private');
    const zalgo = 'D' + '\u0301\u0302\u0303\u0304'.repeat(50) + 'rama';
    expect(normaliseCategoryPath(zalgo)).toBe('D\u0301\u0302rama');
    // 63 letters then an emoji (two UTF-16 units) at the cut: kept whole or not at all.
    const cut = normaliseCategoryPath('x'.repeat(63) + '\u{1F3AC}\u{1F3AC}')!;
    expect([...cut].length).toBe(CATEGORY_LIMITS.segmentLength);
    expect(cut.endsWith('\u{1F3AC}')).toBe(true);
    expect(normaliseCategoryPath('\u202e\u200b')).toBeNull();
    // A 1,024-character value (validate.ts's limit) that is all separators and text: bounded.
    const longest = normaliseCategoryPath('y'.repeat(100) + '/'.repeat(3) + 'z'.repeat(900))!;
    expect(longest.length).toBeLessThanOrEqual(CATEGORY_LIMITS.depth * (CATEGORY_LIMITS.segmentLength + 1));
    expect(normaliseQuery('\u202eevil\u200b query')).toBe('evil query');
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
