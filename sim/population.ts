/**
 * The simulated visitors: one on-device engine per MovieLens user, in Node over fake-indexeddb,
 * fed the user's training history in time order exactly as the SDK would feed it (Segment V2
 * events through `ingest`), with the engine's clock following the history's timestamps.
 *
 * What the MF model learns from is then read back from the engine (`itemRecords()` →
 * `interactionsFromItems`, the device's own conversion), so the centralized baseline, the
 * federated devices and the browser all learn from the same signal.
 */
// idb checks `instanceof IDBRequest` etc.: the globals must exist in Node (the factories below are per visitor).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { RawEvent } from '../core/protocol/engine-api.js';
import { createEngine, type Engine } from '../worker/engine.js';
import { interactionsFromItems } from '../worker/federated/item-feedback.js';
import type { Interaction } from '../worker/models/feedback.js';
import type { Catalogue, Dataset, Interaction as Rating, UserHistory } from './data.js';
import { reviewedProperties } from './storefront-products.js';

export const SIM_SITE = 'inkling-sim';

export interface Visitor {
  readonly user: UserHistory;
  /** This visitor's own IndexedDB (a separate fake-indexeddb factory: devices share nothing). */
  readonly idbFactory: IDBFactory;
  readonly engine: Engine;
  /** The MF positives as catalogue rows, read from the engine after the replay. */
  readonly interactions: readonly Interaction[];
  /** Moves the engine's clock forward (never back): the visitor comes back at `at`. */
  readonly setNow: (at: number) => void;
}

/** Events per ingest call: below the engine's maxBatch (1,000), like an SDK flushing in batches. */
const BATCH = 1000;

/**
 * One rating becomes what the storefront tracks for it: the product page view (autocapture's
 * `Product Viewed`), then the rating widget's `Product Reviewed`, with the properties the
 * storefront's own code gives the film (storefront-products.ts: every genre, the shop's title and
 * price). Ids are deterministic (user, position) so a replay is reproducible; they never leave
 * the engine.
 */
export function eventsOfRating(userId: number, index: number, rating: Rating, catalogue: Catalogue): RawEvent[] {
  const viewed = catalogue.products.get(rating.itemId) ?? { product_id: rating.itemId };
  return [
    { id: `u${userId}-${index}-v`, name: 'Product Viewed', properties: viewed, timestamp: rating.timestamp, path: `/movie/${rating.itemId}` },
    { id: `u${userId}-${index}-r`, name: 'Product Reviewed', properties: reviewedProperties(viewed, rating.rating), timestamp: rating.timestamp + 1, path: `/movie/${rating.itemId}` },
  ];
}

/**
 * Replays one user's training history into a fresh engine. With `observedAt` (later than the
 * history), the engine's clock then stands there: the visitor is looked at on that day, as a live
 * shop sees a visitor who last came weeks ago (recency, decayed spend: the segments' features).
 *
 * The engine gets no `data-catalog`: the events carry each product's name, categories and price, which is
 * all the profile and the MF positives need, and copying the 3,496-item catalogue into 671 fake
 * IndexedDBs made the replay of all 671 users take 80 s and 2.8 GB instead of 13 s and 0.6 GB (measured).
 */
export async function replayVisitor(user: UserHistory, catalogue: Catalogue, observedAt = Number.NEGATIVE_INFINITY): Promise<Visitor> {
  const idbFactory = new IDBFactory();
  let clock = user.train[0]?.timestamp ?? 0;
  const engine = await createEngine({ site: SIM_SITE, idbFactory, now: () => clock, consent: 'granted' });
  const events = user.train.flatMap((rating, i) => eventsOfRating(user.userId, i, rating, catalogue));
  for (let start = 0; start < events.length; start += BATCH) {
    const batch = events.slice(start, start + BATCH);
    clock = batch[batch.length - 1]?.timestamp ?? clock;
    const result = await engine.ingest(batch);
    const first = result.errors[0];
    if (first) throw new Error(`user ${user.userId}: the engine refused a replayed event: ${first.field} ${first.rule} (${first.message})`);
  }
  clock = Math.max(clock, observedAt);
  const interactions = interactionsFromItems(await engine.itemRecords(), catalogue.indexOf, catalogue.ids.length);
  return { user, idbFactory, engine, interactions, setNow: (at) => void (clock = Math.max(clock, at)) };
}

/**
 * Visitors replayed at once. fake-indexeddb answers on later macrotasks, so one replay alone
 * leaves the CPU idle about a quarter of the time; a few in flight fill those gaps.
 */
const CONCURRENT_REPLAYS = 4;

/**
 * Replays every user of the data set (in userId order in the result), reporting progress. Every
 * engine is then observed at the data set's last training event (sim/experiments/kmeans.ts
 * segmentData does the same): a visitor whose history ended years earlier is a lapsed one. Interest
 * shares, and so the top genre, do not change with that shift (every weight decays by one factor).
 */
export async function replayPopulation(dataset: Dataset, onVisitor: (done: number) => void = () => {}): Promise<Visitor[]> {
  const visitors: Visitor[] = new Array<Visitor>(dataset.users.length);
  let observedAt = Number.NEGATIVE_INFINITY;
  for (const user of dataset.users) for (const rating of user.train) observedAt = Math.max(observedAt, rating.timestamp);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < dataset.users.length) {
      const i = next++;
      const user = dataset.users[i];
      if (!user) continue;
      visitors[i] = await replayVisitor(user, dataset.catalogue, observedAt);
      onVisitor(++done);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_REPLAYS }, worker));
  return visitors;
}
