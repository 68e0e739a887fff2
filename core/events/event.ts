/**
 * A validated, normalised event: what core/events/validate.ts returns and what the engine's
 * features consume. One tagged union, discriminated by `name` (the Segment V2 event name).
 */

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

export type ProductInteractionName = 'Product Viewed' | 'Product Clicked' | 'Product Added' | 'Product Removed';

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

export interface ProductListViewed extends EventBase {
  readonly name: 'Product List Viewed';
  readonly categories: readonly string[];
  readonly products: readonly ProductRef[];
}

export interface OrderEvent extends EventBase {
  readonly name: 'Checkout Started' | 'Order Completed';
  readonly orderId: string | null;
  readonly products: readonly ProductRef[];
  /** Order total; when the site did not send one, the sum of price × quantity. */
  readonly revenue: number;
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
  | ProductListViewed
  | OrderEvent
  | PageViewed;

/** The products an event is about (empty for searches and page views). */
export function productsOf(event: ValidEvent): readonly ProductRef[] {
  switch (event.name) {
    case 'Product Viewed':
    case 'Product Clicked':
    case 'Product Added':
    case 'Product Removed':
    case 'Product Reviewed':
    case 'Product Engaged':
      return [event.product];
    case 'Product List Viewed':
    case 'Checkout Started':
    case 'Order Completed':
      return event.products;
    case 'Products Searched':
    case 'Page Viewed':
      return [];
    default:
      return assertNever(event);
  }
}

export function assertNever(value: never): never {
  throw new TypeError(`unhandled case: ${JSON.stringify(value)}`);
}
