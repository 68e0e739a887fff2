import { describe, expect, it } from 'vitest';
import { mainGenres } from './main-genre.js';

describe('main genre', () => {
  const genres = new Map<string, readonly string[]>([
    ['psycho', ['Crime', 'Horror']],
    ['shining', ['Horror']],
    ['heat', ['Crime']],
    ['fargo', ['Crime']],
    ['apollo', ['Adventure', 'IMAX']],
    ['imax-only', ['IMAX']],
    ['untagged', []],
  ]);

  it('picks the listed genre the film’s audience over-represents, not the first listed', () => {
    // a watches horror besides Psycho; b only crime. Crime is the commoner genre overall.
    const main = mainGenres(genres, new Map([['a', ['psycho', 'shining']], ['b', ['heat', 'fargo']]]));
    expect(main.get('psycho')).toBe('Horror');
    expect(main.get('heat')).toBe('Crime');
    expect(main.get('shining')).toBe('Horror');
  });

  it('leaves the film itself out of its raters’ mix', () => {
    // Horror is rare (only Psycho's half of it); a's other film is a crime film. Counting Psycho
    // in a's mix would give Horror a lift of 4 (0.25 of a's ratings against 0.0625 overall) and
    // make it win by construction; without it a's taste is pure crime.
    const main = mainGenres(genres, new Map([['a', ['psycho', 'heat']], ['b', ['fargo']], ['c', ['fargo']], ['d', ['heat']]]));
    expect(main.get('psycho')).toBe('Crime');
  });

  it('never makes a screen format the main genre, and copes with films nobody rated', () => {
    const main = mainGenres(genres, new Map([['a', ['apollo', 'heat']]]));
    expect(main.get('apollo')).toBe('Adventure');
    expect(main.get('imax-only')).toBe('IMAX');
    expect(main.get('untagged')).toBeNull();
    // Nobody rated Psycho: no audience, so the alphabetically first genre (deterministic).
    expect(main.get('psycho')).toBe('Crime');
  });
});
