import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIN_RATINGS, TRAILING_ARTICLES, buildCatalog, parseCsvLine, priceOf, splitTitle, turnRound } from './catalog.js';

const DATA = join(import.meta.dirname, '..', 'data', 'ml-latest-small');
const catalog = buildCatalog(DATA);

/** movies.csv's own titles, by id. */
function rawTitles(): Map<string, string> {
  const lines = readFileSync(join(DATA, 'movies.csv'), 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim());
  return new Map(lines.map((line) => parseCsvLine(line)).map(([id, title]) => [id, title]));
}

describe('catalogue generation', () => {
  it('parses quoted CSV fields', () => {
    expect(parseCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama|Romance']);
    expect(parseCsvLine('1,"Say ""Hi"" (2001)",Drama')).toEqual(['1', 'Say "Hi" (2001)', 'Drama']);
  });

  it('puts trailing articles in front and reads the year', () => {
    expect(splitTitle('American President, The (1995)')).toEqual({ title: 'The American President', year: 1995, alsoKnownAs: [] });
    expect(splitTitle("Homme, L' (1990)")).toEqual({ title: "L'Homme", year: 1990, alsoKnownAs: [] });
    expect(splitTitle('Untitled')).toEqual({ title: 'Untitled', year: null, alsoKnownAs: [] });
    expect(turnRound('Power of Nightmares, The: The Rise of the Politics of Fear')).toBe('The Power of Nightmares: The Rise of the Politics of Fear');
    expect(turnRound('Honey, I Shrunk the Kids')).toBe('Honey, I Shrunk the Kids');
    expect(splitTitle('Fawlty Towers (1975-1979)')).toEqual({ title: 'Fawlty Towers', year: 1975, alsoKnownAs: [] });
  });

  it('turns round a title followed by other titles in brackets, and the other titles too', () => {
    expect(splitTitle('Cabinet of Dr. Caligari, The (Cabinet des Dr. Caligari., Das) (1920)')).toEqual({
      title: 'The Cabinet of Dr. Caligari',
      year: 1920,
      alsoKnownAs: ['Das Cabinet des Dr. Caligari.'],
    });
    expect(splitTitle('Hate (Haine, La) (1995)').alsoKnownAs).toEqual(['La Haine']);
    expect(splitTitle("Bear, The (Ours, L') (1988)").alsoKnownAs).toEqual(["L'Ours"]);
    expect(splitTitle('Léon: The Professional (a.k.a. The Professional) (Léon) (1994)')).toEqual({
      title: 'Léon: The Professional',
      year: 1994,
      alsoKnownAs: ['The Professional', 'Léon'],
    });
    // A repeat of the main title is left out; a title that starts with a bracket keeps it; after "Or" the bracket is the title's.
    expect(splitTitle('Bride of Frankenstein, The (Bride of Frankenstein) (1935)')).toEqual({ title: 'The Bride of Frankenstein', year: 1935, alsoKnownAs: [] });
    expect(splitTitle('(500) Days of Summer (2009)').title).toBe('(500) Days of Summer');
    expect(splitTitle('Birdman: Or (The Unexpected Virtue of Ignorance) (2014)').title).toBe('Birdman: Or (The Unexpected Virtue of Ignorance)');
  });

  it('shows every catalogue title with its article in front: 556 turned round, 35 of them with other titles in brackets', () => {
    const raw = rawTitles();
    // A turned-round title no longer starts the way movies.csv's does ("Matrix, The (1999)").
    const turned = catalog.filter((m) => !raw.get(m.id)?.startsWith(m.title));
    expect(turned.length).toBe(556);
    // The first version only turned round an article at the very end, so these 35 kept theirs
    // ("Cabinet of Dr. Caligari, The (Cabinet des Dr. Caligari., Das)").
    const withBrackets = turned.filter((m) => /\) \(/.test(raw.get(m.id) ?? ''));
    expect(withBrackets.length).toBe(35);
    expect(withBrackets.map((m) => m.title)).toContain('The Cabinet of Dr. Caligari');
    const leftOver = new RegExp(`, (${TRAILING_ARTICLES.join('|')})(:|$)`);
    for (const m of catalog) {
      expect(m.title, m.id).not.toMatch(leftOver);
      for (const other of m.alsoKnownAs ?? []) expect(other, m.id).not.toMatch(leftOver);
    }
    // Nothing else changes: every other title is movies.csv's up to its brackets.
    expect(catalog.find((m) => m.id === '1')?.title).toBe('Toy Story');
    expect(catalog.find((m) => m.id === '47')).toMatchObject({ title: 'Seven', alsoKnownAs: ['Se7en'] });
  });

  it('gives each film the main genre its audience says, and keeps all its genres as categories', () => {
    const byId = new Map(catalog.map((m) => [m.id, m]));
    const main = (id: string): string | null | undefined => byId.get(id)?.mainGenre;
    expect(byId.get('296')?.categories).toEqual(['Comedy', 'Crime', 'Drama', 'Thriller']);
    expect(main('296')).toBe('Crime'); // Pulp Fiction
    expect(main('1219')).toBe('Horror'); // Psycho, "Crime|Horror"
    expect(main('377')).toBe('Thriller'); // Speed, "Action|Romance|Thriller"
    expect(main('1036')).toBe('Action'); // Die Hard, "Action|Crime|Thriller"
    expect(main('2858')).toBe('Drama'); // American Beauty, "Drama|Romance"
    expect(main('1')).toBe('Children'); // Toy Story, "Adventure|Animation|Children|Comedy|Fantasy"
    for (const m of catalog) {
      if (m.categories.length === 0) expect(m.mainGenre).toBeNull();
      else expect(m.categories).toContain(m.mainGenre);
      expect(m.mainGenre).not.toBe('IMAX');
    }
    // The first listed genre (alphabetical in MovieLens) is the main one for only part of the catalogue.
    const firstListed = catalog.filter((m) => m.categories[0] === m.mainGenre).length;
    expect(firstListed / catalog.length).toBeLessThan(0.6);
  });

  it('prices newer, more popular and acclaimed films higher', () => {
    expect(priceOf(2016, 0.9, 4.2)).toBeGreaterThan(priceOf(1990, 0.9, 4.2));
    expect(priceOf(1990, 0.9, 3.5)).toBeGreaterThan(priceOf(1990, 0.3, 3.5));
    expect(priceOf(1990, 0.5, 4.3)).toBeGreaterThan(priceOf(1990, 0.5, 2.5));
  });

  it('builds a deterministic catalogue of the films with enough ratings', () => {
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
