/**
 * Event names Inkling understands. They follow the Segment V2 e-commerce spec so that a site's
 * existing tracking calls can be pointed at Inkling unchanged.
 * https://segment.com/docs/connections/spec/ecommerce/v2/
 */
export const ECOMMERCE_EVENTS = [
  'Products Searched',
  'Product List Viewed',
  'Product Viewed',
  'Product Clicked',
  'Product Added',
  'Product Removed',
  'Checkout Started',
  'Order Completed',
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
