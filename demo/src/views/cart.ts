/** The cart: lines, totals, remove (tracked as Product Removed), and the way to checkout. */
import { h, formatPrice } from '../ui/dom.js';
import { poster } from '../ui/poster.js';
import { cart } from '../cart.js';
import { inkling } from '../inkling.js';
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

export function cartView(context: ShopContext): HTMLElement {
  const lines = pricedLines(context);
  if (lines.length === 0) {
    return h('div', { class: 'page page--cart' },
      h('h1', {}, 'Your cart'),
      h('p', { class: 'empty', 'data-testid': 'cart-empty' }, 'Your cart is empty.'),
      h('a', { href: '/', class: 'button', 'data-link': true }, 'Find a film'),
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
  );
}
