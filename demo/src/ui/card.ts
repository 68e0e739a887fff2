/**
 * A movie card for the grids. It carries the `data-inkling-product-*` attributes the way a
 * shop's product tiles would, so Inkling's autocapture sees list views and clicks without the
 * shop writing tracking code.
 */
import { h, formatPrice } from './dom.js';
import { poster } from './poster.js';
import { productAttributes } from './product-attributes.js';
import type { Movie } from '../catalog.js';

export function stars(mean: number): HTMLElement {
  const rounded = Math.round(mean * 2) / 2;
  return h('span', { class: 'stars', title: `${mean.toFixed(1)} of 5`, 'aria-label': `${mean.toFixed(1)} of 5 stars` },
    h('span', { class: 'stars__fill', style: `width:${(rounded / 5) * 100}%` }, '★★★★★'),
    h('span', { class: 'stars__empty' }, '★★★★★'),
  );
}

export function movieCard(movie: Movie, options: { reason?: string; onAdd: (movie: Movie) => void }): HTMLElement {
  return h(
    'article',
    { class: 'card', ...productAttributes(movie), 'data-testid': 'movie-card' },
    h('a', { href: `/movie/${movie.id}`, class: 'card__link', 'data-link': true, 'data-inkling-product-click': true },
      poster(movie),
      h('h3', { class: 'card__title' }, movie.title),
    ),
    h('div', { class: 'card__meta' },
      h('span', {}, movie.year ?? ''),
      stars(movie.meanRating),
    ),
    options.reason ? h('p', { class: 'card__reason', 'data-testid': 'reason' }, options.reason) : null,
    h('div', { class: 'card__buy' },
      h('span', { class: 'price' }, formatPrice(movie.price)),
      h('button', { class: 'button button--small', type: 'button', onclick: () => options.onAdd(movie) }, 'Add to cart'),
    ),
  );
}

export function movieGrid(movies: readonly Movie[], options: { reasons?: ReadonlyMap<string, string>; onAdd: (movie: Movie) => void; testId?: string }): HTMLElement {
  return h('div', { class: 'grid', 'data-testid': options.testId ?? null },
    movies.map((m) => movieCard(m, { reason: options.reasons?.get(m.id), onAdd: options.onAdd })),
  );
}
