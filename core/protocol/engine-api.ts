/**
 * The contract between the page (sdk/) and the on-device engine (worker/). The SDK calls these
 * methods through Comlink; the engine implements them. Everything crossing this boundary is
 * structured-clonable plain data.
 */

/** What the SDK hands the engine: raw, unvalidated. The engine validates in core/events. */
export interface RawEvent {
  /** Random per event, made by the SDK; the engine deduplicates on it. */
  readonly id: string;
  readonly name: string;
  readonly properties: unknown;
  /** Milliseconds since the epoch, taken by the SDK when `track()` was called. */
  readonly timestamp: number;
  /** The page the event happened on (path only, never sent anywhere). */
  readonly path?: string;
}

export type ConsentState = 'pending' | 'granted' | 'denied';

export interface RecommendOptions {
  readonly k?: number;
  /**
   * Restrict scoring to these items: ids of catalogue (or already seen) items, or items described
   * in full (`{ id, categories, price?, popularity? }`), which a site without a catalogue file
   * can pass from the page it is rendering.
   */
  readonly candidates?: readonly (string | CatalogItem)[];
  /** Never return these item ids. */
  readonly exclude?: readonly string[];
  /** Restrict to items of this category (a path prefix such as "Sci-Fi"). */
  readonly category?: string;
}

export interface Recommendation {
  readonly id: string;
  readonly score: number;
  /** In words, e.g. "because you viewed Sci-Fi". */
  readonly reason: string;
}

/** A catalogue item as the site describes it (from `data-catalog` or supplied candidates). */
export interface CatalogItem {
  readonly id: string;
  readonly title?: string;
  /** Category paths, e.g. ["Sci-Fi", "Action"] or ["Movies/Sci-Fi"]. */
  readonly categories: readonly string[];
  readonly price?: number;
  /** A popularity prior in [0, 1] supplied by the site (or the global model). */
  readonly popularity?: number;
}

export interface InterestWeight {
  readonly category: string;
  readonly shortTerm: number;
  readonly longTerm: number;
}

/**
 * 'local': the aggregator saw the noised vector (INK1), protected by the device's own noise.
 * 'secure-aggregation': each of two aggregators saw a random share (INK2); the models see a sum.
 */
export type ContributionProtection = 'local' | 'secure-aggregation';

export interface ContributionReceipt {
  readonly at: number;
  readonly task: string;
  readonly round: string;
  /** ε charged: against anyone who sees the models or one aggregator (non-collusion assumed for secure aggregation). */
  readonly epsilon: number;
  readonly delta: number;
  readonly rho: number;
  readonly bytes: number;
  readonly protection: ContributionProtection;
  /** ε if both aggregators collude: only this device's own noise is left (= epsilon for 'local'). */
  readonly collusionEpsilon: number;
  /**
   * 'sent': the bytes reached the aggregator. 'pending': charged (the charge is written before the
   * upload) and not sent yet — the page closed mid-upload or the network failed; a later pass sends
   * the same bytes while the round is open. 'expired': its round closed first; never sent, still charged.
   */
  readonly status: 'sent' | 'pending' | 'expired';
}

export interface PrivacyBudgetView {
  readonly task: string;
  readonly rhoSpent: number;
  readonly rhoLimit: number;
  readonly windowDays: number;
  /** A fixed-schedule task (the daily report): its per-period budget, known once it sent a report. */
  readonly period?: PeriodBudgetView;
}

/**
 * A report sent on a fixed schedule, one per period, whose ε is per period and renews: what one
 * period may cost, what this one cost so far, and the reports over all periods composed (they add
 * up: N reports cost N × ρ, shown as one ε at the ledger's display δ).
 */
export interface PeriodBudgetView {
  /** Period length in UTC days (1: a day). */
  readonly days: number;
  /** ε one period may cost this device (the task's), and what the current period cost so far. */
  readonly epsilonPerPeriod: number;
  readonly epsilonThisPeriod: number;
  /** ms since the epoch: the current period's end, when the period's budget renews. */
  readonly renewsAt: number;
  /** Periods this device sent a report in, and their costs composed into one ε. */
  readonly periodsReported: number;
  readonly epsilonComposed: number;
}

/**
 * The visitor's segment from the site's federated k-means (the 'segments' task): the id of the
 * nearest released centroid (stable across versions: the server matches ids) and that segment in
 * words. Computed on the device; the visitor's segment never leaves it.
 */
export interface SegmentView {
  readonly id: number;
  readonly description: string;
}

/** The visitor's own profile, readable. */
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
  /** The federated segment's description once one is released (SegmentView), else the engine's rule-based segment. */
  readonly segment: string;
  readonly predictions: {
    readonly purchasePropensity: number;
    /**
     * P(buy | engaged with a product of the category) for every category the visitor has evidence
     * in, most likely first: the Beta posterior's mean and equal-tailed 90 % credible interval, its
     * prior the population's (worker/features/intent.ts).
     */
    readonly buyGivenClick: readonly { readonly category: string; readonly probability: number; readonly low: number; readonly high: number }[];
    /** The next step's category, most likely first (probabilities sum to ≤ 1; the top few above 1 %). */
    readonly nextCategories: readonly { readonly category: string; readonly probability: number }[];
    /** The next action in this session (view / cart / buy / leave, summing to 1); null until the device has a trained model. */
    readonly nextAction: { readonly view: number; readonly cart: number; readonly buy: number; readonly leave: number } | null;
    /**
     * What the next-event predictions read last: the visitor's latest steps (oldest first, at most
     * 10 of the sequence kept on the device), so a page can show why it predicts what it does.
     */
    readonly recentSteps: readonly {
      readonly action: 'view' | 'cart' | 'wishlist' | 'buy' | 'search' | 'other';
      /** The step's categories (empty for a search). */
      readonly categories: readonly string[];
      readonly at: number;
    }[];
  };
  readonly privacy: { readonly budgets: readonly PrivacyBudgetView[]; readonly receipts: readonly ContributionReceipt[] };
  readonly storage: { readonly events: number; readonly items: number; readonly bytesEstimate: number };
}

/** An error the engine found in an event; the SDK turns it into an `on('error')` report. */
export interface FieldError {
  readonly eventId: string;
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export interface IngestResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly errors: readonly FieldError[];
}

/** The engine's API as seen from the page. */
export interface EngineApi {
  setConsent(state: ConsentState): Promise<void>;
  ingest(events: readonly RawEvent[]): Promise<IngestResult>;
  recommend(options: RecommendOptions): Promise<Recommendation[]>;
  profile(): Promise<ProfileView>;
  /** The visitor's federated segment, or null before the site's first release (or before the visitor's first event). */
  segment(): Promise<SegmentView | null>;
  exportAll(): Promise<unknown>;
  forget(): Promise<void>;
  setCatalog(items: readonly CatalogItem[]): Promise<void>;
}
