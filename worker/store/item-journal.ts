/**
 * The visitor's item records, stored in two parts: the `items` store (one record per product) and
 * the `itemJournal` (one row per batch holding the records that batch touched). A batch writes
 * one journal row inside its transaction; reading merges the journal over `items` (later rows
 * win); folding writes each journaled product once into `items` and clears the journal.
 */
import { unwrap } from 'idb';
import type { ItemRecord } from '../features/items.js';
import { settleTogether } from './event-log.js';
import type { ReadTransaction, WriteTransaction } from './database.js';

/** Journaled records before the journal is folded into `items` (bounds its size, ~2 MB). */
export const ITEM_JOURNAL_LIMIT = 10_000;

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

/** Queues one journal row with the records a batch touched; not awaited, it lands with the commit. */
export function queueJournal(tx: WriteTransaction, items: ItemRecord[]): void {
  if (items.length > 0) unwrap(tx.objectStore('itemJournal')).add({ items });
}

/** Writes the current record of every id into `items` and empties the journal. */
export async function foldJournal(tx: WriteTransaction, records: Iterable<ItemRecord>): Promise<void> {
  const store = tx.objectStore('items');
  await settleTogether([...records].map((item) => () => store.put(item)));
  await tx.objectStore('itemJournal').clear();
}
