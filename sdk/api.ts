/**
 * The public API of the SDK: the same names on `window.inkling` (script tag) and on the object
 * `createInkling(options)` returns (ESM). Types only.
 */
import type { ConsentState, ProfileView, Recommendation, RecommendOptions, SegmentView } from '../core/protocol/engine-api.js';

export type { ConsentState, ProfileView, Recommendation, RecommendOptions, SegmentView };

/** A property bag in the Segment V2 e-commerce spec's names (`product_id`, `category`, `price`...). */
export type EventProperties = Readonly<Record<string, unknown>>;

/** One rejected call or field: what was wrong (`field`), which rule it broke, and in words. */
export interface ErrorReport {
  /** The offending field, e.g. `properties.price`, `event`, `options.k`, or `worker` for the runtime. */
  readonly field: string;
  /** A short rule id, e.g. `type:string`, `serializable`, `max-length`, `known-event`. */
  readonly rule: string;
  readonly message: string;
  /** The public method that was called (`track`, `recommend`...), when the error came from a call. */
  readonly method?: string;
  /** The event's client id, when the engine rejected one event of a batch. */
  readonly eventId?: string;
}

export interface InklingEvents {
  error: ErrorReport;
  /** The engine is configured and answering. */
  ready: { readonly site: string };
  consent: { readonly state: ConsentState };
}
export type InklingEventName = keyof InklingEvents;
export type Listener<E extends InklingEventName> = (payload: InklingEvents[E]) => void;

/** Which automatic captures run; each can be switched off. */
export interface AutocaptureOptions {
  /** `Page Viewed` on load and on SPA navigation (pushState / replaceState / popstate). */
  readonly pageviews: boolean;
  /** `Product Viewed` / `Product Clicked` from `data-inkling-product-*` attributes. */
  readonly products: boolean;
  /** `Product Added` / `Product Removed` / `Checkout Started` / `Order Completed` from `data-inkling-action`. */
  readonly cart: boolean;
  /** `Products Searched` from the URL's search parameter or a `data-inkling-search` form. */
  readonly search: boolean;
  /** `Product Engaged` with the seconds a product page was visible and focused. */
  readonly engagement: boolean;
}

/** How queued events reach the Worker: after the current task (microtask) or in idle time. */
export type BatchScheduling = 'microtask' | 'idle';

export interface InklingOptions {
  readonly site: string;
  /** The aggregator's base URL. Nothing is sent anywhere until federated rounds exist. */
  readonly endpoint?: string;
  /** URL of the catalogue JSON (`CatalogItem[]` or `{ items: CatalogItem[] }`); relative to the page. */
  readonly catalog?: string;
  /** The consent the site starts with. Default `pending`: events are held in memory, nothing stored. */
  readonly consent?: ConsentState;
  /** `true` (all), `false` (none) or per capture. */
  readonly autocapture?: boolean | Partial<AutocaptureOptions>;
  /** The URL query parameter that carries a search on result pages. Default `q`. */
  readonly searchParam?: string;
  /** Same-origin URL of `inkling.worker.js`. Default: next to the loader script. */
  readonly workerUrl?: string;
  /** Honour Global Privacy Control and Do Not Track as `denied`. Default true. */
  readonly respectGpc?: boolean;
  /** Run in automated browsers (webdriver, headless). Default false: bots are not profiled. */
  readonly allowAutomation?: boolean;
  /** Log every error report to the console. */
  readonly debug?: boolean;
  /** Default `idle`: measured 3.7× less main-thread time per event than `microtask` when events come from many tasks (sdk/README.md). */
  readonly batch?: BatchScheduling;
}

/** The object on `window.inkling` after load, and what `createInkling()` returns. */
export interface Inkling {
  track(event: string, properties?: EventProperties): void;
  page(properties?: EventProperties): void;
  /** Resolves `[]` (and reports) when the engine cannot answer. */
  recommend(options?: RecommendOptions): Promise<Recommendation[]>;
  /** Resolves `null` (and reports) when the engine cannot answer. */
  profile(): Promise<ProfileView | null>;
  /**
   * The visitor's segment from the site's federated k-means ({ id, description }, computed on the
   * device); `null` before the site's first release, before the visitor's first event, or (with a
   * report) when the engine cannot answer.
   */
  segment(): Promise<SegmentView | null>;
  consent(state: 'granted' | 'denied'): void;
  optOut(): void;
  /** Erases everything stored on this device for this site. */
  forget(): Promise<void>;
  /** Everything stored, as JSON-ready data; `null` (and a report) when the engine cannot answer. */
  export(): Promise<unknown>;
  on<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  off<E extends InklingEventName>(event: E, listener: Listener<E>): void;
  /** Sends queued events to the Worker now; resolves when the engine has ingested them. */
  flush(): Promise<void>;
  /** Script-tag use only: configure (or re-point) the loader when no `data-site` was given. */
  init(site: string, options?: Partial<Omit<InklingOptions, 'site'>>): void;
}
