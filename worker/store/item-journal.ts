/**
 * The visitor's item records, stored in two parts: the `items` store (one record per product) and
 * the `itemJournal` (rows holding item records). A batch writes one journal row inside its
 * transaction with the records it touched; reading merges the journal over `items` (later rows
 * win). Once the journal holds ITEM_JOURNAL_LIMIT records it is
 * - compacted when at least half of its records are stale (a later record of the same product
 *   follows): rewritten as a few chunk rows holding the latest record of each product, so each
 *   compaction rewrites at most as many records as were appended since the last one;
 * - folded when it reaches FOLD_FACTOR × the limit without that: each product written once into
 *   `items`, the journal emptied (a visitor with tens of thousands of distinct products).
 * So the journal holds at most max(limit, 2 × its products) records, and never more than
 * FOLD_FACTOR × limit. Rows, not bytes, are what IndexedDB charges for (measured in Chromium:
 * folding 2,500 products as 2,500 puts cost ~3 ms per batch of 100 amortised, a third of the
 * ingest time; as 13 chunk rows it is lost in the noise; bench/engine-browser.bench.ts).
 */
import { unwrap } from 'idb';
import type { ItemRecord } from '../features/items.js';
import type { ReadTransaction, WriteTransaction } from './database.js';

/** Journaled records before the journal may be compacted (~2 MB). */
export const ITEM_JOURNAL_LIMIT = 10_000;

/** Journaled records, as a multiple of the limit, past which the journal is folded into `items`. */
export const FOLD_FACTOR = 4;

/**
 * Item records per compacted journal row: ~40 KB, under the 64 KB above which Chromium stores a
 * value as a separate blob file.
 */
export const ITEM_CHUNK = 200;

/** What the journal holds: how many records, naming which products. */
export interface JournalState {
  readonly records: number;
  readonly ids: ReadonlySet<string>;
}

/** How a batch's item records were written, for the caller to update its JournalState after the commit. */
export type JournalStep =
  | { readonly kind: 'append' }
  | { readonly kind: 'compact'; readonly records: number }
  | { readonly kind: 'fold' };

export interface StoredItems {
  readonly items: Map<string, ItemRecord>;
  /** Records in the journal, and the products they name. */
  readonly journalRecords: number;
  readonly journaled: Set<string>;
}

export async function readItems(tx: ReadTransaction | WriteTransaction): Promise<StoredItems> {
  const [base, journal] = await Promise.all([tx.objectStore('items').getAll(), tx.objectStore('itemJournal').getAll()]);
  const items = new Map(base.map((item) => [item.id, item]));
  const journaled = new Set<string>();
  let journalRecords = 0;
  // getAll returns rows in key order: later batches override earlier ones.
  for (const entry of journal) {
    for (const item of entry.items) {
      items.set(item.id, item);
      journaled.add(item.id);
    }
    journalRecords += entry.items.length;
  }
  return { items, journalRecords, journaled };
}

/**
 * Queues the writes of a batch's touched records (nothing awaited; it lands with the commit): a
 * journal row, or, past `limit` journaled records, a compaction or a fold of the whole journal.
 * `current` gives the latest record of a journaled product the batch did not touch.
 */
export function queueItemWrites(
  tx: WriteTransaction,
  touched: ReadonlyMap<string, ItemRecord>,
  journal: JournalState,
  current: (id: string) => ItemRecord | undefined,
  limit: number,
): JournalStep {
  const records = journal.records + touched.size;
  if (records >= limit) {
    let products = journal.ids.size;
    for (const id of touched.keys()) if (!journal.ids.has(id)) products++;
    if (2 * products <= records || records >= FOLD_FACTOR * limit) {
      const latest: ItemRecord[] = [...touched.values()];
      for (const id of journal.ids) {
        if (touched.has(id)) continue;
        const record = current(id);
        if (record !== undefined) latest.push(record);
      }
      if (2 * products <= records) {
        queueCompaction(tx, latest);
        return { kind: 'compact', records: latest.length };
      }
      queueFold(tx, latest);
      return { kind: 'fold' };
    }
  }
  queueJournal(tx, [...touched.values()]);
  return { kind: 'append' };
}

/** What this connection knows the journal holds; updated only after a transaction committed. */
export class JournalTracker implements JournalState {
  records = 0;
  readonly ids = new Set<string>();

  /** Adopts what a committed batch did. */
  apply(step: JournalStep, touched: Iterable<string>): void {
    switch (step.kind) {
      case 'append':
        for (const id of touched) {
          this.ids.add(id);
          this.records++;
        }
        return;
      case 'compact':
        for (const id of touched) this.ids.add(id);
        this.records = step.records;
        return;
      case 'fold':
        this.reset();
        return;
      default: {
        const unhandled: never = step;
        throw new TypeError(`journal step ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** Takes what was read from storage (readItems). */
  load(stored: StoredItems): void {
    this.reset();
    this.records = stored.journalRecords;
    for (const id of stored.journaled) this.ids.add(id);
  }

  reset(): void {
    this.records = 0;
    this.ids.clear();
  }
}

/** Replaces the journal's rows by chunk rows of the latest records (later rows still win on read). */
function queueCompaction(tx: WriteTransaction, latest: readonly ItemRecord[]): void {
  const journal = unwrap(tx.objectStore('itemJournal'));
  journal.clear();
  for (let i = 0; i < latest.length; i += ITEM_CHUNK) journal.add({ items: latest.slice(i, i + ITEM_CHUNK) });
}

/** Queues one journal row with the records a batch touched; not awaited, it lands with the commit. */
function queueJournal(tx: WriteTransaction, items: ItemRecord[]): void {
  if (items.length > 0) unwrap(tx.objectStore('itemJournal')).add({ items });
}

/**
 * Queues a put of the current record of every id into `items` and the journal's clear; nothing
 * awaited (no promise per record: a fold can write thousands), it all lands with the commit.
 */
export function queueFold(tx: WriteTransaction, records: Iterable<ItemRecord>): void {
  const store = unwrap(tx.objectStore('items'));
  for (const item of records) store.put(item);
  unwrap(tx.objectStore('itemJournal')).clear();
}
