/**
 * The IndexedDB LedgerStore behind the device privacy ledger (core/dp/ledger.ts owns the rules:
 * budgets, rolling window, one charge per round). Each `transact` is ONE IndexedDB transaction
 * over the 'ledger' store, whose records are the charge together with the contribution it paid
 * for: so the charge and the receipt are written atomically, and the ledger hands the report back
 * (to be sent) only after that transaction has committed.
 *
 * IndexedDB keeps a transaction alive only while it has pending requests; `fn` (the ledger's code)
 * awaits nothing but this transaction's requests, so it cannot auto-commit half-way.
 */
import type { LedgerStore, LedgerTransaction } from '../../core/dp/ledger.js';
import type { ContributionReport, FederatedDb, StoredLedgerEntry } from './db.js';

/** Thrown by `fn` or by IndexedDB: the transaction is aborted so none of its writes persist. */
async function abortQuietly(tx: { abort(): void; done: Promise<void> }): Promise<void> {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted by IndexedDB itself.
  }
  await tx.done.catch(() => undefined);
}

/** @example const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db) }); */
export function createIndexedDbLedgerStore(db: FederatedDb): LedgerStore<ContributionReport> {
  return {
    async transact<T>(mode: 'readonly' | 'readwrite', fn: (tx: LedgerTransaction<ContributionReport>) => Promise<T>): Promise<T> {
      const tx = db.transaction('ledger', mode);
      const store = tx.objectStore('ledger');
      const view: LedgerTransaction<ContributionReport> = {
        entriesSince: (since) => (since === -Infinity ? store.index('at').getAll() : store.index('at').getAll(IDBKeyRange.lowerBound(since))),
        get: (id) => store.get(id),
        async put(entry) {
          if (mode === 'readonly' || !store.put) throw new Error('put in a readonly ledger transaction');
          await store.put(withoutSettledBody(entry));
        },
      };
      let result: T;
      try {
        result = await fn(view);
      } catch (error) {
        await abortQuietly(tx);
        throw error;
      }
      await tx.done;
      return result;
    },
  };
}

/** Once a report is sent or expired its bytes are no longer needed (the receipt keeps size, round, ε, δ). */
function withoutSettledBody(entry: StoredLedgerEntry): StoredLedgerEntry {
  if (entry.status === 'pending' || entry.report.body === undefined) return entry;
  const { body: _sent, ...metadata } = entry.report;
  return { ...entry, report: metadata };
}
