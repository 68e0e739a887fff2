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
