/**
 * The product page of one film. Its root carries the `data-inkling-product-*` attributes and
 * `data-inkling-product-detail`, which is how Inkling autocapture recognises a product page
 * (Product Viewed, and engaged time while the page is visible). Rating is tracked explicitly
 * as the spec's `Product Reviewed`.
 */
import { h, formatPrice } from '../ui/dom.js';
import { poster, genreColour } from '../ui/poster.js';
import { movieGrid, stars } from '../ui/card.js';
import { productAttributes } from '../ui/product-attributes.js';
import { inkling, withInkling } from '../inkling.js';
import type { ShopContext } from '../context.js';
import type { Movie } from '../catalog.js';

const RATINGS_KEY = 'demo-shop.ratings';

function myRatings(): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RATINGS_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

function rateWidget(movie: Movie, toast: (message: string) => void): HTMLElement {
  const current = myRatings()[movie.id] ?? 0;
  const buttons = [1, 2, 3, 4, 5].map((value) =>
    h('button', {
      type: 'button',
      class: `rate__star${value <= current ? ' rate__star--on' : ''}`,
      'aria-label': `Rate ${value} of 5`,
      'data-rating': value,
      onclick: () => {
        const all = myRatings();
        all[movie.id] = value;
        localStorage.setItem(RATINGS_KEY, JSON.stringify(all));
        buttons.forEach((b, i) => b.classList.toggle('rate__star--on', i < value));
        inkling()?.track('Product Reviewed', { product_id: movie.id, name: movie.title, category: movie.categories.join(','), rating: value });
        toast(`You rated ${movie.title} ${value} of 5`);
      },
    }, '★'),
  );
  return h('div', { class: 'rate', 'data-testid': 'rate' }, h('span', { class: 'rate__label' }, 'Your rating'), buttons);
}

async function moreLikeThis(context: ShopContext, movie: Movie): Promise<HTMLElement | null> {
  const similar = await withInkling([], (api) => api.recommend({ k: 6, category: movie.mainGenre ?? undefined, exclude: [movie.id] }));
  const similarMovies = similar.map((r) => context.catalog.byId.get(r.id)).filter((m): m is Movie => m !== undefined && m.id !== movie.id);
  if (similarMovies.length === 0) return null;
  return h('section', { class: 'shelf' },
    h('header', { class: 'shelf__header' }, h('h2', {}, 'More like this')),
    movieGrid(similarMovies, { onAdd: context.addToCart, testId: 'similar' }));
}

export function movieView(context: ShopContext): HTMLElement {
  const movie = context.catalog.byId.get(context.route.params.id ?? '');
  if (!movie) return h('div', { class: 'page' }, h('h1', {}, 'Film not found'), h('a', { href: '/', 'data-link': true }, 'Back to the shop'));

  return h('div', { class: 'page page--movie' },
    h('article', { class: 'product', ...productAttributes(movie), 'data-inkling-product-detail': true, 'data-testid': 'product' },
      poster(movie, 'large'),
      h('div', { class: 'product__info' },
        h('nav', { class: 'breadcrumbs' },
          h('a', { href: '/', 'data-link': true }, 'Shop'), ' / ',
          movie.mainGenre ? h('a', { href: `/genre/${encodeURIComponent(movie.mainGenre)}`, 'data-link': true, 'data-testid': 'breadcrumb-genre' }, movie.mainGenre) : null,
        ),
        h('h1', { class: 'product__title' }, movie.title, ' ', h('span', { class: 'product__year' }, movie.year ? `(${movie.year})` : '')),
        movie.alsoKnownAs?.length ? h('p', { class: 'product__aka' }, `Also known as ${movie.alsoKnownAs.join(' · ')}`) : null,
        h('div', { class: 'product__rating' }, stars(movie.meanRating), h('span', {}, `${movie.meanRating.toFixed(1)} · ${movie.ratings} ratings`)),
        h('div', { class: 'chips' },
          movie.categories.map((g) => h('a', { href: `/genre/${encodeURIComponent(g)}`, class: 'chip', style: `--chip:${genreColour(g)}`, 'data-link': true }, g)),
        ),
        h('p', { class: 'product__blurb' }, `Rent ${movie.title} in HD and watch it for 48 hours on any of your devices.`),
        h('div', { class: 'product__buy' },
          h('span', { class: 'price price--large' }, formatPrice(movie.price)),
          h('button', { class: 'button', type: 'button', 'data-testid': 'add-to-cart', onclick: () => context.addToCart(movie) }, 'Add to cart'),
        ),
        rateWidget(movie, context.toast),
      ),
    ),
    context.defer(moreLikeThis(context, movie)),
  );
}
