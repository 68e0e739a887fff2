/**
 * The stored profile and how one validated event changes it. Everything here is synchronous and
 * pure apart from mutating the draft it is given: the engine clones the state, applies a batch,
 * writes the draft in one transaction and only then adopts it, so a failed write leaves the old
 * state in memory as well as on disk.
 */
import { assertNever, productsOf, type ProductRef, type ValidEvent } from '../../core/events/event.js';
import { addToCart, cartAt, emptyActivity, recordOrder, recordView, removeFromCart, touch, undoOrder, type ActivityState } from './activity.js';
import { addDecayed, type HalfLives } from './decay.js';
import { addInterest, pruneInterests, type InterestTable } from './interests.js';
import { recordEngagement, recordPurchase, pruneIntent, INTENT_HALF_LIFE_MS, type IntentState } from './intent-evidence.js';
import { emptyItem, type ItemRecord } from './items.js';
import { recordStep, type SequenceState } from './sequence.js';
import { addKeywords, emptyKeywords, type KeywordState } from './keywords.js';
import { initialPropensity, propensityFeatures, pushExample, sgdStep, type PropensityState } from './propensity.js';
import { EVENT_INTEREST_WEIGHTS, INTEREST_PRUNE_FLOOR, SEARCH_KEYWORD_WEIGHT } from './tuning.js';

export const PROFILE_STATE_VERSION = 1;

export interface ProfileState {
  version: number;
  interests: InterestTable;
  keywords: KeywordState;
  activity: ActivityState;
  propensity: PropensityState;
  /** Purchase-intent evidence per category (intent.ts). */
  intent: IntentState;
  /** The recent event sequence the next-event model reads (sequence.ts). */
  sequence: SequenceState;
  /** Events applied since the profile was created (never decays; for the visitor's information). */
  eventsApplied: number;
}

export function emptyProfile(): ProfileState {
  return {
    version: PROFILE_STATE_VERSION,
    interests: {},
    keywords: emptyKeywords(),
    activity: emptyActivity(),
    propensity: initialPropensity(),
    intent: [],
    sequence: [],
    eventsApplied: 0,
  };
}

/**
 * A stored profile made safe to use: fields added since it was written get their empty defaults
 * (so a profile from an earlier build keeps working instead of failing every batch).
 */
export function reviveProfile(stored: ProfileState): ProfileState {
  const empty = emptyProfile();
  return {
    ...empty,
    ...stored,
    version: PROFILE_STATE_VERSION,
    interests: stored.interests ?? empty.interests,
    keywords: { ...empty.keywords, ...stored.keywords },
    activity: { ...empty.activity, ...stored.activity },
    propensity: {
      ...empty.propensity,
      ...stored.propensity,
      // An earlier build kept examples as an array of objects; the ring replaces it.
      examples: stored.propensity?.examples?.x instanceof Float32Array ? stored.propensity.examples : empty.propensity.examples,
    },
    intent: Array.isArray(stored.intent) ? stored.intent : empty.intent,
    sequence: Array.isArray(stored.sequence) ? stored.sequence : empty.sequence,
  };
}

export function cloneProfile(state: ProfileState): ProfileState {
  return structuredClone(state);
}

/** What applying events needs besides the state. */
export interface ApplyContext {
  readonly halfLives: HalfLives;
  /** Categories the catalogue gives a product, for events that do not name one. */
  readonly catalogCategories: (productId: string) => readonly string[] | undefined;
  /** The visitor's record of a product (a draft the caller will write back). */
  readonly item: (productId: string) => ItemRecord;
  /** Half-life of the purchase-intent evidence; default INTENT_HALF_LIFE_MS (the simulator sweeps it). */
  readonly intentHalfLifeMs?: number;
}

/** A map of item drafts that loads each record once, from `load`, and remembers which were touched. */
export class ItemDrafts {
  readonly touched = new Map<string, ItemRecord>();
  constructor(private readonly load: (productId: string) => ItemRecord | undefined) {}
  get = (productId: string): ItemRecord => {
    let draft = this.touched.get(productId);
    if (draft === undefined) {
      const stored = this.load(productId);
      draft = stored === undefined ? emptyItem(productId) : { ...stored };
      this.touched.set(productId, draft);
    }
    return draft;
  };
}

function categoriesFor(product: ProductRef, item: ItemRecord, context: ApplyContext): readonly string[] {
  if (product.categories !== null) {
    item.categories = product.categories;
    return product.categories;
  }
  const fromCatalog = context.catalogCategories(product.productId);
  if (fromCatalog !== undefined && fromCatalog.length > 0) {
    if (item.categories.length === 0) item.categories = fromCatalog;
    return fromCatalog;
  }
  return item.categories;
}

/** Applies one event to the draft state; O(categories + terms) of the event. */
export function applyEvent(state: ProfileState, event: ValidEvent, context: ApplyContext): void {
  const { halfLives } = context;
  const at = event.at;
  const activity = state.activity;
  touch(activity, at, halfLives.shortMs);
  state.eventsApplied++;
  const interest = (categories: readonly string[], weight: number) => addInterest(state.interests, categories, weight, at, halfLives);
  const intentHalfLifeMs = context.intentHalfLifeMs ?? INTENT_HALF_LIFE_MS;
  // Every product event goes through here: it is an engagement (or, from an order, a purchase) for purchase intent.
  const productInterest = (product: ProductRef, weight: number, purchase = false): ItemRecord => {
    const item = context.item(product.productId);
    if (product.price !== null) item.price = product.price;
    const categories = categoriesFor(product, item, context);
    interest(categories, weight);
    (purchase ? recordPurchase : recordEngagement)(state.intent, item, categories, at, intentHalfLifeMs);
    return item;
  };

  switch (event.name) {
    case 'Product Viewed': {
      const item = productInterest(event.product, EVENT_INTEREST_WEIGHTS[event.name]);
      item.views++;
      item.lastViewedAt = Math.max(item.lastViewedAt ?? at, at);
      recordView(activity, event.product.price ?? item.price, at, halfLives.longMs);
      return;
    }
    case 'Product Clicked':
      productInterest(event.product, EVENT_INTEREST_WEIGHTS[event.name]);
      return;
    case 'Product Shared':
    case 'Product Added to Wishlist':
      productInterest(event.product, EVENT_INTEREST_WEIGHTS[event.name]);
      return;
    // The wishlist itself is not kept: nothing reads it; the removal's weight is 0 (tuning.ts).
    case 'Product Removed from Wishlist':
      return;
    case 'Product Added':
    case 'Wishlist Product Added to Cart': {
      const item = productInterest(event.product, EVENT_INTEREST_WEIGHTS[event.name]);
      item.adds += event.product.quantity;
      item.inCart = true;
      addToCart(activity, event.product.productId, at);
      return;
    }
    case 'Product Removed': {
      const item = context.item(event.product.productId);
      item.inCart = false;
      removeFromCart(activity, event.product.productId);
      return;
    }
    case 'Cart Viewed': {
      // The lines shown are in the cart now, also those added where nothing was tracked; refreshed,
      // they do not age out while the visitor still looks at them. A bare view refreshes the cart.
      for (const product of event.products) productInterest(product, EVENT_INTEREST_WEIGHTS[event.name]).inCart = true;
      const ids = event.products.length > 0 ? event.products.map((p) => p.productId) : [...cartAt(activity, at).keys()];
      for (const id of ids) addToCart(activity, id, at);
      return;
    }
    case 'Cart Shared':
      for (const product of event.products) productInterest(product, EVENT_INTEREST_WEIGHTS[event.name]);
      return;
    case 'Product Reviewed': {
      const item = productInterest(event.product, EVENT_INTEREST_WEIGHTS[event.name]);
      item.rating = event.rating;
      return;
    }
    case 'Product Engaged': {
      const weight = EVENT_INTEREST_WEIGHTS[event.name] * Math.min(2, event.seconds / 30);
      const item = productInterest(event.product, weight);
      item.engagedSeconds += event.seconds;
      activity.engagedSeconds += event.seconds;
      return;
    }
    case 'Products Searched':
      addKeywords(state.keywords, event.terms, SEARCH_KEYWORD_WEIGHT, at, halfLives.longMs);
      activity.searches = addDecayed(activity.searches, 1, at, halfLives.shortMs);
      return;
    case 'Product List Viewed':
    case 'Product List Filtered':
    case 'Page Viewed':
      interest(event.categories, EVENT_INTEREST_WEIGHTS[event.name]);
      return;
    // Every step towards paying is checkout activity, the propensity model's strongest feature.
    case 'Checkout Started':
    case 'Checkout Step Viewed':
    case 'Checkout Step Completed':
    case 'Payment Info Entered':
      activity.checkouts = addDecayed(activity.checkouts, 1, at, halfLives.shortMs);
      return;
    // Accepted for the session's activity (touch above); they say nothing about taste or intent to buy.
    case 'Promotion Viewed':
    case 'Promotion Clicked':
    case 'Coupon Entered':
    case 'Coupon Applied':
    case 'Coupon Denied':
    case 'Coupon Removed':
    // The order counted when it was completed; an update sends new totals, not a difference.
    case 'Order Updated':
      return;
    case 'Order Completed':
      for (const product of productsOf(event)) {
        const item = productInterest(product, EVENT_INTEREST_WEIGHTS[event.name], true);
        item.purchases += product.quantity;
        item.lastPurchasedAt = Math.max(item.lastPurchasedAt ?? at, at);
        item.inCart = false;
        removeFromCart(activity, product.productId);
      }
      recordOrder(activity, event.revenue, at, halfLives.longMs);
      return;
    // Not a purchase after all: taken back from the items it listed (so they are recommended and
    // learnt from as unbought again) and from frequency and spend. Its interest stays (tuning.ts).
    case 'Order Refunded':
    case 'Order Cancelled':
      for (const product of productsOf(event)) {
        const item = context.item(product.productId);
        item.purchases = Math.max(0, item.purchases - product.quantity);
      }
      undoOrder(activity, event.revenue, at, halfLives.longMs);
      return;
    default:
      assertNever(event);
  }
}

/**
 * Applies a batch (events in time order) to `state` in place, after one propensity SGD step on
 * (features before the batch, batch contains an order).
 */
export function applyBatch(state: ProfileState, events: readonly ValidEvent[], context: ApplyContext): void {
  if (events.length === 0) return;
  const first = events[0]!.at;
  if (state.eventsApplied > 0) {
    const x = propensityFeatures(state.activity, first, context.halfLives);
    const label = events.some((e) => e.name === 'Order Completed') ? 1 : 0;
    pushExample(state.propensity.examples, x, label);
    state.propensity = {
      ...state.propensity,
      weights: sgdStep(state.propensity.weights, x, label),
      updates: state.propensity.updates + 1,
    };
  }
  for (const event of events) {
    applyEvent(state, event, context);
    recordStep(state.sequence, event, () => stepCategories(event, context));
  }
  pruneInterests(state.interests, events[events.length - 1]!.at, context.halfLives, INTEREST_PRUNE_FLOOR);
  pruneIntent(state.intent, events[events.length - 1]!.at, context.intentHalfLifeMs);
}

/** The categories a step is about: its products' (as applyEvent resolved them) or the list's. */
function stepCategories(event: ValidEvent, context: ApplyContext): readonly string[] {
  if ('categories' in event) return event.categories;
  return productsOf(event).flatMap((product) => context.item(product.productId).categories);
}
