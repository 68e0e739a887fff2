/**
 * The capped event log: append, deduplicate by client event id, evict by age and by count.
 * All functions work inside a caller's transaction so that they commit with the profile.
 */
import { unwrap } from 'idb';
import type { ValidEvent } from '../../core/events/event.js';
import type { Database, WriteTransaction } from './database.js';

export interface LogLimits {
  /** Events older than this are evicted (default 30 days). */
  readonly maxAgeMs: number;
  /** At most this many events are kept; the oldest go first (default 10,000). */
  readonly maxEvents: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxAgeMs: 30 * 86_400_000, maxEvents: 10_000 };

/** Which of `eventIds` are already in the log. All lookups are issued at once: one round trip, not n. */
export async function storedEventIds(tx: WriteTransaction, eventIds: readonly string[]): Promise<Set<string>> {
  const store = tx.objectStore('events');
  const keys = await Promise.all(eventIds.map((id) => store.getKey(id)));
  return new Set(eventIds.filter((_, i) => keys[i] !== undefined));
}

/**
 * Appends the rows whose event id is not in the log yet and returns the ids that were new. The
 * primary key does the deduplication: a duplicate's `add` fails with ConstraintError, which is
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

/** Deletes events older than the age limit, then the oldest beyond the count cap. Returns how many went. */
export async function evictEvents(tx: WriteTransaction, now: number, limits: LogLimits): Promise<number> {
  const store = tx.objectStore('events');
  let evicted = 0;
  const cutoff = now - limits.maxAgeMs;
  let byAge = await store.index('by-at').openCursor(IDBKeyRange.upperBound(cutoff, true));
  while (byAge) {
    await byAge.delete();
    evicted++;
    byAge = await byAge.continue();
  }
  let excess = (await store.count()) - limits.maxEvents;
  if (excess > 0) {
    let oldest = await store.index('by-at').openCursor();
    while (oldest && excess > 0) {
      await oldest.delete();
      evicted++;
      excess--;
      oldest = await oldest.continue();
    }
  }
  return evicted;
}

/** Frees space after a QuotaExceededError: deletes the oldest `fraction` of the log (at least `minimum`). */
export async function evictOldest(database: Database, fraction: number, minimum: number): Promise<number> {
  let evicted = 0;
  await database.write(['events'], async (tx) => {
    const store = tx.objectStore('events');
    let toDelete = Math.max(minimum, Math.ceil((await store.count()) * fraction));
    let cursor = await store.index('by-at').openCursor();
    while (cursor && toDelete > 0) {
      await cursor.delete();
      evicted++;
      toDelete--;
      cursor = await cursor.continue();
    }
  });
  return evicted;
}
