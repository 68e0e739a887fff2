/**
 * An in-memory LedgerStore with the same guarantees the IndexedDB one gives, for tests and the
 * server-side simulator: transactions run one at a time (serialisable), each works on a draft
 * and commits it only when fn resolves (atomic), and `snapshot()` returns exactly the committed
 * state, which is what would survive a crash ("durable" within the process: a new store built
 * from a snapshot is the device after a reload).
 */
import type { LedgerEntry, LedgerStore, LedgerTransaction } from './ledger.js';

export interface InMemoryLedgerStore<R> extends LedgerStore<R> {
  /** The committed entries (what a crash right now would leave behind), oldest first. */
  snapshot(): readonly LedgerEntry<R>[];
}

export function createInMemoryLedgerStore<R>(initial: readonly LedgerEntry<R>[] = []): InMemoryLedgerStore<R> {
  let committed = new Map<string, LedgerEntry<R>>(initial.map((entry) => [entry.charge.id, entry]));
  // Tail of the queue of transactions: each starts when the previous one has settled.
  let queue: Promise<unknown> = Promise.resolve();

  async function run<T>(mode: 'readonly' | 'readwrite', fn: (tx: LedgerTransaction<R>) => Promise<T>): Promise<T> {
    const draft = new Map(committed);
    let open = true;
    const ensureOpen = (): void => {
      if (!open) throw new Error('ledger transaction used after it finished');
    };
    const tx: LedgerTransaction<R> = {
      async entriesSince(since) {
        ensureOpen();
        await Promise.resolve(); // yield, as a real store would, so that interleavings are possible
        return [...draft.values()].filter((entry) => entry.charge.at >= since);
      },
      async get(id) {
        ensureOpen();
        await Promise.resolve();
        return draft.get(id);
      },
      async put(entry) {
        ensureOpen();
        if (mode === 'readonly') throw new Error('put in a readonly ledger transaction');
        await Promise.resolve();
        draft.set(entry.charge.id, entry);
      },
    };
    try {
      const result = await fn(tx);
      if (mode === 'readwrite') committed = draft;
      return result;
    } finally {
      open = false;
    }
  }

  return {
    transact(mode, fn) {
      const result = queue.then(() => run(mode, fn));
      queue = result.catch(() => undefined);
      return result;
    },
    snapshot() {
      return [...committed.values()].sort((a, b) => a.charge.at - b.charge.at);
    },
  };
}
