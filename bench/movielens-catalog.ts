/**
 * The whole MovieLens ml-latest-small film list as engine catalogue items (every film, not only
 * the storefront's), for the engine benchmarks: genres as categories, popularity = ratings
 * relative to the most rated film, and a price the caller chooses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogItem } from '../core/protocol/engine-api.js';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'data', 'ml-latest-small');

export function loadMovieLensCatalog(priceOf: (id: string) => number): CatalogItem[] {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(dataDir, 'ratings.csv'), 'utf8').split('\n').slice(1)) {
    const movie = line.split(',')[1];
    if (movie) counts.set(movie, (counts.get(movie) ?? 0) + 1);
  }
  const max = Math.max(...counts.values());
  return readFileSync(join(dataDir, 'movies.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => {
      const id = line.slice(0, line.indexOf(','));
      const genres = line.slice(line.lastIndexOf(',') + 1).trim();
      return { id, categories: genres === '(no genres listed)' ? [] : genres.split('|'), price: priceOf(id), popularity: (counts.get(id) ?? 0) / max };
    });
}
