/**
 * Clicks, listened to once on the document in the capture phase (a site's stopPropagation does
 * not hide them):
 *
 * - an element with `data-inkling-action` → a cart or order event, for the product on the
 *   element itself or its nearest product ancestor:
 *     add → Product Added, remove → Product Removed, review → Product Reviewed
 *     (`data-inkling-rating`), checkout → Checkout Started, order → Order Completed
 *     (`data-inkling-order-id`, `data-inkling-order-total`; products from `data-inkling-cart`);
 * - otherwise a click on a link (`a[href]`) or on an element marked `data-inkling-product-click`
 *   inside an element with `data-inkling-product-id` → Product Clicked. Other clicks inside a
 *   product card (its add-to-cart button, its text) are not a click-through, and neither is
 *   clicking around the product page's own marker.
 */
import type { EcommerceEventName } from '../../core/events/names.js';
import type { CaptureSink } from '../client.js';
import { PRODUCT_SELECTOR, productOf } from './product-attributes.js';
import { PRODUCT_PAGE_SELECTOR } from './product-page.js';

export type CartAction = 'add' | 'remove' | 'review' | 'checkout' | 'order';
const ACTION_EVENTS: { readonly [A in CartAction]: EcommerceEventName } = {
  add: 'Product Added',
  remove: 'Product Removed',
  review: 'Product Reviewed',
  checkout: 'Checkout Started',
  order: 'Order Completed',
};
const CART_ACTIONS: readonly CartAction[] = ['add', 'remove', 'review', 'checkout', 'order'];
/** An order names at most this many products. */
const MAX_CART_PRODUCTS = 100;

export function cartAction(value: string | null): CartAction | null {
  const action = value?.trim().toLowerCase();
  return CART_ACTIONS.find((known) => known === action) ?? null;
}

function numberAttribute(element: Element, name: string): number | undefined {
  const value = element.getAttribute(name);
  return value === null || value.trim() === '' ? undefined : Number(value);
}

function cartProducts(doc: Document, from: Element): Record<string, unknown>[] {
  const cart = from.closest('[data-inkling-cart]') ?? doc.querySelector('[data-inkling-cart]');
  if (!cart) return [];
  return [...cart.querySelectorAll(PRODUCT_SELECTOR)]
    .slice(0, MAX_CART_PRODUCTS)
    .map((element) => productOf(element))
    .filter((product) => product !== null);
}

export function attachClicks(
  win: Window,
  sink: CaptureSink,
  switches: { products: boolean; cart: boolean },
  warn: (field: string, rule: string, message: string) => void,
): () => void {
  const doc = win.document;
  const onClick = (event: Event) => {
    try {
      const start = event.target instanceof Element ? event.target : event.target instanceof Node ? event.target.parentElement : null;
      if (!start) return;
      const actionElement = switches.cart ? start.closest('[data-inkling-action]') : null;
      if (actionElement) {
        handleAction(actionElement);
        return;
      }
      if (!switches.products) return;
      const clickThrough = start.closest('a[href], [data-inkling-product-click]');
      const productElement = clickThrough?.closest(PRODUCT_SELECTOR);
      if (!productElement || productElement.matches(PRODUCT_PAGE_SELECTOR)) return;
      const product = productOf(productElement);
      if (product) sink.track('Product Clicked', product);
    } catch {
      // A detached or exotic target: not worth an exception in the site's click handler.
    }
  };

  const handleAction = (element: Element) => {
    const raw = element.getAttribute('data-inkling-action');
    const action = cartAction(raw);
    if (action === null) {
      warn('data-inkling-action', 'one-of', `not one of ${CART_ACTIONS.join(', ')}`);
      return;
    }
    const name = ACTION_EVENTS[action];
    switch (action) {
      case 'add':
      case 'remove':
      case 'review': {
        const holder = element.matches(PRODUCT_SELECTOR) ? element : element.closest(PRODUCT_SELECTOR);
        const product = holder ? productOf(holder) : null;
        if (!product) {
          warn('data-inkling-product-id', 'required', `missing on or around data-inkling-action="${action}"`);
          return;
        }
        if (action === 'add' && product.quantity === undefined) product.quantity = 1;
        if (action === 'review') {
          const rating = numberAttribute(element, 'data-inkling-rating');
          if (rating !== undefined) product.rating = rating;
        }
        sink.track(name, product);
        return;
      }
      case 'checkout':
      case 'order': {
        const properties: Record<string, unknown> = { products: cartProducts(doc, element) };
        const orderId = element.getAttribute('data-inkling-order-id');
        if (orderId) properties.order_id = orderId;
        const total = numberAttribute(element, 'data-inkling-order-total');
        if (total !== undefined) properties[action === 'order' ? 'total' : 'value'] = total;
        sink.track(name, properties);
        return;
      }
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  };

  doc.addEventListener('click', onClick, true);
  return () => doc.removeEventListener('click', onClick, true);
}
