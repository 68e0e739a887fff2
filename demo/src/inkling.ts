/**
 * The part of Inkling's public API this shop uses, declared here the way any third-party site
 * declares a script-tag library: the shop never imports the SDK, it only talks to
 * `window.inkling`, which the inline snippet defines before the library loads.
 *
 * Every call goes through `withInkling()`: if the script was blocked (an ad blocker, a CSP, a
 * build without the snippet), the shop still works and simply shows no personal picks.
 */

export interface Recommendation {
  readonly id: string;
  readonly score: number;
  readonly reason: string;
}

export interface InterestWeight {
  readonly category: string;
  readonly shortTerm: number;
  readonly longTerm: number;
}

export interface ContributionReceipt {
  readonly at: number;
  readonly task: string;
  readonly round: string;
  readonly epsilon: number;
  readonly delta: number;
  readonly rho: number;
  readonly bytes: number;
  /** 'secure-aggregation': split between two servers; 'local': noised on the device and sent to one. */
  readonly protection: 'local' | 'secure-aggregation';
  /** ε if both servers collude (the device's own noise alone). */
  readonly collusionEpsilon: number;
  /** 'pending': charged, not sent yet (a later visit sends the same bytes while the round is open); 'expired': never sent, its round closed first. */
  readonly status: 'sent' | 'pending' | 'expired';
}

export interface PrivacyBudgetView {
  readonly task: string;
  readonly rhoSpent: number;
  readonly rhoLimit: number;
  readonly windowDays: number;
  /** A report sent on a fixed schedule (the daily report): its ε is per period and renews (newer SDKs only). */
  readonly period?: {
    readonly days: number;
    readonly epsilonPerPeriod: number;
    readonly epsilonThisPeriod: number;
    readonly renewsAt: number;
    readonly periodsReported: number;
    readonly epsilonComposed: number;
  };
}

export type ConsentState = 'pending' | 'granted' | 'denied';

/** One step of the visitor's sequence, as the next-event predictions read it. */
export interface SequenceStep {
  readonly action: 'view' | 'cart' | 'wishlist' | 'buy' | 'search' | 'other';
  readonly categories: readonly string[];
  readonly at: number;
}

/**
 * What the profile predicts. Fields after `purchasePropensity` came with later SDK versions, so the
 * shop reads them as optional: an older script still renders the page.
 */
export interface Predictions {
  readonly purchasePropensity: number;
  /** The next step's category, most likely first. */
  readonly nextCategories?: readonly { readonly category: string; readonly probability: number }[];
  /** The next action in this visit; null until the shop's shared model reached this browser. */
  readonly nextAction?: { readonly view: number; readonly cart: number; readonly buy: number; readonly leave: number } | null;
  /** The latest steps those two read, oldest first. */
  readonly recentSteps?: readonly SequenceStep[];
  /** P(buy | opened a film of the category), with a credible interval. */
  readonly buyGivenClick?: readonly { readonly category: string; readonly probability: number; readonly low: number; readonly high: number }[];
}

export interface ProfileView {
  readonly consent: ConsentState;
  readonly interests: readonly InterestWeight[];
  readonly keywords: readonly { readonly term: string; readonly weight: number }[];
  readonly rfm: {
    readonly recencyDays: number | null;
    readonly frequency: number;
    readonly monetary: number;
    readonly priceBand: 'low' | 'mid' | 'high' | null;
    readonly engagedSeconds: number;
  };
  readonly segment: string;
  readonly predictions: Predictions;
  readonly privacy: { readonly budgets: readonly PrivacyBudgetView[]; readonly receipts: readonly ContributionReceipt[] };
  readonly storage: { readonly events: number; readonly items: number; readonly bytesEstimate: number };
}

/** The visitor's segment from the shop's federated k-means (inkling.segment()). */
export interface SegmentView {
  readonly id: number;
  readonly description: string;
}

export interface InklingApi {
  track(event: string, properties?: Record<string, unknown>): void;
  page(properties?: Record<string, unknown>): void;
  recommend(options: { k?: number; candidates?: string[]; exclude?: string[]; category?: string }): Promise<Recommendation[]>;
  profile(): Promise<ProfileView>;
  /** Null until the shop has released its segments (absent in an SDK older than segments). */
  segment?(): Promise<SegmentView | null>;
  export(): Promise<unknown>;
  forget(): Promise<void>;
  consent(state: 'granted' | 'denied'): void;
  on(event: 'error', callback: (error: unknown) => void): void;
  flush?(): Promise<void>;
}

/**
 * The window as this shop sees it. Not a global augmentation: other code in the same
 * TypeScript program (the SDK itself) may declare `window.inkling` its own way.
 */
interface ShopWindow extends Window {
  readonly inkling?: InklingApi;
}

/** The library, or null when the page has none (blocked or not built in). */
export function inkling(): InklingApi | null {
  return (window as ShopWindow).inkling ?? null;
}

/** Runs `use` against Inkling; answers `fallback` if Inkling is absent or fails. */
export async function withInkling<T>(fallback: T, use: (api: InklingApi) => Promise<T> | T): Promise<T> {
  const api = inkling();
  if (!api) return fallback;
  try {
    return await use(api);
  } catch (error) {
    console.warn('[shop] Inkling call failed', error);
    return fallback;
  }
}
