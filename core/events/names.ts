/**
 * Event names Inkling understands. They follow the Segment V2 e-commerce spec so that a site's
 * existing tracking calls can be pointed at Inkling unchanged: the whole V2 list, in the spec's
 * order and groups, so a shop's events are not dropped as unknown names.
 * https://segment.com/docs/connections/spec/ecommerce/v2/
 */
export const ECOMMERCE_EVENTS = [
  // Browsing
  'Products Searched',
  'Product List Viewed',
  'Product List Filtered',
  // Promotions
  'Promotion Viewed',
  'Promotion Clicked',
  // Ordering
  'Product Clicked',
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Cart Viewed',
  'Checkout Started',
  'Checkout Step Viewed',
  'Checkout Step Completed',
  'Payment Info Entered',
  'Order Updated',
  'Order Completed',
  'Order Refunded',
  'Order Cancelled',
  // Coupons
  'Coupon Entered',
  'Coupon Applied',
  'Coupon Denied',
  'Coupon Removed',
  // Wishlisting
  'Product Added to Wishlist',
  'Product Removed from Wishlist',
  'Wishlist Product Added to Cart',
  // Sharing
  'Product Shared',
  'Cart Shared',
  // Reviewing
  'Product Reviewed',
] as const;

/** `page()` calls become this event; engaged time on a product page becomes `Product Engaged`. */
export const PAGE_EVENT = 'Page Viewed' as const;
export const ENGAGED_EVENT = 'Product Engaged' as const;

export type EcommerceEventName = (typeof ECOMMERCE_EVENTS)[number];
export type EventName = EcommerceEventName | typeof PAGE_EVENT | typeof ENGAGED_EVENT;

export const EVENT_NAMES: readonly EventName[] = [...ECOMMERCE_EVENTS, PAGE_EVENT, ENGAGED_EVENT];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}
