/**
 * Build-time (Node) generation of the shop's catalogue from MovieLens ml-latest-small.
 *
 * Which movies: only those with at least MIN_RATINGS ratings (2,588 of 9,125). A shop full of
 * films nobody has rated is not a shop; it also keeps catalog.json small (~300 KB, ~60 KB gz)
 * and `recommend()` over the whole catalogue cheap.
 *
 * Every figure is deterministic (same CSV in, same JSON out), so tests and benchmarks can rely on it:
 * - categories: the MovieLens genres ("(no genres listed)" dropped);
 * - popularity: log(1 + ratings) / log(1 + most ratings), in [0, 1] — a prior the SDK may use;
 * - price: a catalogue-style tier from release year, popularity and mean rating (new, popular,
 *   acclaimed films cost more).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MIN_RATINGS = 8;

export interface ShopMovie {
  readonly id: string;
  readonly title: string;
  readonly year: number | null;
  readonly categories: readonly string[];
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

/** "American President, The (1995)" → { title: "The American President", year: 1995 }. */
export function splitTitle(raw: string): { title: string; year: number | null } {
  const match = /^(.*?)\s*\((\d{4})\)\s*$/.exec(raw.trim());
  let title = match ? match[1] : raw.trim();
  const year = match ? Number(match[2]) : null;
  // MovieLens moves leading articles to the end ("Matrix, The"); a shop shows them in front.
  const article = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)$/.exec(title);
  if (article) title = article[2].endsWith("'") ? `${article[2]}${article[1]}` : `${article[2]} ${article[1]}`;
  return { title, year };
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
  const counts = new Map<string, { n: number; sum: number }>();
  const ratingLines = readFileSync(join(dataDir, 'ratings.csv'), 'utf8').split(/\r?\n/).slice(1);
  for (const line of ratingLines) {
    if (!line) continue;
    const [, movieId, rating] = line.split(',');
    const entry = counts.get(movieId) ?? { n: 0, sum: 0 };
    entry.n += 1;
    entry.sum += Number(rating);
    counts.set(movieId, entry);
  }
  let most = 1;
  for (const { n } of counts.values()) most = Math.max(most, n);

  const movies: ShopMovie[] = [];
  const movieLines = readFileSync(join(dataDir, 'movies.csv'), 'utf8').split(/\r?\n/).slice(1);
  for (const line of movieLines) {
    if (!line.trim()) continue;
    const [id, rawTitle, genres] = parseCsvLine(line);
    const stats = counts.get(id);
    if (!stats || stats.n < minRatings) continue;
    const { title, year } = splitTitle(rawTitle);
    const popularity = Math.round((Math.log1p(stats.n) / Math.log1p(most)) * 1000) / 1000;
    const meanRating = Math.round((stats.sum / stats.n) * 10) / 10;
    movies.push({
      id,
      title,
      year,
      categories: genres.split('|').filter((g) => g && g !== '(no genres listed)'),
      price: priceOf(year, popularity, meanRating),
      popularity,
      ratings: stats.n,
      meanRating,
    });
  }
  movies.sort((a, b) => b.ratings - a.ratings || Number(a.id) - Number(b.id));
  return movies;
}
