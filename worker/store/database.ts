/**
 * One connection to the site's database, over an injected IDBFactory (the browser's `indexedDB`
 * or fake-indexeddb in Node). It behaves well with other tabs and with flaky engines:
 * - a newer tab that upgrades the schema fires `versionchange` here: we close at once instead of
 *   blocking it, and reopen on our next use;
 * - a connection the browser drops (Safari does this) is reopened and the operation retried once.
 */
import { unwrap, wrap, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { DB_VERSION, migrate, type InklingDB } from './schema.js';

export type StoreName = StoreNames<InklingDB>;
export type WriteTransaction = IDBPTransaction<InklingDB, StoreName[], 'readwrite'>;
export type ReadTransaction = IDBPTransaction<InklingDB, StoreName[], 'readonly'>;

/** Errors that mean "this connection is gone", after which one reopen-and-retry is worth it. */
function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error) && !(typeof DOMException !== 'undefined' && error instanceof DOMException)) return false;
  const { name, message } = error as Error;
  return name === 'InvalidStateError' || (name === 'UnknownError' && /connection/i.test(message)) || /connection.*clos/i.test(message);
}

/**
 * Asks for the commit as soon as `body` is done instead of leaving it to auto-commit, which
 * waits until every queued request has answered back to this thread (a round trip per batch).
 * A transaction that is no longer active (already committing, or aborted by a failed request)
 * throws InvalidStateError here: it finishes on its own and `done` reports how.
 */
function commitNow(tx: WriteTransaction): void {
  try {
    tx.commit();
  } catch (error) {
    const notActive = typeof error === 'object' && error !== null && 'name' in error && error.name === 'InvalidStateError';
    if (!notActive) throw error;
  }
}

/**
 * Settles when `tx` finishes: resolves on `complete`, rejects on `abort` with the transaction's
 * error, which by then is the failed request's (idb's `done` rejects at the request's `error`
 * event, before the abort sets it, with a bare AbortError; with requests queued unawaited that
 * would hide a QuotaExceededError from the quota retry).
 */
function settled(tx: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    tx.addEventListener('complete', () => resolve(), { once: true });
    tx.addEventListener('abort', () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError')), { once: true });
  });
}

export class Database {
  private db: IDBPDatabase<InklingDB> | null = null;
  private opening: Promise<IDBPDatabase<InklingDB>> | null = null;

  /**
   * @param onDeletedElsewhere called when another connection (another tab's forget() or denied
   *   consent) deletes this database, so the owner can drop what it holds in memory too.
   */
  constructor(
    private readonly factory: IDBFactory,
    readonly name: string,
    private readonly onDeletedElsewhere: () => void = () => undefined,
  ) {}

  /** The open connection, opening (and migrating) it when needed. */
  connection(): Promise<IDBPDatabase<InklingDB>> {
    if (this.db !== null) return Promise.resolve(this.db);
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<IDBPDatabase<InklingDB>> {
    const request = this.factory.open(this.name, DB_VERSION);
    request.onupgradeneeded = (event) => {
      const transaction = request.transaction;
      if (transaction === null) throw new Error('upgrade without a transaction');
      migrate(
        wrap(request.result) as IDBPDatabase<InklingDB>,
        event.oldVersion,
        event.newVersion ?? DB_VERSION,
        transaction,
      );
    };
    const raw = await wrap(request);
    if (raw === undefined) throw new Error(`could not open ${this.name}`);
    const db = raw as IDBPDatabase<InklingDB>;
    // Another tab wants a newer version (or is deleting the database): step aside.
    db.addEventListener('versionchange', (event) => {
      this.drop(db);
      if (event.newVersion === null) this.onDeletedElsewhere();
    });
    // The browser closed the connection abnormally: forget it so the next use reopens.
    db.addEventListener('close', () => this.drop(db));
    this.db = db;
    return db;
  }

  private drop(db: IDBPDatabase<InklingDB>): void {
    db.close();
    if (this.db === db) this.db = null;
  }

  /** Runs `operation` on the connection; if the connection was lost, reopens and retries once. */
  async run<T>(operation: (db: IDBPDatabase<InklingDB>) => Promise<T>): Promise<T> {
    const db = await this.connection();
    try {
      return await operation(db);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      this.drop(db);
      return operation(await this.connection());
    }
  }

  /**
   * One read-write transaction over `stores`; `body` must only await requests of `tx`, and may
   * queue requests without awaiting them (they land with the commit; a failing one aborts the
   * transaction). Resolves when the transaction has committed; if `body` throws, the transaction
   * is aborted and nothing of it is kept. Rejects with the cause: the error of the request that
   * aborted the transaction (QuotaExceededError, ConstraintError...) when there is one, else
   * `body`'s error.
   */
  write<T>(stores: readonly StoreName[], body: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.run(async (db) => {
      const tx = db.transaction([...stores], 'readwrite');
      const finished = settled(unwrap(tx));
      // A queued request can fail (and abort the transaction) while `body` still runs; `finished`
      // is awaited below, this only keeps its early rejection from counting as unhandled, and so
      // for idb's own `done`, which it creates for every transaction and nobody awaits here.
      finished.catch(() => undefined);
      tx.done.catch(() => undefined);
      let result: T;
      try {
        result = await body(tx);
      } catch (error) {
        try {
          tx.abort();
        } catch {
          // Already finished or aborted: nothing to undo.
        }
        await finished.catch(() => undefined);
        // Aborted by a failed request: its error is the cause (`body` only saw an AbortError).
        throw unwrap(tx).error ?? error;
      }
      commitNow(tx);
      await finished;
      return result;
    });
  }

  close(): void {
    if (this.db !== null) this.drop(this.db);
  }

  /** Closes and deletes the whole database. */
  async destroy(): Promise<void> {
    if (this.opening !== null) await this.opening.catch(() => undefined);
    this.close();
    await new Promise<void>((resolve, reject) => {
      const request = this.factory.deleteDatabase(this.name);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error ?? new Error(`could not delete ${this.name}`));
    });
  }
}
