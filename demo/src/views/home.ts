/** Home: "Recommended for you" (computed on this device by Inkling), "Popular", genres. */
import { h } from '../ui/dom.js';
import { icon } from '../ui/icons.js';
import { movieGrid } from '../ui/card.js';
import { genreColour } from '../ui/poster.js';
import { withInkling } from '../inkling.js';
import type { ShopContext } from '../context.js';
import type { Movie } from '../catalog.js';

const RECOMMENDED = 12;
const POPULAR = 12;

async function recommendedShelf(context: ShopContext): Promise<HTMLElement> {
  const recommendations = await withInkling([], (api) => api.recommend({ k: RECOMMENDED }));
  const picks: Movie[] = [];
  const reasons = new Map<string, string>();
  for (const r of recommendations) {
    const movie = context.catalog.byId.get(r.id);
    if (!movie) continue;
    picks.push(movie);
    reasons.set(movie.id, r.reason);
  }
  return picks.length > 0
    ? movieGrid(picks, { reasons, onAdd: context.addToCart, testId: 'recommended' })
    : h('p', { class: 'empty', 'data-testid': 'recommended-empty' }, 'Browse a few films and your picks will appear here.');
}

export function homeView(context: ShopContext): HTMLElement {
  const { catalog } = context;
  const popular = catalog.movies.slice(0, POPULAR);
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
      context.defer(recommendedShelf(context)),
    ),
    h('section', { class: 'shelf' },
      h('header', { class: 'shelf__header' }, h('h2', {}, 'Popular right now')),
      movieGrid(popular, { onAdd: context.addToCart, testId: 'popular' }),
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
