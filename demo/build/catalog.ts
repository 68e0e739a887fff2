/**
 * Build-time (Node) generation of the shop's catalogue from MovieLens ml-latest-small.
 *
 * Which movies: only those with at least MIN_RATINGS ratings (2,588 of 9,125). A shop full of
 * films nobody has rated is not a shop; it also keeps catalog.json small (~460 KB, ~66 KB gz)
 * and `recommend()` over the whole catalogue cheap.
 *
 * Every figure is deterministic (same CSV in, same JSON out), so tests and benchmarks can rely on it:
 * - title: leading articles put back in front, other titles in brackets moved to alsoKnownAs
 *   (splitTitle);
 * - categories: the MovieLens genres ("(no genres listed)" dropped);
 * - mainGenre: the one of them the shop shows as the film's genre (main-genre.ts);
 * - popularity: log(1 + ratings) / log(1 + most ratings), in [0, 1] — a prior the SDK may use;
 * - price: a catalogue-style tier from release year, popularity and mean rating (new, popular,
 *   acclaimed films cost more).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mainGenres } from './main-genre.js';

export const MIN_RATINGS = 8;

export interface ShopMovie {
  readonly id: string;
  readonly title: string;
  /** Only when MovieLens gives the film other titles (see splitTitle). */
  readonly alsoKnownAs?: readonly string[];
  readonly year: number | null;
  /** Every MovieLens genre of the film: what the shop tracks and the recommender filters on. */
  readonly categories: readonly string[];
  /** The one genre the shop shows as the film's (badge, breadcrumb), see main-genre.ts. */
  readonly mainGenre: string | null;
  readonly price: number;
  readonly popularity: number;
  readonly ratings: number;
  readonly meanRating: number;
}

/** RFC 4180 fields of one CSV line (movies.csv quotes titles that contain commas). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/**
 * The leading articles MovieLens moves to the end of a title ("Matrix, The"), as they occur in
 * ml-latest-small's movies.csv: English, French, Italian, Spanish, German, Danish/Norwegian/
 * Swedish, and the "Da" of "Da Hip Hop Witch". Only a whole word after the title's last comma,
 * at its end or before a colon ("Power of Nightmares, The: The Rise of the Politics of Fear").
 */
export const TRAILING_ARTICLES = ['The', 'A', 'An', 'Le', 'La', 'Les', "L'", 'Il', 'Lo', 'I', 'El', 'Los', 'Las', 'Un', 'Une', 'Der', 'Die', 'Das', 'Den', 'Det', 'De', 'En', 'Da'] as const;

const TRAILING_ARTICLE = new RegExp(`^(.+), (${TRAILING_ARTICLES.join('|')})(: .*)?$`);

/** "Cabinet of Dr. Caligari, The" → "The Cabinet of Dr. Caligari"; "Ours, L'" → "L'Ours". */
export function turnRound(title: string): string {
  const match = TRAILING_ARTICLE.exec(title);
  if (!match) return title;
  const [, rest, article, subtitle = ''] = match;
  return `${article}${article.endsWith("'") ? '' : ' '}${rest}${subtitle}`;
}

/** A title compared with another: no case, accents, leading article or punctuation. */
function sameTitle(a: string, b: string): boolean {
  const key = (t: string): string =>
    t.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/^(the|a|an) /, '').replace(/[^a-z0-9]/g, '');
  return key(a) === key(b);
}

export interface SplitTitle {
  readonly title: string;
  readonly year: number | null;
  /** Other titles MovieLens gives in brackets (original language, "a.k.a."), turned round too. */
  readonly alsoKnownAs: readonly string[];
}

/**
 * "Cabinet of Dr. Caligari, The (Cabinet des Dr. Caligari., Das) (1920)" →
 * { title: "The Cabinet of Dr. Caligari", year: 1920, alsoKnownAs: ["Das Cabinet des Dr. Caligari."] }.
 *
 * The year is the last bracket (a series' "(1975-1979)" gives its first year); every bracket
 * before it is another title of the film, which a shop shows on the product page, not on the
 * card; "a.k.a." is dropped and a repeat of the main title is left out.
 */
export function splitTitle(raw: string): SplitTitle {
  const dated = /^(.*?)\s*\((\d{4})(?:-\d{0,4})?\)\s*$/.exec(raw.trim());
  const undated = dated ? dated[1] : raw.trim();
  const year = dated ? Number(dated[2]) : null;
  // Brackets at the end are other titles; a title that starts with one ("(500) Days of Summer") keeps it.
  const bracketed = /^(.*?[^\s(][^(]*?)((?:\s*\([^()]*\))+)$/.exec(undated);
  const others = [...(bracketed?.[2] ?? '').matchAll(/\(([^()]*)\)/g)].map(([, inner]) => inner);
  let main = bracketed ? bracketed[1].trim() : undated;
  // "Birdman: Or (The Unexpected Virtue of Ignorance)": after "Or" the bracket is the title's own.
  if (/\bor$/i.test(main) && others.length > 0) main = `${main} (${others.shift()})`;
  const title = turnRound(main);
  const alsoKnownAs: string[] = [];
  for (const inner of others) {
    const other = turnRound(inner.replace(/^a\.?k\.?a\.?\s+/i, '').trim());
    if (other && !sameTitle(other, title) && !alsoKnownAs.some((known) => sameTitle(known, other))) alsoKnownAs.push(other);
  }
  return { title, year, alsoKnownAs };
}

/** Price tiers a video shop would use; newer and more popular films sit in higher tiers. */
const PRICE_TIERS = [2.99, 3.99, 4.99, 7.99, 9.99, 12.99, 14.99] as const;

export function priceOf(year: number | null, popularity: number, meanRating: number): number {
  const age = year === null ? 30 : Math.max(0, 2016 - year);
  const recency = age <= 2 ? 3 : age <= 6 ? 2 : age <= 15 ? 1 : 0;
  const demand = popularity >= 0.85 ? 2 : popularity >= 0.6 ? 1 : 0;
  // Acclaimed films keep their price; poorly rated ones go to the bargain bin.
  const acclaim = meanRating >= 4.1 ? 1 : meanRating < 3 ? -1 : 0;
  return PRICE_TIERS[Math.max(0, Math.min(PRICE_TIERS.length - 1, 1 + recency + demand + acclaim))];
}

export function buildCatalog(dataDir: string, minRatings = MIN_RATINGS): ShopMovie[] {
  const films = new Map<string, { readonly rawTitle: string; readonly genres: readonly string[] }>();
  const movieLines = readFileSync(join(dataDir, 'movies.csv'), 'utf8').split(/\r?\n/).slice(1);
  for (const line of movieLines) {
    if (!line.trim()) continue;
    const [id, rawTitle, genres] = parseCsvLine(line);
    films.set(id, { rawTitle, genres: genres.split('|').filter((g) => g && g !== '(no genres listed)') });
  }

  const counts = new Map<string, { n: number; sum: number }>();
  const ratedBy = new Map<string, string[]>();
  const ratingLines = readFileSync(join(dataDir, 'ratings.csv'), 'utf8').split(/\r?\n/).slice(1);
  for (const line of ratingLines) {
    if (!line) continue;
    const [userId, movieId, rating] = line.split(',');
    const entry = counts.get(movieId) ?? { n: 0, sum: 0 };
    entry.n += 1;
    entry.sum += Number(rating);
    counts.set(movieId, entry);
    let rated = ratedBy.get(userId);
    if (rated === undefined) ratedBy.set(userId, (rated = []));
    rated.push(movieId);
  }
  let most = 1;
  for (const { n } of counts.values()) most = Math.max(most, n);
  const mainGenreOf = mainGenres(new Map([...films].map(([id, film]) => [id, film.genres])), ratedBy);

  const movies: ShopMovie[] = [];
  for (const [id, film] of films) {
    const stats = counts.get(id);
    if (!stats || stats.n < minRatings) continue;
    const { title, year, alsoKnownAs } = splitTitle(film.rawTitle);
    const popularity = Math.round((Math.log1p(stats.n) / Math.log1p(most)) * 1000) / 1000;
    const meanRating = Math.round((stats.sum / stats.n) * 10) / 10;
    movies.push({
      id,
      title,
      ...(alsoKnownAs.length > 0 ? { alsoKnownAs } : {}),
      year,
      categories: film.genres,
      mainGenre: mainGenreOf.get(id) ?? null,
      price: priceOf(year, popularity, meanRating),
      popularity,
      ratings: stats.n,
      meanRating,
    });
  }
  movies.sort((a, b) => b.ratings - a.ratings || Number(a.id) - Number(b.id));
  return movies;
}
