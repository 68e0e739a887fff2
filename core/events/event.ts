/**
 * A validated, normalised event: what core/events/validate.ts returns and what the engine's
 * features consume. One tagged union, discriminated by `name` (the Segment V2 event name).
 * Events of the same shape share a variant; a variant keeps only what the features read.
 */
import type { EventName } from './names.js';

/** A product as an event mentions it; categories/price are null when the event did not say. */
export interface ProductRef {
  readonly productId: string;
  readonly categories: readonly string[] | null;
  readonly price: number | null;
  readonly quantity: number;
}

interface EventBase {
  /** The client event id (deduplication key). */
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly path: string | null;
}

/** Events about one product, named by the event's own properties. */
export const PRODUCT_INTERACTIONS = [
  'Product Viewed',
  'Product Clicked',
  'Product Added',
  'Product Removed',
  'Product Added to Wishlist',
  'Product Removed from Wishlist',
  'Wishlist Product Added to Cart',
  'Product Shared',
] as const satisfies readonly EventName[];

export type ProductInteractionName = (typeof PRODUCT_INTERACTIONS)[number];

export interface ProductInteraction extends EventBase {
  readonly name: ProductInteractionName;
  readonly product: ProductRef;
}

export interface ProductReviewed extends EventBase {
  readonly name: 'Product Reviewed';
  readonly product: ProductRef;
  /** 0..5 stars. */
  readonly rating: number;
}

export interface ProductEngaged extends EventBase {
  readonly name: 'Product Engaged';
  readonly product: ProductRef;
  /** Seconds the product page was visible and focused. */
  readonly seconds: number;
}

export interface ProductsSearched extends EventBase {
  readonly name: 'Products Searched';
  /** Normalised query text. */
  readonly query: string;
  readonly terms: readonly string[];
}

export interface ProductList extends EventBase {
  readonly name: 'Product List Viewed' | 'Product List Filtered';
  readonly categories: readonly string[];
  readonly products: readonly ProductRef[];
}

/** A cart or an order with its lines. */
export interface OrderEvent extends EventBase {
  readonly name: 'Cart Viewed' | 'Cart Shared' | 'Checkout Started' | 'Order Updated' | 'Order Completed' | 'Order Refunded' | 'Order Cancelled';
  readonly orderId: string | null;
  readonly products: readonly ProductRef[];
  /**
   * Order total (for a refund, the amount refunded); when the site did not send one, the sum of
   * price × quantity.
   */
  readonly revenue: number;
}

/**
 * Steps of the funnel that name no product: checkout steps, payment, promotions, coupons. The
 * features only count them as activity, so the promotion and coupon details are not kept; the
 * order id and checkout step are, to tell steps and orders apart in the log.
 */
export interface FunnelEvent extends EventBase {
  readonly name:
    | 'Checkout Step Viewed'
    | 'Checkout Step Completed'
    | 'Payment Info Entered'
    | 'Promotion Viewed'
    | 'Promotion Clicked'
    | 'Coupon Entered'
    | 'Coupon Applied'
    | 'Coupon Denied'
    | 'Coupon Removed';
  readonly orderId: string | null;
  /** Checkout step number (1 = first), when the site said. */
  readonly step: number | null;
}

export interface PageViewed extends EventBase {
  readonly name: 'Page Viewed';
  readonly categories: readonly string[];
}

export type ValidEvent =
  | ProductInteraction
  | ProductReviewed
  | ProductEngaged
  | ProductsSearched
  | ProductList
  | OrderEvent
  | FunnelEvent
  | PageViewed;

/** The products an event is about (empty for searches, page views and funnel steps). */
export function productsOf(event: ValidEvent): readonly ProductRef[] {
  switch (event.name) {
    case 'Product Viewed':
    case 'Product Clicked':
    case 'Product Added':
    case 'Product Removed':
    case 'Product Added to Wishlist':
    case 'Product Removed from Wishlist':
    case 'Wishlist Product Added to Cart':
    case 'Product Shared':
    case 'Product Reviewed':
    case 'Product Engaged':
      return [event.product];
    case 'Product List Viewed':
    case 'Product List Filtered':
    case 'Cart Viewed':
    case 'Cart Shared':
    case 'Checkout Started':
    case 'Order Updated':
    case 'Order Completed':
    case 'Order Refunded':
    case 'Order Cancelled':
      return event.products;
    case 'Products Searched':
    case 'Page Viewed':
    case 'Checkout Step Viewed':
    case 'Checkout Step Completed':
    case 'Payment Info Entered':
    case 'Promotion Viewed':
    case 'Promotion Clicked':
    case 'Coupon Entered':
    case 'Coupon Applied':
    case 'Coupon Denied':
    case 'Coupon Removed':
      return [];
    default:
      return assertNever(event);
  }
}

export function assertNever(value: never): never {
  throw new TypeError(`unhandled case: ${JSON.stringify(value)}`);
}
