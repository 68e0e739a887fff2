/**
 * Checkout (payment simulated: this shop sells nothing) and the order confirmation. Tracked
 * with the spec's `Checkout Started` and `Order Completed`, as a shop's own tracking plan would.
 */
import { h, formatPrice } from '../ui/dom.js';
import { cart } from '../cart.js';
import { inkling } from '../inkling.js';
import { pricedLines, total, type PricedLine } from './cart.js';
import type { ShopContext } from '../context.js';

function productsOf(lines: readonly PricedLine[]): Record<string, unknown>[] {
  return lines.map(({ movie, quantity }) => ({ product_id: movie.id, name: movie.title, category: movie.categories.join(','), price: movie.price, quantity }));
}

export function checkoutView(context: ShopContext): HTMLElement {
  const lines = pricedLines(context);
  if (lines.length === 0) {
    return h('div', { class: 'page' }, h('h1', {}, 'Checkout'), h('p', { class: 'empty' }, 'Your cart is empty.'));
  }
  const amount = total(lines);
  inkling()?.track('Checkout Started', { value: amount, revenue: amount, currency: 'USD', products: productsOf(lines) });

  const placeOrder = (event: Event): void => {
    event.preventDefault();
    const orderId = crypto.randomUUID().slice(0, 8).toUpperCase();
    inkling()?.track('Order Completed', { order_id: orderId, total: amount, revenue: amount, currency: 'USD', products: productsOf(lines) });
    cart.clear();
    context.navigate(`/order/${orderId}`);
  };

  return h('div', { class: 'page page--checkout' },
    h('h1', {}, 'Checkout'),
    h('div', { class: 'checkout' },
      h('form', { class: 'checkout__form', onsubmit: placeOrder, 'data-testid': 'checkout-form' },
        h('p', { class: 'notice' }, 'This is a demonstration shop: no payment is taken and nothing is asked about you.'),
        h('label', {}, 'Card number', h('input', { value: '4242 4242 4242 4242', readonly: true, inputmode: 'numeric' })),
        h('button', { class: 'button', type: 'submit', 'data-testid': 'place-order' }, `Pay ${formatPrice(amount)}`),
      ),
      h('aside', { class: 'checkout__summary' },
        h('h2', {}, 'Order summary'),
        h('ul', {}, lines.map(({ movie, quantity }) => h('li', {}, h('span', {}, `${movie.title} × ${quantity}`), h('span', {}, formatPrice(movie.price * quantity))))),
        h('div', { class: 'summary' }, h('span', {}, 'Total'), h('strong', {}, formatPrice(amount))),
      ),
    ),
  );
}

export function orderView(context: ShopContext): HTMLElement {
  const orderId = context.route.params.orderId ?? '';
  return h('div', { class: 'page page--order', 'data-testid': 'order-complete' },
    h('div', { class: 'confirmation' },
      h('div', { class: 'confirmation__tick' }, '✓'),
      h('h1', {}, 'Thank you — enjoy the film!'),
      h('p', {}, `Order ${orderId} is complete. Your rentals are ready to watch.`),
      h('a', { href: '/', class: 'button', 'data-link': true }, 'Back to the shop'),
    ),
  );
}
