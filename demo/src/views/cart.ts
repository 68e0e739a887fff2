/** The cart: lines, totals, remove (tracked as Product Removed), and the way to checkout. */
import { h, formatPrice } from '../ui/dom.js';
import { poster } from '../ui/poster.js';
import { cart } from '../cart.js';
import { inkling, withInkling } from '../inkling.js';
import { movieGrid } from '../ui/card.js';
import type { ShopContext } from '../context.js';
import type { Movie } from '../catalog.js';

export interface PricedLine {
  readonly movie: Movie;
  readonly quantity: number;
}

export function pricedLines(context: ShopContext): PricedLine[] {
  return cart.lines().flatMap((line) => {
    const movie = context.catalog.byId.get(line.id);
    return movie ? [{ movie, quantity: line.quantity }] : [];
  });
}

export function total(lines: readonly PricedLine[]): number {
  return Math.round(lines.reduce((sum, l) => sum + l.movie.price * l.quantity, 0) * 100) / 100;
}

/** "Complete your evening": personal picks that are not already in the cart. */
async function alongside(context: ShopContext, lines: readonly PricedLine[]): Promise<HTMLElement | null> {
  const picks = await withInkling([], (api) => api.recommend({ k: 6, exclude: lines.map((l) => l.movie.id) }));
  const movies = picks.map((p) => context.catalog.byId.get(p.id)).filter((m): m is Movie => m !== undefined);
  if (movies.length === 0) return null;
  return h('section', { class: 'shelf' },
    h('header', { class: 'shelf__header' }, h('h2', {}, 'Complete your evening')),
    movieGrid(movies, { onAdd: (movie) => { context.addToCart(movie); context.navigate('/cart'); }, testId: 'cart-picks' }),
  );
}

export function cartView(context: ShopContext): HTMLElement {
  const lines = pricedLines(context);
  const more = context.defer(alongside(context, lines));
  if (lines.length === 0) {
    return h('div', { class: 'page page--cart' },
      h('h1', {}, 'Your cart'),
      h('p', { class: 'empty', 'data-testid': 'cart-empty' }, 'Your cart is empty.'),
      h('a', { href: '/', class: 'button', 'data-link': true }, 'Find a film'),
      more,
    );
  }
  return h('div', { class: 'page page--cart' },
    h('h1', {}, 'Your cart'),
    h('ul', { class: 'lines', 'data-testid': 'cart-lines' },
      lines.map(({ movie, quantity }) =>
        h('li', { class: 'line' },
          poster(movie),
          h('div', { class: 'line__info' },
            h('a', { href: `/movie/${movie.id}`, 'data-link': true, class: 'line__title' }, movie.title),
            h('span', { class: 'line__meta' }, `${movie.year ?? ''} · ${movie.categories.join(', ')}`),
          ),
          h('span', { class: 'line__qty' }, `× ${quantity}`),
          h('span', { class: 'price' }, formatPrice(movie.price * quantity)),
          h('button', {
            class: 'button button--ghost button--small',
            type: 'button',
            onclick: () => {
              cart.remove(movie.id);
              inkling()?.track('Product Removed', { product_id: movie.id, name: movie.title, category: movie.categories.join(','), price: movie.price, quantity });
              context.navigate('/cart');
            },
          }, 'Remove'),
        ),
      ),
    ),
    h('div', { class: 'summary' },
      h('span', {}, 'Total'),
      h('strong', { 'data-testid': 'cart-total' }, formatPrice(total(lines))),
      h('a', { href: '/checkout', class: 'button', 'data-link': true, 'data-testid': 'to-checkout' }, 'Checkout'),
    ),
    more,
  );
}
