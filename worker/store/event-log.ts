/**
 * The capped event log: append, deduplicate by client event id, evict by age and by count.
 * All functions work inside a caller's transaction so that they commit with the profile.
 */
import { unwrap } from 'idb';
import type { ValidEvent } from '../../core/events/event.js';
import type { Database, WriteTransaction } from './database.js';
import { eventKey, type EventKey } from './schema.js';

export interface LogLimits {
  /** Events older than this are evicted (default 30 days). */
  readonly maxAgeMs: number;
  /** At most this many events are kept; the oldest go first (default 10,000). */
  readonly maxEvents: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxAgeMs: 30 * 86_400_000, maxEvents: 10_000 };

/** Ids of the events already in the log. All lookups are issued at once: one round trip, not n. */
export async function storedEventIds(tx: WriteTransaction, events: readonly ValidEvent[]): Promise<Set<string>> {
  const store = tx.objectStore('events');
  const keys = await Promise.all(events.map((event) => store.getKey(eventKey(event))));
  return new Set(events.filter((_, i) => keys[i] !== undefined).map((event) => event.id));
}

/**
 * Appends the rows whose [timestamp, event id] is not in the log yet and returns the ids that
 * were new. The primary key does the deduplication: a duplicate's `add` fails with ConstraintError, which is
 * cancelled (preventDefault) so that it does not abort the transaction. One request per event
 * instead of a lookup and a write.
 */
export async function appendNewEvents(tx: WriteTransaction, events: readonly ValidEvent[]): Promise<Set<string>> {
  const store = unwrap(tx.objectStore('events'));
  const added = new Set<string>();
  await settleTogether(
    events.map((event) => () =>
      new Promise<void>((resolve, reject) => {
        const request = store.add({ eventId: event.id, at: event.at, event });
        request.onsuccess = () => {
          added.add(event.id);
          resolve();
        };
        request.onerror = (errorEvent) => {
          if (request.error?.name !== 'ConstraintError') return reject(request.error ?? new Error('add failed'));
          errorEvent.preventDefault();
          errorEvent.stopPropagation();
          resolve();
        };
      }),
    ),
  );
  return added;
}

/**
 * Watches rows queued by queueEventRows: `replayed` turns true when one of them collided with a
 * stored row (an event replayed from an earlier visit, past the engine's memory of ids). The
 * collision's ConstraintError is not cancelled, so it aborts the whole transaction. Only an
 * `add` to the log can fail with ConstraintError in the batch's transaction (no unique index).
 */
export class ReplayWatch {
  replayed = false;
  /** For the transaction's `error` event, which every failed request's error bubbles to. */
  readonly onError = (event: Event): void => {
    const request: unknown = event.target;
    if (typeof request !== 'object' || request === null || !('error' in request)) return;
    const error: unknown = request.error;
    if (typeof error === 'object' && error !== null && 'name' in error && error.name === 'ConstraintError') this.replayed = true;
  };
}

/**
 * Queues one `add` per event and returns without awaiting anything: no promise and no round
 * trip per row, the rows land when the transaction commits. For batches the caller believes new
 * (their ids are not in its memory): a row that is already stored aborts the transaction and
 * sets `watch.replayed`, and the caller writes the batch again after looking the ids up
 * (storedEventIds). One error listener on the transaction instead of one per request.
 */
export function queueEventRows(tx: WriteTransaction, events: readonly ValidEvent[], watch: ReplayWatch): void {
  unwrap(tx).addEventListener('error', watch.onError);
  const store = unwrap(tx.objectStore('events'));
  for (const event of events) store.add({ eventId: event.id, at: event.at, event });
}

/** Appends rows; the adds are queued together and awaited once. */
export async function appendEvents(tx: WriteTransaction, events: readonly ValidEvent[]): Promise<void> {
  const store = tx.objectStore('events');
  await settleTogether(events.map((event) => () => store.add({ eventId: event.id, at: event.at, event })));
}

/**
 * Issues every request at once and awaits them together. If issuing one throws (the transaction
 * is then aborted), the requests already issued reject with AbortError: they are marked handled
 * here so that only the first, meaningful error surfaces.
 */
export async function settleTogether(requests: readonly (() => Promise<unknown>)[]): Promise<void> {
  const issued: Promise<unknown>[] = [];
  for (const request of requests) {
    const pending = request();
    pending.catch(() => undefined);
    issued.push(pending);
  }
  await Promise.all(issued);
}

/**
 * Over the cap, the log is cut to this fraction of it, so that a full log is trimmed once every
 * ~cap/10 events instead of on every batch (measured: trimming 100 rows per batch of 100 cost
 * most of the ingest time once the log was full; bench/engine-browser.bench.ts).
 */
export const LOW_WATER = 0.9;

/**
 * Deletes events older than the age limit, then, if the log is over its cap, the oldest down to
 * LOW_WATER × cap. The key is in time order, so each step is one key-range delete (plus, for the
 * cap, one query for the last key to go). `size` is the log's row count if the caller knows it.
 * Returns what went and how many rows are left.
 */
export async function evictEvents(
  tx: WriteTransaction,
  now: number,
  limits: LogLimits,
  size: number | null = null,
): Promise<{ evicted: number; size: number }> {
  const store = tx.objectStore('events');
  const before = size ?? (await store.count());
  // [t] sorts before every [t, id]: this range is every row with at < now − maxAge.
  const expired = IDBKeyRange.upperBound([now - limits.maxAgeMs], true);
  const expiredCount = await store.count(expired);
  if (expiredCount > 0) unwrap(store).delete(expired);
  let left = before - expiredCount;
  let evicted = expiredCount;
  if (left > limits.maxEvents) {
    const deleted = await deleteOldest(tx, left - Math.floor(limits.maxEvents * LOW_WATER));
    evicted += deleted;
    left -= deleted;
  }
  return { evicted, size: left };
}

/** Deletes the `count` oldest rows with one range delete; returns how many went. */
async function deleteOldest(tx: WriteTransaction, count: number): Promise<number> {
  if (count <= 0) return 0;
  const store = tx.objectStore('events');
  const cursor = await store.openKeyCursor();
  if (cursor === null) return 0;
  const reached = count > 1 ? await cursor.advance(count - 1) : cursor;
  if (reached !== null) {
    // Keys are unique and the transaction holds the store: exactly `count` rows are ≤ this key,
    // no need to count them again. The delete is queued, not awaited: it lands with the commit.
    unwrap(store).delete(IDBKeyRange.upperBound(reached.key));
    return count;
  }
  // Fewer rows than asked for: everything goes.
  const range = IDBKeyRange.upperBound(await lastKey(tx));
  const deleted = await store.count(range);
  await store.delete(range);
  return deleted;
}

async function lastKey(tx: WriteTransaction): Promise<EventKey> {
  const cursor = await tx.objectStore('events').openKeyCursor(null, 'prev');
  if (cursor === null) throw new Error('the event log emptied during eviction');
  return cursor.key;
}

/** Frees space after a QuotaExceededError: deletes the oldest `fraction` of the log (at least `minimum`). */
export async function evictOldest(database: Database, fraction: number, minimum: number): Promise<number> {
  return database.write(['events'], async (tx) => {
    const count = Math.max(minimum, Math.ceil((await tx.objectStore('events').count()) * fraction));
    return deleteOldest(tx, count);
  });
}
