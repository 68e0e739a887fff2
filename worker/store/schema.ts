/**
 * The on-device database: one per site, typed by idb's DBSchema, versioned, with migrations that
 * run in order from the stored version to DB_VERSION inside the upgrade transaction.
 * To change the schema: bump DB_VERSION and append a migration; never edit a shipped one.
 */
import type { DBSchema, IDBPDatabase, StoreNames } from 'idb';
import type { ValidEvent } from '../../core/events/event.js';
import type { CatalogItem, ConsentState } from '../../core/protocol/engine-api.js';
import type { ItemRecord } from '../features/items.js';
import type { ProfileState } from '../features/profile-state.js';

export const DB_VERSION = 1;

export function databaseName(site: string): string {
  return `inkling:${site}`;
}

/**
 * One row of the capped event log, keyed by [at, eventId]: the key is in time order, so eviction
 * by age or cap is one key-range delete, and a replayed event (same id, same timestamp) collides
 * on the key, so deduplication needs no index. No index at all: each event is one record write
 * (measured in Chromium: an index doubles the cost of every row; bench/engine-browser.bench.ts).
 */
export interface StoredEvent {
  eventId: string;
  at: number;
  event: ValidEvent;
}

/** The log's primary key: [timestamp, client event id]. */
export type EventKey = [number, string];

export function eventKey(event: { readonly at: number; readonly id: string }): EventKey {
  return [event.at, event.id];
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
  events: { key: EventKey; value: StoredEvent };
  profile: { key: string; value: ProfileState };
  items: { key: string; value: ItemRecord };
  itemJournal: { key: number; value: ItemJournalEntry };
  catalog: { key: string; value: CatalogItem };
  meta: { key: string; value: MetaRecord };
}

export const STORE_NAMES: readonly StoreNames<InklingDB>[] = ['events', 'profile', 'items', 'itemJournal', 'catalog', 'meta'];
export const PROFILE_KEY = 'profile';

/** A step of the schema. `tx` is the raw upgrade transaction, for migrations that move data. */
type Migration = (db: IDBPDatabase<InklingDB>, tx: IDBTransaction) => void;

/** MIGRATIONS[v - 1] takes the database from version v - 1 to v. */
const MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.createObjectStore('events', { keyPath: ['at', 'eventId'] });
    db.createObjectStore('profile');
    db.createObjectStore('items', { keyPath: 'id' });
    db.createObjectStore('itemJournal', { autoIncrement: true });
    db.createObjectStore('catalog', { keyPath: 'id' });
    db.createObjectStore('meta', { keyPath: 'key' });
  },
];

export function migrate(db: IDBPDatabase<InklingDB>, oldVersion: number, newVersion: number, tx: IDBTransaction): void {
  if (MIGRATIONS.length !== DB_VERSION) throw new Error(`schema: ${MIGRATIONS.length} migrations for version ${DB_VERSION}`);
  for (let version = oldVersion + 1; version <= newVersion; version++) MIGRATIONS[version - 1]!(db, tx);
}
