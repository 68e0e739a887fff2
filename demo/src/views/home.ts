/**
 * Home: "Recommended for you" (computed on this device by Inkling), "Popular right now", genres.
 *
 * The two shelves never show the same film. A visitor with no history yet (no interests in
 * Inkling's profile: a first visit, or consent not given) has no picks of their own — Inkling
 * would answer with the most popular films, the very list "Popular right now" shows — so the
 * first shelf says how picks come about and the popular films are shown once. Once there are
 * picks, "Popular right now" lists the most popular films that are not among them.
 *
 * "Popular right now" is drawn at once from the catalogue, so the shop shows films even when
 * Inkling never answers (a blocked script leaves the snippet's calls pending); when picks arrive
 * it is redrawn without them.
 */
import { h } from '../ui/dom.js';
import { icon } from '../ui/icons.js';
import { movieGrid } from '../ui/card.js';
import { genreColour } from '../ui/poster.js';
import { withInkling } from '../inkling.js';
import type { ShopContext } from '../context.js';
import type { Movie } from '../catalog.js';

const RECOMMENDED = 12;
const POPULAR = 12;

interface Shelves {
  readonly picks: readonly Movie[];
  readonly reasons: ReadonlyMap<string, string>;
  /** The most popular films that are not among the picks. */
  readonly popular: readonly Movie[];
}

async function shelves(context: ShopContext): Promise<Shelves> {
  const { catalog } = context;
  const [hasHistory, recommendations] = await Promise.all([
    withInkling(false, async (api) => (await api.profile()).interests.length > 0),
    withInkling([], (api) => api.recommend({ k: RECOMMENDED })),
  ]);
  const picks: Movie[] = [];
  const reasons = new Map<string, string>();
  for (const r of hasHistory ? recommendations : []) {
    const movie = catalog.byId.get(r.id);
    if (!movie) continue;
    picks.push(movie);
    reasons.set(movie.id, r.reason);
  }
  const picked = new Set(picks.map((m) => m.id));
  const popular = catalog.movies.filter((m) => !picked.has(m.id)).slice(0, POPULAR);
  return { picks, reasons, popular };
}

export function homeView(context: ShopContext): HTMLElement {
  const { catalog } = context;
  const both = shelves(context);
  const mostPopular = catalog.movies.slice(0, POPULAR);
  const popularGrid = movieGrid(mostPopular, { onAdd: context.addToCart, testId: 'popular' });
  const withoutPicks = both.then(({ popular }) => {
    if (popular.some((m, i) => m !== mostPopular[i])) popularGrid.replaceWith(movieGrid(popular, { onAdd: context.addToCart, testId: 'popular' }));
    return null;
  });
  return h('div', { class: 'page page--home' },
    h('section', { class: 'hero' },
      h('div', { class: 'hero__text' },
        h('h1', {}, 'Films worth an evening.'),
        h('p', {}, `${catalog.movies.length.toLocaleString('en-US')} films to rent, picked for you on your own device. Your viewing history never leaves this browser.`),
        h('a', { href: '/your-data', class: 'button button--ghost', 'data-link': true }, 'See what this browser knows about you'),
      ),
    ),
    h('section', { class: 'shelf', 'data-testid': 'recommended-section' },
      h('header', { class: 'shelf__header' },
        h('h2', {}, 'Recommended for you'),
        h('span', { class: 'shelf__note' }, icon('lock'), 'computed in your browser, never sent anywhere'),
      ),
      context.defer(both.then(({ picks, reasons }) =>
        picks.length > 0
          ? movieGrid(picks, { reasons, onAdd: context.addToCart, testId: 'recommended' })
          : h('p', { class: 'empty', 'data-testid': 'recommended-empty' }, 'Browse a few films and your picks will appear here.'),
      )),
    ),
    h('section', { class: 'shelf' },
      h('header', { class: 'shelf__header' }, h('h2', {}, 'Popular right now')),
      popularGrid,
      // Keeps the page busy until the shelf has been redrawn without the picks (or needs not be).
      context.defer(withoutPicks),
    ),
    h('section', { class: 'shelf' },
      h('header', { class: 'shelf__header' }, h('h2', {}, 'Browse by genre')),
      h('div', { class: 'chips' },
        catalog.genres.map((g) =>
          h('a', { href: `/genre/${encodeURIComponent(g)}`, class: 'chip', 'data-link': true, style: `--chip:${genreColour(g)}` }, g),
        ),
      ),
    ),
  );
}
