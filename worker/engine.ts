/**
 * The on-device engine: a plain class implementing EngineApi, with storage (an IDBFactory) and
 * the clock injected, so the same code runs in a browser Worker (exposed with Comlink by
 * worker/entry.ts) and in Node over fake-indexeddb for tests and simulation.
 *
 * Flow of a batch: validate (core/events) → deduplicate and debounce → by consent:
 *   pending: apply to the in-memory profile only, hold the events in memory;
 *   granted: one read-write transaction appends the events, evicts old ones, and writes the
 *            updated profile and items; the new profile is adopted only after it committed;
 *   denied:  drop.
 * Operations are serialised on one promise chain so a forget() never interleaves with a write.
 */
import { unwrap } from 'idb';
import { PRODUCT_INTERACTIONS, type ValidEvent } from '../core/events/event.js';
import { validateEvent } from '../core/events/validate.js';
import type {
  CatalogItem,
  ConsentState,
  EngineApi,
  FieldError,
  IngestResult,
  ProfileView,
  SegmentView,
  RawEvent,
  Recommendation,
  RecommendOptions,
} from '../core/protocol/engine-api.js';
import { CatalogIndex } from './catalog-index.js';
import { cartAt, readRfm } from './features/activity.js';
import type { HalfLives } from './features/decay.js';
import { interestShares } from './features/interests.js';
import { catalogueOfSeenItems, type ItemRecord } from './features/items.js';
import { topKeywords } from './features/keywords.js';
import { applyBatch, cloneProfile, emptyProfile, ItemDrafts, reviveProfile, type ProfileState } from './features/profile-state.js';
import { checkPropensityWeights, predictPropensity, propensityFeatures, ringExamples, type PropensityExample } from './features/propensity.js';
import { intentEvidence } from './features/intent-evidence.js';
import type { BuyIntentPriors, CategoryEvidence } from '../core/models/buy-intent.js';
import { segmentOf } from './features/segment.js';
import { segmentInputs } from './features/segment-inputs.js';
import { periodActivity } from './features/period-activity.js';
import type { PeriodActivity } from '../core/models/daily-report.js';
import type { SegmentInputs } from '../core/models/kmeans.js';
import type { NextEventModel, NextEventPredictions } from './features/next-event-prediction.js';
import type { SequenceEntry } from './features/sequence.js';
import { DEFAULT_HALF_LIVES, DEFAULT_SHORT_TERM_WEIGHT } from './features/tuning.js';
import { checkRecommendOptions, recommend, type ExtraScorer } from './recommend.js';
import { Database, type WriteTransaction } from './store/database.js';
import { RecentKeys } from './store/recent-keys.js';
import { countLoggedEvents, DEFAULT_LOG_LIMITS, evictEvents, evictOldest, newestEventIds, queueEventRows, readLoggedEvents, ReplayWatch, settleTogether, storedEventIds, type LogLimits } from './store/event-log.js';
import { ITEM_JOURNAL_LIMIT, JournalTracker, queueFold, queueItemWrites, readItems } from './store/item-journal.js';
import { writeWithQuotaRetry } from './store/quota.js';
import { databaseName, PROFILE_KEY } from './store/schema.js';

export interface EngineLimits extends LogLimits {
  /** Same event on the same product within this many ms is a double click, not a second event. */
  readonly debounceMs: number;
  /** Events held in memory while consent is pending; the oldest are dropped beyond it. */
  readonly maxPendingEvents: number;
  /** Events accepted in one ingest call; the rest are reported as errors. */
  readonly maxBatch: number;
  /** Event ids remembered for deduplication, loaded from the log's end on a visit's first batch (past them, a batch replayed whole collides on the log's key). */
  readonly recentIds: number;
  /** Journaled item records before the journal is folded into `items` (store/item-journal.ts). */
  readonly itemJournalLimit: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  ...DEFAULT_LOG_LIMITS,
  debounceMs: 500,
  maxPendingEvents: 1_000,
  maxBatch: 1_000,
  recentIds: 5_000,
  itemJournalLimit: ITEM_JOURNAL_LIMIT,
};

export interface EngineOptions {
  /** The site id (`data-site`): one database per site. */
  readonly site: string;
  /** Storage; defaults to the runtime's `indexedDB`. */
  readonly idbFactory?: IDBFactory;
  /** The clock, ms since the epoch; defaults to Date.now. */
  readonly now?: () => number;
  readonly catalog?: readonly CatalogItem[];
  readonly limits?: Partial<EngineLimits>;
  /** Starting consent; defaults to what is stored, else 'pending'. */
  readonly consent?: ConsentState;
  /** Interest half-lives and blend; defaults measured in worker/features/README.md. */
  readonly tuning?: { readonly halfLives?: HalfLives; readonly shortTermWeight?: number };
  /** A model's second opinion blended into recommend() (the federated matrix factorisation). */
  readonly extraScorer?: ExtraScorer;
  /** The privacy ledger's view, shown in profile(); owned by the federated client. */
  readonly privacy?: () => ProfileView['privacy'] | Promise<ProfileView['privacy']>;
  /** The population prior of purchase intent, owned by the federated client; default: the weak prior of core/models/buy-intent.ts. */
  readonly intentPriors?: () => BuyIntentPriors | Promise<BuyIntentPriors>;
  /** Called after forget() deleted this database, so other on-device stores (the ledger) can follow. */
  readonly onForget?: () => Promise<void> | void;
  /**
   * The visitor's federated segment from these inputs (worker/federated/segments-task.ts), owned
   * by the federated client; without it segment() answers null and profile().segment is the rule's.
   */
  readonly segment?: (inputs: SegmentInputs | null) => Promise<SegmentView | null>;
}

/** Steps profile() lists as what the predictions read last: enough to recognise a visit, short enough to read. */
const RECENT_STEPS_SHOWN = 10;

/** Product events that a double click would duplicate. */
const DEBOUNCED: ReadonlySet<string> = new Set(PRODUCT_INTERACTIONS);

export class Engine implements EngineApi {
  private readonly database: Database;
  private readonly now: () => number;
  private readonly limits: EngineLimits;
  private readonly halfLives: HalfLives;
  private readonly shortTermWeight: number;
  private consent: ConsentState = 'pending';
  private state: ProfileState = emptyProfile();
  private items = new Map<string, ItemRecord>();
  /** Records in the item journal and the products they name (store/item-journal.ts). */
  private readonly journal = new JournalTracker();
  /** Ids of items bought, kept with `items` so recommend() does not scan them. */
  private bought = new Set<string>();
  private catalogItems: readonly CatalogItem[] = [];
  private catalog = new CatalogIndex([]);
  /** Without a site catalogue: the items this visitor has met, indexed lazily; null once they change. */
  private seenCatalog: CatalogIndex | null = null;
  private nextEventModel: NextEventModel | null = null;
  /** worker/features/predictions.ts, imported on the first question that needs it (not at start-up). */
  private predictors: Promise<typeof import('./features/predictions.js')> | null = null;
  private loadPredictors(): Promise<typeof import('./features/predictions.js')> {
    return (this.predictors ??= import('./features/predictions.js'));
  }
  /**
   * The last next-event prediction and what it was made from: profile() and every recommend()
   * between two batches read the same sequence (a batch replaces the state, so its array) and model.
   */
  private nextEventMemo: { sequence: ProfileState['sequence']; model: NextEventModel | null; predictions: NextEventPredictions } | null = null;
  private async nextEventPredictions(): Promise<NextEventPredictions> {
    const { sequence } = this.state;
    const model = this.nextEventModel;
    const memo = this.nextEventMemo;
    if (memo !== null && memo.sequence === sequence && memo.model === model) return memo.predictions;
    const predictions = (await this.loadPredictors()).predictNextEvent(sequence, model);
    this.nextEventMemo = { sequence, model, predictions };
    return predictions;
  }
  private pending: ValidEvent[] = [];
  private readonly recentIds: RecentKeys<true>;
  private readonly lastAction: RecentKeys<number>;
  private queue: Promise<unknown>;
  private readonly loaded: Promise<void>;

  constructor(private readonly options: EngineOptions) {
    if (typeof options.site !== 'string' || options.site.length === 0 || options.site.length > 200) {
      throw new RangeError('site: must be a non-empty string of at most 200 characters');
    }
    const factory = options.idbFactory ?? globalThis.indexedDB;
    if (factory === undefined) throw new RangeError('idbFactory: no IndexedDB in this runtime; pass one');
    // Another tab's forget() deletes the database; what this tab holds in memory goes with it,
    // or its next batch would write the forgotten profile back.
    this.database = new Database(factory, databaseName(options.site), () => this.resetMemory());
    this.now = options.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.recentIds = new RecentKeys(this.limits.recentIds, 'limits.recentIds');
    this.lastAction = new RecentKeys(this.limits.recentIds, 'limits.recentIds');
    this.halfLives = options.tuning?.halfLives ?? DEFAULT_HALF_LIVES;
    this.shortTermWeight = options.tuning?.shortTermWeight ?? DEFAULT_SHORT_TERM_WEIGHT;
    if (options.catalog !== undefined) this.useCatalog(options.catalog);
    this.loaded = this.load(factory);
    this.queue = this.loaded.catch(() => undefined);
  }

  /** Runs `task` after every earlier operation, whatever their outcome. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Reads what an earlier visit stored, without creating a database for a visitor who never consented. */
  private async load(factory: IDBFactory): Promise<void> {
    const exists = typeof factory.databases === 'function'
      ? (await factory.databases()).some((info) => info.name === this.database.name)
      : true;
    if (this.options.consent === 'denied') {
      this.consent = 'denied';
      if (exists) await this.database.destroy();
      return;
    }
    if (!exists) {
      this.consent = this.options.consent ?? 'pending';
      if (this.consent === 'granted') await this.persistAll();
      return;
    }
    const stored = await this.database.run(async (db) => {
      const tx = db.transaction(['profile', 'items', 'itemJournal', 'catalog', 'meta'], 'readonly');
      const [profile, items, catalog, consent] = await Promise.all([
        tx.objectStore('profile').get(PROFILE_KEY),
        readItems(tx),
        tx.objectStore('catalog').getAll(),
        tx.objectStore('meta').get('consent'),
      ]);
      return { profile, items, catalog, consent };
    });
    if (stored.profile !== undefined) this.state = reviveProfile(stored.profile);
    this.items = stored.items.items;
    this.seenCatalog = null;
    this.journal.load(stored.items);
    this.bought = new Set([...this.items.values()].filter((item) => item.purchases > 0).map((item) => item.id));
    if (this.options.catalog === undefined && stored.catalog.length > 0) this.useCatalog(stored.catalog);
    const storedConsent = stored.consent?.key === 'consent' ? stored.consent.value : undefined;
    this.consent = this.options.consent ?? storedConsent ?? 'pending';
  }

  private useCatalog(items: readonly CatalogItem[]): void {
    if (!Array.isArray(items)) throw new RangeError('catalog: must be an array of items');
    const valid = items.filter(
      (item): item is CatalogItem =>
        typeof item === 'object' && item !== null && typeof item.id === 'string' && item.id.length > 0 && Array.isArray(item.categories),
    );
    this.catalogItems = valid;
    this.catalog = new CatalogIndex(valid);
  }

  setConsent(state: ConsentState): Promise<void> {
    if (state !== 'pending' && state !== 'granted' && state !== 'denied') {
      return Promise.reject(new RangeError(`consent: must be 'pending', 'granted' or 'denied', got ${String(state)}`));
    }
    return this.serial(async () => {
      const previous = this.consent;
      this.consent = state;
      switch (state) {
        case 'granted':
          if (previous !== 'granted') await this.persistAll();
          return;
        case 'denied':
          this.resetMemory();
          await this.database.destroy();
          return;
        case 'pending':
          return;
        default: {
          const unhandled: never = state;
          throw new RangeError(`consent: ${String(unhandled)}`);
        }
      }
    });
  }

  /** On grant: writes everything held in memory (profile, items, held events, catalogue) in one transaction. */
  private async persistAll(): Promise<void> {
    const held = this.pending;
    await this.database.write(['events', 'profile', 'items', 'itemJournal', 'catalog', 'meta'], async (tx) => {
      await tx.objectStore('meta').put({ key: 'consent', value: 'granted' });
      const created = await tx.objectStore('meta').get('created');
      if (created === undefined) await tx.objectStore('meta').put({ key: 'created', value: this.now() });
      // Held events may already be stored (a returning visitor's replayed batch): add only the new ones.
      const stored = await storedEventIds(tx, held);
      // Batches were each sorted; rows need the whole run in time order (a stable sort).
      const unstored = held.filter((event) => !stored.has(event.id)).sort((a, b) => a.at - b.at);
      queueEventRows(tx, unstored, new ReplayWatch());
      this.logSize = null;
      this.lastAgeSweep = Number.NEGATIVE_INFINITY;
      await this.maintainLog(tx);
      const catalog = tx.objectStore('catalog');
      queueFold(tx, this.items.values());
      await settleTogether([
        () => tx.objectStore('profile').put(this.state, PROFILE_KEY),
        ...this.catalogItems.map((item) => () => catalog.put(item)),
      ]);
    });
    this.pending = [];
    this.journal.reset();
  }

  ingest(events: readonly RawEvent[]): Promise<IngestResult> {
    return this.serial(() => this.ingestNow(events));
  }

  private async ingestNow(raws: readonly RawEvent[]): Promise<IngestResult> {
    const errors: FieldError[] = [];
    if (!Array.isArray(raws)) {
      return { accepted: 0, duplicates: 0, errors: [{ eventId: '', field: 'events', rule: 'type', message: 'events: must be an array' }] };
    }
    const now = this.now();
    const valid: ValidEvent[] = [];
    raws.forEach((raw, i) => {
      if (i >= this.limits.maxBatch) {
        if (i === this.limits.maxBatch) {
          errors.push({ eventId: '', field: 'events', rule: 'max-batch', message: `events: at most ${this.limits.maxBatch} per batch, the rest were dropped` });
        }
        return;
      }
      const result = validateEvent(raw, { now });
      if (result.ok) valid.push(result.event);
      else errors.push(...result.errors);
    });
    if (this.consent === 'denied') return { accepted: 0, duplicates: 0, errors };

    // Stable sort: the log and the decay see events in time order even when batches interleave.
    valid.sort((a, b) => a.at - b.at);
    if (this.consent === 'granted' && !this.rememberedStoredIds) {
      // Once per visit, on the first batch (not at open, which recommend() on page load waits
      // for): replays from an earlier visit are then caught by id, not only as whole batches.
      this.rememberedStoredIds = true;
      for (const id of await newestEventIds(this.database, this.limits.recentIds)) this.remember(id);
    }
    let duplicates = 0;
    const fresh: ValidEvent[] = [];
    for (const event of valid) {
      if (this.recentIds.has(event.id) || this.isDoubleClick(event)) duplicates++;
      else {
        this.remember(event.id);
        fresh.push(event);
      }
    }
    if (fresh.length === 0) return { accepted: 0, duplicates, errors };

    if (this.consent === 'pending') {
      const draft = cloneProfile(this.state);
      const drafts = new ItemDrafts((id) => this.items.get(id));
      applyBatch(draft, fresh, this.applyContext(drafts));
      this.adopt(draft, drafts);
      this.pending.push(...fresh);
      if (this.pending.length > this.limits.maxPendingEvents) this.pending.splice(0, this.pending.length - this.limits.maxPendingEvents);
      return { accepted: fresh.length, duplicates, errors };
    }
    const accepted = await this.persistBatch(fresh);
    return { accepted, duplicates: duplicates + fresh.length - accepted, errors };
  }

  private isDoubleClick(event: ValidEvent): boolean {
    if (!DEBOUNCED.has(event.name) || !('product' in event)) return false;
    const key = `${event.name}\u0000${event.product.productId}`;
    const last = this.lastAction.get(key);
    this.lastAction.set(key, event.at);
    return last !== undefined && Math.abs(event.at - last) < this.limits.debounceMs;
  }

  private remember(id: string): void {
    this.recentIds.set(id, true);
  }

  private applyContext(drafts: ItemDrafts) {
    return { halfLives: this.halfLives, catalogCategories: (id: string) => this.catalog.categoriesOf(id), item: drafts.get };
  }

  private adopt(draft: ProfileState, drafts: ItemDrafts): void {
    this.state = draft;
    if (drafts.touched.size > 0) this.seenCatalog = null;
    for (const [id, item] of drafts.touched) {
      this.items.set(id, item);
      // A refund or cancellation can take a purchase back (profile-state.ts).
      if (item.purchases > 0) this.bought.add(id);
      else this.bought.delete(id);
    }
  }

  /** Whether the newest stored event ids were loaded into `recentIds` (on the first granted batch). */
  private rememberedStoredIds = false;
  /** Events in the log as far as this connection knows (null: not counted yet); drives when eviction runs. */
  private logSize: number | null = null;
  private lastAgeSweep = Number.NEGATIVE_INFINITY;
  /** The stored count of evicted events (meta 'evicted'), once read; null: read it on the next eviction. */
  private evictedTotal: number | null = null;

  /**
   * Evicts inside the batch's transaction, but only when it can have work to do: the log is over
   * its cap, or a minute has passed since the last age sweep. Saves a cursor and a count per batch.
   */
  private async maintainLog(tx: WriteTransaction): Promise<void> {
    const now = this.now();
    if (this.logSize === null) this.logSize = await countLoggedEvents(tx.objectStore('events'));
    if (this.logSize <= this.limits.maxEvents && now - this.lastAgeSweep < 60_000) return;
    this.lastAgeSweep = now;
    const { evicted, size } = await evictEvents(tx, now, this.limits, this.logSize);
    this.logSize = size;
    if (evicted > 0) {
      const meta = tx.objectStore('meta');
      if (this.evictedTotal === null) {
        const stored = await meta.get('evicted');
        this.evictedTotal = stored?.key === 'evicted' ? stored.value : 0;
      }
      this.evictedTotal += evicted;
      unwrap(meta).put({ key: 'evicted', value: this.evictedTotal });
    }
  }

  /**
   * Writes a batch and the profile it produces in ONE transaction. On QuotaExceededError the
   * oldest events are evicted and the write retried; as a last resort the profile is written
   * without the batch's log rows, so the profile is never the casualty.
   */
  private persistBatch(events: readonly ValidEvent[]): Promise<number> {
    return writeWithQuotaRetry(
      async (keepLog) => {
        const written = await this.writeBatch(events, keepLog ? 'assume-new' : 'profile-only');
        if (written !== 'replayed') return written;
        const checked = await this.writeBatch(events, 'look-up');
        if (checked === 'replayed') throw new Error('event log: a row collided although its id was looked up first');
        return checked;
      },
      () => evictOldest(this.database, 0.25, 100),
    );
  }

  /**
   * One transaction: the log rows, the profile and the item journal, queued together and
   * committed at once (no request awaited unless the log needs trimming).
   * - 'assume-new': the batch passed the in-memory dedup, so its rows are queued without a
   *   lookup; if one was stored after all (a replay past the memory of ids), the transaction
   *   aborts and this returns 'replayed', and the caller writes again with 'look-up'.
   * - 'look-up': the stored ids are read first and skipped.
   * - 'profile-only': the quota fallback; looks the ids up and writes no log rows.
   */
  private async writeBatch(events: readonly ValidEvent[], mode: 'assume-new' | 'look-up' | 'profile-only'): Promise<number | 'replayed'> {
    const replays = new ReplayWatch();
    const outcome = await this.database
      .write(['events', 'profile', 'items', 'itemJournal', 'meta'], (tx) => this.batchBody(tx, events, mode, replays))
      .catch((error: unknown) => {
        // The aborted transaction's counts are not the stored ones.
        this.logSize = null;
        this.evictedTotal = null;
        if (replays.replayed) return 'replayed' as const;
        throw error;
      });
    if (outcome === 'replayed') return outcome;
    if (outcome === null) return 0;
    this.adopt(outcome.draft, outcome.drafts);
    this.journal.apply(outcome.journalStep, outcome.drafts.touched.keys());
    return outcome.accepted;
  }

  private async batchBody(tx: WriteTransaction, events: readonly ValidEvent[], mode: 'assume-new' | 'look-up' | 'profile-only', replays: ReplayWatch) {
    let fresh = events;
    if (mode !== 'assume-new') {
      const stored = await storedEventIds(tx, events);
      fresh = events.filter((e) => !stored.has(e.id));
    }
    if (fresh.length === 0) return null;
    // The rows first: IndexedDB writes them while this thread computes the profile.
    if (mode !== 'profile-only') {
      queueEventRows(tx, fresh, replays);
      if (this.logSize !== null) this.logSize += fresh.length;
    }
    const draft = cloneProfile(this.state);
    const drafts = new ItemDrafts((id) => this.items.get(id));
    applyBatch(draft, fresh, this.applyContext(drafts));
    const touched = drafts.touched;
    unwrap(tx.objectStore('profile')).put(draft, PROFILE_KEY);
    // One journal row, or past the limit a compaction or fold of the journal (store/item-journal.ts).
    const journalStep = queueItemWrites(tx, touched, this.journal, (id) => this.items.get(id), this.limits.itemJournalLimit);
    await this.maintainLog(tx);
    return { accepted: fresh.length, draft, drafts, journalStep };
  }

  recommend(options: RecommendOptions = {}): Promise<Recommendation[]> {
    return this.serial(async () => {
      const now = this.now();
      const { candidateIds, describedItems } = checkRecommendOptions(options);
      const index = describedItems.length > 0 ? this.candidateIndex(candidateIds ?? [], describedItems) : this.recommendable();
      const scorer = this.options.extraScorer;
      const extra = scorer === undefined || index.size === 0
        ? undefined
        : { scores: await scorer.score({ itemIds: index.ids, now }), weight: scorer.weight, reason: scorer.reason };
      return recommend(index, options, {
        interests: interestShares(this.state.interests, now, this.halfLives, this.shortTermWeight),
        shortTermWeight: this.shortTermWeight,
        bought: this.bought,
        cart: cartAt(this.state.activity, now),
        ...(this.nextEventModel === null ? {} : { nextCategories: (await this.nextEventPredictions()).nextCategories }),
        ...(extra === undefined ? {} : { extra }),
      });
    });
  }

  /** The site's catalogue; without one, the items this visitor has met (their categories came with the events). */
  private recommendable(): CatalogIndex {
    if (this.catalog.size > 0) return this.catalog;
    return (this.seenCatalog ??= new CatalogIndex(catalogueOfSeenItems(this.items.values())));
  }

  /** `candidates` that describe items in full: those, plus the listed ids the catalogue (or the visitor) knows. */
  private candidateIndex(ids: readonly string[], described: readonly CatalogItem[]): CatalogIndex {
    const known = this.recommendable();
    const byId = new Map(described.map((item) => [item.id, item]));
    const items = ids.flatMap((id): CatalogItem[] => {
      const item = byId.get(id);
      if (item !== undefined) return [item];
      const i = known.indexOf.get(id);
      return i === undefined ? [] : [{ id, categories: known.categoriesOf(id) ?? [], popularity: known.popularity[i]! }];
    });
    return new CatalogIndex(items);
  }

  profile(): Promise<ProfileView> {
    return this.serial(async () => {
      const predictors = await this.loadPredictors();
      const now = this.now();
      const state = this.state;
      const rfm = readRfm(state.activity, now, this.halfLives.longMs, this.catalog.priceBands);
      // The log size is tracked with each write; counting is only needed before the first one.
      const events = this.consent !== 'granted' ? this.pending.length : (this.logSize ??= await this.database.run((db) => countLoggedEvents(db.transaction('events').store)));
      const privacy = (await this.options.privacy?.()) ?? { budgets: [], receipts: [] };
      const federatedSegment = this.options.segment === undefined ? null : await this.options.segment(this.segmentInputsNow(now));
      return {
        consent: this.consent,
        interests: interestShares(state.interests, now, this.halfLives, this.shortTermWeight).map((s) => ({
          category: s.category,
          shortTerm: s.shortTerm,
          longTerm: s.longTerm,
        })),
        keywords: topKeywords(state.keywords, now, this.halfLives.longMs, 20),
        rfm: {
          recencyDays: rfm.recencyDays,
          frequency: rfm.frequency,
          monetary: rfm.monetary,
          priceBand: rfm.priceBand,
          engagedSeconds: rfm.engagedSeconds,
        },
        segment: federatedSegment?.description ?? segmentOf(rfm, state.eventsApplied, cartAt(state.activity, now).size),
        predictions: {
          purchasePropensity: predictPropensity(state.propensity.weights, propensityFeatures(state.activity, now, this.halfLives)),
          buyGivenClick: predictors.buyGivenClick(state.intent, now, (await this.options.intentPriors?.()) ?? predictors.defaultBuyIntentPriors()),
          ...(await this.nextEventPredictions()),
          recentSteps: state.sequence.slice(-RECENT_STEPS_SHOWN).map((step) => ({ action: step.action, categories: [...step.categories], at: step.at })),
        },
        privacy,
        storage: { events, items: this.items.size, bytesEstimate: this.bytesEstimate(events) },
      };
    });
  }

  /**
   * Rough stored size: the profile as JSON, the items at the JSON size of a sample of them, and
   * the log at its typical row size. Items are sampled because profile() is on the event →
   * profile path: stringifying 20,000 item records cost ~10 ms per call in Chromium.
   */
  private bytesEstimate(events: number): number {
    if (this.consent !== 'granted') return 0;
    const AVERAGE_EVENT_BYTES = 300;
    const ITEM_SAMPLE = 200;
    const sample: ItemRecord[] = [];
    for (const item of this.items.values()) {
      if (sample.length === ITEM_SAMPLE) break;
      sample.push(item);
    }
    const itemBytes = sample.length === 0 ? 0 : Math.round((JSON.stringify(sample).length / sample.length) * this.items.size);
    return JSON.stringify(toPlain(this.state)).length + itemBytes + events * AVERAGE_EVENT_BYTES;
  }

  exportAll(): Promise<unknown> {
    return this.serial(async () => {
      const events = this.consent === 'granted'
        ? await readLoggedEvents(this.database)
        : [...this.pending];
      return toPlain({
        format: 'inkling-export',
        version: 1,
        site: this.options.site,
        exportedAt: new Date(this.now()).toISOString(),
        consent: this.consent,
        profile: this.state,
        items: [...this.items.values()],
        events,
      });
    });
  }

  forget(): Promise<void> {
    return this.serial(async () => {
      this.resetMemory();
      await this.database.destroy();
      await this.options.onForget?.();
    });
  }

  private resetMemory(): void {
    this.logSize = null;
    this.evictedTotal = null;
    this.journal.reset();
    this.lastAgeSweep = Number.NEGATIVE_INFINITY;
    this.state = emptyProfile();
    this.items = new Map();
    this.seenCatalog = null;
    this.bought = new Set();
    this.pending = [];
    this.recentIds.clear();
    this.lastAction.clear();
  }

  setCatalog(items: readonly CatalogItem[]): Promise<void> {
    return this.serial(async () => {
      this.useCatalog(items);
      if (this.consent !== 'granted') return;
      await this.database.write(['catalog'], async (tx) => {
        const store = tx.objectStore('catalog');
        await store.clear();
        await settleTogether(this.catalogItems.map((item) => () => store.put(item)));
      });
    });
  }

  /** Copies of the visitor's per-product records (the federated MF task turns them into positives). */
  itemRecords(): Promise<ItemRecord[]> {
    return this.serial(async () => [...this.items.values()].map((item) => ({ ...item })));
  }

  /** The recent labelled propensity examples (features before a batch, label = it held an order). */
  propensityExamples(): Promise<PropensityExample[]> {
    return this.serial(async () => ringExamples(this.state.propensity.examples));
  }

  /** The visitor's purchase-intent evidence per category now (the 'buy-intent' task sends it privatized). */
  intentEvidence(): Promise<CategoryEvidence[]> {
    return this.serial(async () => intentEvidence(this.state.intent, this.now()));
  }

  /**
   * Adopts propensity weights from outside (the federated global model); persisted with the
   * profile when consent is granted. Layout: worker/features/propensity.ts.
   */
  setPropensityWeights(weights: Float32Array): Promise<void> {
    return this.serial(async () => {
      const draft = cloneProfile(this.state);
      draft.propensity = { ...draft.propensity, weights: checkPropensityWeights(weights) };
      if (this.consent === 'granted') {
        await this.database.write(['profile'], async (tx) => {
          await tx.objectStore('profile').put(draft, PROFILE_KEY);
        });
      }
      this.state = draft;
    });
  }

  /**
   * The visitor's federated segment (EngineApi.segment): null without the federated client, before
   * the site's first release, or before the first event.
   */
  segment(): Promise<SegmentView | null> {
    return this.serial(async () => (this.options.segment === undefined ? null : this.options.segment(this.segmentInputsNow(this.now()))));
  }

  /** What the 'segments' task's feature vector reads (worker/features/segment-inputs.ts); null before the first event. */
  segmentInputs(): Promise<SegmentInputs | null> {
    return this.serial(async () => this.segmentInputsNow(this.now()));
  }

  private segmentInputsNow(now: number): SegmentInputs | null {
    const state = this.state;
    const rfm = readRfm(state.activity, now, this.halfLives.longMs, this.catalog.priceBands);
    return segmentInputs({
      interests: interestShares(state.interests, now, this.halfLives, this.shortTermWeight),
      events: state.eventsApplied,
      recencyDays: rfm.recencyDays,
      spend: rfm.monetary,
      stepTimes: state.sequence.map((step) => step.at),
    });
  }

  /**
   * The visitor's activity in [start, end) for the 'daily-report' task (worker/features/period-activity.ts):
   * counts from the sequence the profile keeps, and the visitor's federated segment when the site's
   * segments model has been adopted (null otherwise, so the report's conversion block stays 0). Read
   * only on the device; the report built from it is clipped and noised before anything leaves.
   */
  periodActivity(start: number, end: number): Promise<PeriodActivity> {
    return this.serial(async () => {
      const segment = this.options.segment === undefined ? null : await this.options.segment(this.segmentInputsNow(this.now()));
      return periodActivity(this.state.sequence, start, end, segment?.id ?? null);
    });
  }

  /** The visitor's recent event sequence, oldest first (the next-event task trains on it). */
  sequence(): Promise<SequenceEntry[]> {
    return this.serial(async () => this.state.sequence.map((entry) => ({ ...entry })));
  }

  /**
   * Adopts the federated next-event model (worker/federated/next-event-task.ts hands over each
   * global version it trains from). Kept in memory: the next training pass brings it back.
   */
  setNextEventModel(model: NextEventModel): Promise<void> {
    return this.serial(async () => {
      this.nextEventModel = (await this.loadPredictors()).checkNextEventModel(model);
    });
  }

  /** The next-event model profile() predicts with, null before one is adopted (the model-evaluation task scores this one). */
  nextEventModelInUse(): Promise<NextEventModel | null> {
    return this.serial(async () => this.nextEventModel);
  }

  /** Resolves when what an earlier visit stored has been read (createEngine awaits it). */
  ready(): Promise<void> {
    return this.loaded;
  }

  /** Closes the database connection (tests, and the Worker's shutdown). */
  async close(): Promise<void> {
    await this.queue;
    this.database.close();
  }
}

/** Typed arrays become plain arrays so that exports are JSON. */
function toPlain(value: unknown): unknown {
  const isNumberArray = (v: unknown): v is Float32Array | Float64Array | Int32Array | Uint8Array =>
    v instanceof Float32Array || v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (isNumberArray(v) ? Array.from(v) : v)));
}

/**
 * The factory H4's Worker entry calls; returns the engine once it has read what is stored.
 *
 * @example
 * const engine = await createEngine({ site: 'shop-1', idbFactory: new IDBFactory(), now: () => clock });
 * await engine.setConsent('granted');
 * await engine.ingest([{ id: 'e1', name: 'Product Viewed', timestamp: clock, properties: { product_id: '1' } }]);
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const engine = new Engine(options);
  await engine.ready();
  return engine;
}
