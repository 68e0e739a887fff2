/**
 * The capped event log: rows of events (schema.ts EventChunk, one per batch), appended,
 * deduplicated by client event id, evicted by age and by count. All functions work inside a
 * caller's transaction so that they commit with the profile.
 */
import { unwrap } from 'idb';
import type { ValidEvent } from '../../core/events/event.js';
import type { Database, WriteTransaction } from './database.js';
import { eventRows, type EventChunk, type EventKey } from './schema.js';

export interface LogLimits {
  /** Events older than this are evicted (default 30 days). */
  readonly maxAgeMs: number;
  /** At most this many events are kept; the oldest go first (default 10,000). */
  readonly maxEvents: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxAgeMs: 30 * 86_400_000, maxEvents: 10_000 };

/** Events a row holds, read from its key. */
const countOf = (key: EventKey): number => key[2];

/** Events in the log, counted from the keys alone; `log` is the `events` store of any transaction. */
export async function countLoggedEvents(log: { getAllKeys(): Promise<EventKey[]> }): Promise<number> {
  let total = 0;
  for (const key of await log.getAllKeys()) total += countOf(key);
  return total;
}

/**
 * Ids of the newest `limit` logged events (or a few more: whole rows), oldest first: what the
 * engine remembers across visits so that a replayed event is caught even within a new batch.
 * Reads the keys, then only the rows at the end.
 */
export async function newestEventIds(database: Database, limit: number): Promise<string[]> {
  return database.run(async (db) => {
    const tx = db.transaction('events', 'readonly');
    const keys = await tx.store.getAllKeys();
    let from = keys.length;
    for (let events = 0; from > 0 && events < limit; ) events += countOf(keys[--from]!);
    if (from === keys.length) return [];
    const rows = await tx.store.getAll(IDBKeyRange.lowerBound(keys[from]!));
    return rows.flatMap((row) => row.events.map((event) => event.id));
  });
}

/** Every logged event, oldest first (export). */
export async function readLoggedEvents(database: Database): Promise<ValidEvent[]> {
  const rows = await database.run((db) => db.getAll('events'));
  return rows.flatMap((row) => row.events);
}

/**
 * Ids of the given events that are in the log already. An event of time t sits in a row whose
 * oldest event is no later than t, so only the rows up to the batch's latest time are read.
 * For the rare paths (a replayed batch, consent granted with events held): it reads events.
 */
export async function storedEventIds(tx: WriteTransaction, events: readonly ValidEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  let latest = Number.NEGATIVE_INFINITY;
  for (const event of events) latest = Math.max(latest, event.at);
  // Arrays sort after strings in IndexedDB keys: [latest, []] is above every [latest, id, n].
  const rows = await tx.objectStore('events').getAll(IDBKeyRange.upperBound([latest, []]));
  const wanted = new Set(events.map((event) => event.id));
  const found = new Set<string>();
  for (const row of rows) for (const event of row.events) if (wanted.has(event.id)) found.add(event.id);
  return found;
}

/**
 * Watches rows queued by queueEventRows: `replayed` turns true when one of them collided with a
 * stored row (a batch replayed from an earlier visit, past the engine's memory of ids). The
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
 * Queues the rows of `events` (in time order) and returns without awaiting anything: the rows
 * land when the transaction commits. For batches the caller believes new (their ids are not in
 * its memory): a row whose key is stored already aborts the transaction and sets
 * `watch.replayed`, and the caller writes the batch again after looking the ids up
 * (storedEventIds).
 */
export function queueEventRows(tx: WriteTransaction, events: readonly ValidEvent[], watch: ReplayWatch): void {
  unwrap(tx).addEventListener('error', watch.onError);
  const store = unwrap(tx.objectStore('events'));
  for (const row of eventRows(events)) store.add(row);
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
 * ~cap/10 events instead of on every batch (measured: trimming on every batch cost most of the
 * ingest time once the log was full; bench/engine-browser.bench.ts).
 */
export const LOW_WATER = 0.9;

/**
 * Deletes events older than the age limit, then, if the log is over its cap, the oldest down to
 * LOW_WATER × cap. `size` is the log's event count if the caller knows it. Returns what went and
 * how many events are left.
 */
export async function evictEvents(
  tx: WriteTransaction,
  now: number,
  limits: LogLimits,
  size: number | null = null,
): Promise<{ evicted: number; size: number }> {
  const before = size ?? (await countLoggedEvents(tx.objectStore('events')));
  const expired = await deleteOlderThan(tx, now - limits.maxAgeMs);
  let left = before - expired;
  let evicted = expired;
  if (left > limits.maxEvents) {
    const deleted = await deleteOldest(tx, left - Math.floor(limits.maxEvents * LOW_WATER));
    evicted += deleted;
    left -= deleted;
  }
  return { evicted, size: left };
}

/**
 * Deletes the events with a timestamp before `cutoff`. Only rows whose oldest event is before it
 * can hold one ([t] sorts before every [t, id, n]); a row that also holds newer events is
 * written back without the old ones.
 */
async function deleteOlderThan(tx: WriteTransaction, cutoff: number): Promise<number> {
  const store = tx.objectStore('events');
  const range = IDBKeyRange.upperBound([cutoff], true);
  const rows = await store.getAll(range);
  if (rows.length === 0) return 0;
  const raw = unwrap(store);
  raw.delete(range);
  let deleted = 0;
  for (const row of rows) {
    const kept = row.events.filter((event) => event.at >= cutoff);
    deleted += row.count - kept.length;
    for (const rest of eventRows(kept)) raw.add(rest);
  }
  return deleted;
}

/**
 * Deletes the `count` oldest events: whole rows with one range delete (found from the keys
 * alone), and the row that straddles the boundary written back without its oldest events.
 * Returns how many went (fewer than `count` only when the log holds fewer).
 */
async function deleteOldest(tx: WriteTransaction, count: number): Promise<number> {
  if (count <= 0) return 0;
  const store = tx.objectStore('events');
  // Every row holds at least one event: the first `count` keys reach far enough.
  const keys = await store.getAllKeys(null, count);
  let whole = 0;
  let deleted = 0;
  while (whole < keys.length && deleted + countOf(keys[whole]!) <= count) deleted += countOf(keys[whole++]!);
  const raw = unwrap(store);
  if (whole > 0) raw.delete(IDBKeyRange.upperBound(keys[whole - 1]!));
  const straddling = keys[whole];
  if (deleted < count && straddling !== undefined) {
    const row: EventChunk | undefined = await store.get(straddling);
    if (row !== undefined) {
      const cut = count - deleted;
      raw.delete(straddling);
      for (const rest of eventRows(row.events.slice(cut))) raw.add(rest);
      deleted += cut;
    }
  }
  return deleted;
}

/** Frees space after a QuotaExceededError: deletes the oldest `fraction` of the log (at least `minimum` events). */
export async function evictOldest(database: Database, fraction: number, minimum: number): Promise<number> {
  return database.write(['events'], async (tx) => {
    const count = Math.max(minimum, Math.ceil((await countLoggedEvents(tx.objectStore('events'))) * fraction));
    return deleteOldest(tx, count);
  });
}
