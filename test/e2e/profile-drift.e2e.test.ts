/**
 * Issue 3 §4, first bullet: browsing several films of one genre makes it the top short-term
 * interest and shifts "Recommended for you" towards it; browsing another genre afterwards moves
 * the short-term interest first and the long-term one more slowly.
 *
 * Real Chromium, the BUILT storefront on 127.0.0.1, a visitor who clicks cards and the back
 * button. Genres and films come from the built catalogue: five Horror films with no Romance/
 * Comedy/Drama, then four Romance films with no Horror/Thriller/Sci-Fi/Action, each with at
 * most two genres, so the two tastes are separable. Four films after five: the second taste
 * must lead the short term (the first has halved) while the first still leads the long term.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptConsent,
  browseFilms,
  filmsOnly,
  inklingReady,
  openShop,
  profileOf,
  ranked,
  recommendedOnHome,
  share,
  visit,
  type Shop,
} from '../support/shop-session.js';

const FIRST = 'Horror';
const SECOND = 'Romance';
/**
 * Pause between the two genres. One minute is the short-term half-life measured and chosen in
 * worker/features/tuning.ts: the first genre's short-term weight halves while its long-term
 * weight (half-life a year) does not move, which is exactly the drift the test looks for.
 */
const PAUSE_MS = 60_000;

let shop: Shop;

beforeAll(async () => {
  shop = await openShop();
});

afterAll(async () => {
  await shop?.close();
});

function genreShare(ids: readonly string[], genre: string): number {
  if (ids.length === 0) return 0;
  const byId = new Map(shop.catalog.map((m) => [m.id, m]));
  return ids.filter((id) => byId.get(id)?.categories.includes(genre)).length / ids.length;
}

describe('the profile follows the visitor’s taste (issue 3 §4)', () => {
  it('makes a browsed genre the top short-term interest, then drifts short-term first', async () => {
    const { page, server, catalog } = shop;
    await visit(page, server.origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    const before = await recommendedOnHome(page);

    const horror = filmsOnly(catalog, FIRST, ['Romance', 'Comedy', 'Drama'], 5, 2);
    await browseFilms(page, FIRST, horror.map((m) => m.id));

    const afterFirst = await profileOf(page);
    expect(ranked(afterFirst, 'shortTerm')[0]).toBe(FIRST);
    expect(ranked(afterFirst, 'longTerm')[0]).toBe(FIRST);

    const recommendedAfterFirst = await recommendedOnHome(page);
    expect(recommendedAfterFirst.length).toBeGreaterThan(0);
    // Most picks are now Horror films (whether or not the ones already seen are excluded).
    expect(genreShare(recommendedAfterFirst, FIRST)).toBeGreaterThan(genreShare(before, FIRST));
    expect(genreShare(recommendedAfterFirst, FIRST)).toBeGreaterThanOrEqual(0.5);

    // The "Your data" page shows the same top interest, from the same public API.
    await page.click('[data-testid="nav-your-data"]');
    await page.waitForSelector('[data-testid="interest-row"]');
    expect(await page.getAttribute('[data-testid="interest-row"]', 'data-category')).toBe(FIRST);

    await page.waitForTimeout(PAUSE_MS);
    const romance = filmsOnly(catalog, SECOND, ['Horror', 'Thriller', 'Sci-Fi', 'Action'], 4, 2);
    await browseFilms(page, SECOND, romance.map((m) => m.id));

    const afterSecond = await profileOf(page);
    // Short term: the new taste leads at once.
    expect(ranked(afterSecond, 'shortTerm')[0]).toBe(SECOND);
    // Long term: the first taste (more films, not yet decayed) still leads...
    expect(ranked(afterSecond, 'longTerm')[0]).toBe(FIRST);
    // ...and the new genre's share moved further in the short term than in the long term.
    expect(share(afterSecond, SECOND, 'shortTerm')).toBeGreaterThan(share(afterSecond, SECOND, 'longTerm'));
    expect(share(afterSecond, FIRST, 'shortTerm')).toBeLessThan(share(afterSecond, FIRST, 'longTerm'));

    const recommendedAfterSecond = await recommendedOnHome(page);
    expect(genreShare(recommendedAfterSecond, SECOND)).toBeGreaterThan(genreShare(recommendedAfterFirst, SECOND));
  });
});
