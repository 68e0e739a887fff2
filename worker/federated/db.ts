/**
 * The federated client's own IndexedDB database (separate from the engine's event store so the two
 * schemas evolve independently). Its stores:
 *   ledger    the device privacy ledger (core/dp/ledger.ts owns the rules): one entry per charge,
 *             holding the charge AND the contribution it paid for (its receipt), keyed by charge id
 *   models    downloaded global model blobs, keyed 'name@version' (immutable, so cached forever,
 *             older versions of a name deleted when a newer one lands)
 *   state     small device-only values: the MF user embedding, the backend choice
 * A charge and its receipt are one record written in ONE readwrite transaction (ledger-store.ts)
 * before anything is sent.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LedgerEntry } from '../../core/dp/ledger.js';
import type { ContributionReceipt } from '../../core/protocol/engine-api.js';

export const FEDERATED_DB_NAME = 'inkling-federated';
const FEDERATED_DB_VERSION = 1;

export interface StoredModel {
  /** 'name@version'. */
  readonly key: string;
  readonly name: string;
  readonly version: number;
  readonly etag: string | null;
  /** The blob exactly as served (decodeModel parses it). */
  readonly bytes: Uint8Array;
  readonly storedAt: number;
}

/**
 * What a ledger charge pays for: the contribution, as sent. `body` is kept only until the report
 * is marked sent (so a crash in between can resend the SAME bytes); after that only the metadata
 * stays, for the receipt.
 */
export interface ContributionReport {
  readonly roundId: string;
  readonly modelVersion: number;
  readonly bytes: number;
  /** ε of this release alone at `delta` (the task's δ). */
  readonly epsilon: number;
  readonly delta: number;
  readonly body?: Uint8Array;
}

export type StoredLedgerEntry = LedgerEntry<ContributionReport>;

export interface FederatedSchema extends DBSchema {
  ledger: { key: string; value: StoredLedgerEntry; indexes: { at: number } };
  models: { key: string; value: StoredModel; indexes: { name: string } };
  state: { key: string; value: unknown };
}

export type FederatedDb = IDBPDatabase<FederatedSchema>;

export interface OpenFederatedDbOptions {
  /** Node and tests pass a fake-indexeddb factory; the browser uses the global one. */
  readonly indexedDB?: IDBFactory;
  readonly name?: string;
}

/** @example const db = await openFederatedDb(); const receipts = await listReceipts(db); */
export async function openFederatedDb(options: OpenFederatedDbOptions = {}): Promise<FederatedDb> {
  const name = options.name ?? FEDERATED_DB_NAME;
  const factory = options.indexedDB;
  if (factory) {
    // idb's openDB uses the global indexedDB; swap it in for the duration of the call only.
    return withFactory(factory, () => openSchema(name));
  }
  return openSchema(name);
}

function openSchema(name: string): Promise<FederatedDb> {
  return openDB<FederatedSchema>(name, FEDERATED_DB_VERSION, {
    upgrade(db) {
      const ledger = db.createObjectStore('ledger', { keyPath: 'charge.id' });
      ledger.createIndex('at', 'charge.at');
      const models = db.createObjectStore('models', { keyPath: 'key' });
      models.createIndex('name', 'name');
      db.createObjectStore('state');
    },
  });
}

/**
 * idb's openDB calls the global `indexedDB.open` synchronously, so the factory is swapped in for
 * that synchronous call only and restored before anything else can run.
 */
function withFactory<T>(factory: IDBFactory, open: () => Promise<T>): Promise<T> {
  const scope = globalThis as { indexedDB?: IDBFactory };
  const previous = scope.indexedDB;
  scope.indexedDB = factory;
  try {
    return open();
  } finally {
    if (previous === undefined) delete scope.indexedDB;
    else scope.indexedDB = previous;
  }
}

/**
 * Every contribution receipt, oldest first: what `profile().privacy.receipts` shows.
 * @example const receipts = await listReceipts(db);
 */
export async function listReceipts(db: FederatedDb): Promise<ContributionReceipt[]> {
  const entries = await db.getAllFromIndex('ledger', 'at');
  return entries.map(({ charge, report }) => ({
    at: charge.at,
    task: charge.task,
    round: report.roundId,
    epsilon: report.epsilon,
    delta: report.delta,
    rho: charge.rho,
    bytes: report.bytes,
  }));
}

/** Erases the cached models and device-only state (user embedding, backend choice). */
export async function clearLearnedState(db: FederatedDb): Promise<void> {
  const tx = db.transaction(['models', 'state'], 'readwrite');
  await Promise.all([tx.objectStore('models').clear(), tx.objectStore('state').clear(), tx.done]);
}
