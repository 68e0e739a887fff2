/** A genre page: its films, most rated first, with "Show more"; above them, the visitor's picks in the genre. */
import { h } from '../ui/dom.js';
import { movieGrid } from '../ui/card.js';
import { genreColour } from '../ui/poster.js';
import { withInkling } from '../inkling.js';
import type { ShopContext } from '../context.js';

const PAGE_SIZE = 24;

async function picksShelf(context: ShopContext, genre: string): Promise<HTMLElement | null> {
  const picks = await withInkling([], (api) => api.recommend({ k: 6, category: genre }));
  const pickedMovies = picks.map((p) => context.catalog.byId.get(p.id)).filter((m) => m !== undefined);
  if (pickedMovies.length === 0) return null;
  return h('section', { class: 'shelf shelf--compact' },
    h('header', { class: 'shelf__header' }, h('h2', {}, `Your ${genre} picks`)),
    movieGrid(pickedMovies, { onAdd: context.addToCart, testId: 'genre-picks' }));
}

export function genreView(context: ShopContext): HTMLElement {
  const genre = context.route.params.genre ?? '';
  const movies = context.catalog.inGenre(genre);
  if (movies.length === 0) return h('div', { class: 'page' }, h('h1', {}, 'No such genre'), h('p', {}, `We stock no “${genre}” films.`));

  let shown = PAGE_SIZE;
  const grid = h('div', {}, movieGrid(movies.slice(0, shown), { onAdd: context.addToCart, testId: 'genre-grid' }));
  const more = h('button', { class: 'button button--ghost', type: 'button' }, 'Show more');
  more.addEventListener('click', () => {
    shown += PAGE_SIZE;
    grid.replaceChildren(movieGrid(movies.slice(0, shown), { onAdd: context.addToCart, testId: 'genre-grid' }));
    if (shown >= movies.length) more.remove();
  });

  return h('div', { class: 'page page--genre' },
    h('header', { class: 'page__header', style: `--accent:${genreColour(genre)}` },
      h('h1', {}, genre),
      h('p', {}, `${movies.length} films`),
    ),
    context.defer(picksShelf(context, genre)),
    // The genre's own list, marked for Inkling's autocapture as a Product List Viewed of this category.
    h('section', { class: 'shelf', 'data-inkling-list': `genre-${genre}`, 'data-inkling-list-category': genre },
      grid,
      movies.length > shown ? h('div', { class: 'more' }, more) : null,
    ),
  );
}
