/**
 * A hand-made MovieLens-shaped data set for the simulator's unit tests: small enough to check
 * every number by hand, written to a temp folder in the real file format.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TINY_MOVIES = [
  'movieId,title,genres',
  '1,Toy Story (1995),Adventure|Animation|Children',
  '2,"Shawshank Redemption, The (1994)",Crime|Drama',
  '3,Heat (1995),Action|Crime|Thriller',
  '4,Sabrina (1995),Comedy|Romance',
  '5,Unrated Film (2001),(no genres listed)',
].join('\n');

/**
 * - user 1: 5 ratings in time order (item 1 rated twice); the latest, item 4, is held out;
 * - user 2: 5 ratings listed out of time order (the split must sort); the latest is a re-rating
 *   of item 4, already in training, so nothing is held out;
 * - user 3: one rating, too short to hold anything out.
 * Movie 5 has no ratings and so is outside the default catalogue.
 */
export const TINY_RATINGS = [
  'userId,movieId,rating,timestamp',
  '1,1,4.0,100',
  '1,2,5.0,200',
  '1,3,3.0,300',
  '1,1,4.5,350',
  '1,4,2.0,400',
  '2,3,4.0,500',
  '2,2,4.0,100',
  '2,1,3.0,300',
  '2,4,1.0,200',
  '2,4,1.5,600',
  '3,2,5.0,100',
].join('\n');

export function writeTinyDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-sim-data-'));
  writeFileSync(join(dir, 'movies.csv'), TINY_MOVIES + '\n');
  writeFileSync(join(dir, 'ratings.csv'), TINY_RATINGS + '\n');
  return dir;
}
