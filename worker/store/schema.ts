/**
 * The on-device database: one per site, typed by idb's DBSchema, versioned, with migrations that
 * run in order from the stored version to DB_VERSION inside the upgrade transaction.
 * To change the schema: bump DB_VERSION and append a migration; never edit a shipped one.
 */
import { unwrap, type DBSchema, type IDBPDatabase } from 'idb';
import type { ValidEvent } from '../../core/events/event.js';
import type { CatalogItem, ConsentState } from '../../core/protocol/engine-api.js';
import type { ItemRecord } from '../features/items.js';
import type { ProfileState } from '../features/profile-state.js';

export const DB_VERSION = 2;

export function databaseName(site: string): string {
  return `inkling:${site}`;
}

/**
 * One row of the capped event log: the events of (part of) one ingested batch, in time order,
 * keyed by [time of the oldest, its client id, how many]. One row per batch instead of one per
 * event: in Chromium every row is a request and a backing-store record of its own, and 100
 * events as one row wrote 7-10× more events/s than as 100 rows (bench/engine-browser.bench.ts
 * prints both ceilings). The key is in time order, so eviction by age or cap works from the
 * front with key ranges; the count is in the key so that counting and trimming the log read
 * keys, not events; a batch replayed whole collides on its key.
 */
export interface EventChunk {
  at: number;
  eventId: string;
  count: number;
  events: ValidEvent[];
}

/** The log's primary key: [oldest event's timestamp, its client id, events in the row]. */
export type EventKey = [number, string, number];

/**
 * Events per row at most: a row of 200 events is ~45 KB, under the 64 KiB above which Chromium
 * writes a value to a separate blob file (the SDK sends at most 100 per message anyway).
 */
export const MAX_EVENTS_PER_ROW = 200;

/** Rows for events that are in time order (the key names the oldest): consecutive runs of at most MAX_EVENTS_PER_ROW. */
export function eventRows(events: readonly ValidEvent[]): EventChunk[] {
  const rows: EventChunk[] = [];
  for (let start = 0; start < events.length; start += MAX_EVENTS_PER_ROW) {
    const slice = events.slice(start, start + MAX_EVENTS_PER_ROW);
    rows.push({ at: slice[0]!.at, eventId: slice[0]!.id, count: slice.length, events: slice });
  }
  return rows;
}

export type MetaRecord =
  | { key: 'consent'; value: ConsentState }
  | { key: 'created'; value: number }
  | { key: 'evicted'; value: number };

/**
 * Item records touched by one batch. Writing them as one journal row per batch costs one write
 * instead of one per product (measured in Chromium: per-product puts halved ingest throughput;
 * bench/engine-browser.bench.ts); the journal is folded into `items` when it grows large or when
 * consent is granted (store/item-journal.ts).
 */
export interface ItemJournalEntry {
  items: ItemRecord[];
}

export interface InklingDB extends DBSchema {
  events: { key: EventKey; value: EventChunk };
  profile: { key: string; value: ProfileState };
  items: { key: string; value: ItemRecord };
  itemJournal: { key: number; value: ItemJournalEntry };
  catalog: { key: string; value: CatalogItem };
  meta: { key: string; value: MetaRecord };
}

export const PROFILE_KEY = 'profile';

/** A step of the schema. `tx` is the raw upgrade transaction, for migrations that move data. */
type Migration = (db: IDBPDatabase<InklingDB>, tx: IDBTransaction) => void;

/** Version 1's log row: one event, keyed by [at, eventId]. */
interface EventRowV1 {
  eventId: string;
  at: number;
  event: ValidEvent;
}

/**
 * MIGRATIONS[v - 1] takes the database from version v - 1 to v. A migration that moves data
 * finishes in a request's callback, after the later migrations' synchronous steps: a later
 * migration that touches the same store must move its work into that callback too.
 */
const MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.createObjectStore('events', { keyPath: ['at', 'eventId'] });
    db.createObjectStore('profile');
    db.createObjectStore('items', { keyPath: 'id' });
    db.createObjectStore('itemJournal', { autoIncrement: true });
    db.createObjectStore('catalog', { keyPath: 'id' });
    db.createObjectStore('meta', { keyPath: 'key' });
  },
  // 2: the log holds one row per batch (EventChunk) instead of one per event. The old rows are
  // read, the store is recreated with the new key, and the events are written back as rows of
  // MAX_EVENTS_PER_ROW, all in the upgrade transaction: a failure leaves version 1 as it was.
  (db, tx) => {
    const read = tx.objectStore('events').getAll();
    read.onsuccess = () => {
      const events = (read.result as EventRowV1[]).map((row) => row.event);
      db.deleteObjectStore('events');
      const store = unwrap(db.createObjectStore('events', { keyPath: ['at', 'eventId', 'count'] }));
      // Stored in [at, id] order, so already in time order.
      for (const row of eventRows(events)) store.add(row);
    };
  },
];
export function migrate(db: IDBPDatabase<InklingDB>, oldVersion: number, newVersion: number, tx: IDBTransaction): void {
  if (MIGRATIONS.length !== DB_VERSION) throw new Error(`schema: ${MIGRATIONS.length} migrations for version ${DB_VERSION}`);
  for (let version = oldVersion + 1; version <= newVersion; version++) MIGRATIONS[version - 1]!(db, tx);
}
