/**
 * The federated client's own IndexedDB database (separate from the engine's event store so the two
 * schemas evolve independently). Its stores:
 *   ledger    the device privacy ledger (core/dp/ledger.ts owns the rules): one entry per charge,
 *             holding the charge AND the contribution it paid for (its receipt), keyed by charge id
 *   models    downloaded global model blobs, keyed 'name@version' (immutable, so cached forever,
 *             older versions of a name deleted when a newer one lands)
 *   state     small device-only values: the MF user embedding, the backend choice, the site
 *             owner's latest quality verdict per task ('quality:<task>', from GET /v1/tasks), where
 *             each fixed-schedule report resumes counting ('report-cursor:<task>')
 * A charge and its receipt are one record written in ONE readwrite transaction (ledger-store.ts)
 * before anything is sent.
 */
import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import type { LedgerEntry } from '../../core/dp/ledger.js';
import { parseTaskQuality, type TaskQuality } from '../../core/protocol/aggregator.js';
import type { ContributionProtection, ContributionReceipt } from '../../core/protocol/engine-api.js';

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
  /** How the upload was protected (absent on receipts written before secure aggregation: 'local'). */
  readonly protection?: ContributionProtection;
  /** ε of this release if both aggregators collude (the device's own noise alone). */
  readonly collusionEpsilon?: number;
  /**
   * A fixed-schedule task's report (the daily report): the period it was charged in and the ε one
   * period may cost, as the task advertised it (worker/federated/client.ts; privacy-view.ts says it in words).
   */
  readonly period?: ReportPeriod;
  readonly body?: Uint8Array;
}

export interface ReportPeriod {
  /** Period length in UTC days. */
  readonly days: number;
  /** [start, end) of the period, ms since the epoch. */
  readonly start: number;
  readonly end: number;
  /** The task's ε per period, at `delta`, and its ρ (what the ledger checked the period's charges against). */
  readonly epsilonLimit: number;
  readonly rhoLimit: number;
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
export function openFederatedDb(options: OpenFederatedDbOptions = {}): Promise<FederatedDb> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) return Promise.reject(new Error('no IndexedDB here: pass options.indexedDB (fake-indexeddb in Node)'));
  const name = options.name ?? FEDERATED_DB_NAME;
  // Opened on the given factory directly (idb's openDB only knows the global one), then wrapped.
  return new Promise((resolve, reject) => {
    const request = factory.open(name, FEDERATED_DB_VERSION);
    request.onupgradeneeded = () => createSchema(request.result);
    request.onsuccess = () => resolve(wrap(request.result) as FederatedDb);
    request.onerror = () => reject(request.error ?? new Error(`could not open IndexedDB database ${name}`));
    request.onblocked = () => reject(new Error(`IndexedDB database ${name} is blocked by an older connection`));
  });
}

/** Version 1 of the schema (see the file comment). */
function createSchema(db: IDBDatabase): void {
  const ledger = db.createObjectStore('ledger', { keyPath: 'charge.id' });
  ledger.createIndex('at', 'charge.at');
  const models = db.createObjectStore('models', { keyPath: 'key' });
  models.createIndex('name', 'name');
  db.createObjectStore('state');
}

/**
 * Every contribution receipt, oldest first: what `profile().privacy.receipts` shows.
 * @example const receipts = await listReceipts(db);
 */
export async function listReceipts(db: FederatedDb): Promise<ContributionReceipt[]> {
  const entries = await db.getAllFromIndex('ledger', 'at');
  return entries.map(({ charge, report, status }) => ({
    at: charge.at,
    task: charge.task,
    round: report.roundId,
    epsilon: report.epsilon,
    delta: report.delta,
    rho: charge.rho,
    bytes: report.bytes,
    protection: report.protection ?? 'local',
    collusionEpsilon: report.collusionEpsilon ?? report.epsilon,
    status,
  }));
}

/**
 * forget(): erases every store in one transaction: the ledger with its receipts (when this device
 * took part is the visitor's data too), the cached models and the device-only state.
 */
export async function clearEverything(db: FederatedDb): Promise<void> {
  const tx = db.transaction(['ledger', 'models', 'state'], 'readwrite');
  await Promise.all([tx.objectStore('ledger').clear(), tx.objectStore('models').clear(), tx.objectStore('state').clear(), tx.done]);
}

const qualityKey = (task: string): string => `quality:${task}`;

/**
 * Keeps what the aggregator last said about `task`'s quality: the comparison, or nothing (deleted)
 * when the server has none, so the device follows the site owner's latest word either way.
 */
export async function saveTaskQuality(db: FederatedDb, task: string, quality: TaskQuality | undefined): Promise<void> {
  if (quality === undefined) await db.delete('state', qualityKey(task));
  else await db.put('state', quality, qualityKey(task));
}

/** The stored verdict for `task`, or undefined when none was posted (or the stored value is unreadable). */
export async function loadTaskQuality(db: FederatedDb, task: string): Promise<TaskQuality | undefined> {
  try {
    return parseTaskQuality(await db.get('state', qualityKey(task)));
  } catch {
    return undefined;
  }
}

const reportCursorKey = (task: string): string => `report-cursor:${task}`;

/**
 * Where a fixed-schedule report's counting resumes ('report-cursor:<task>': the end of the window
 * the last charged report counted; worker/federated/daily-report-task.ts). An unreadable value
 * reads as none: the next report then counts its period from the start.
 */
export function createReportCursor(db: FederatedDb): { load(task: string): Promise<number | undefined>; save(task: string, countedUntil: number): Promise<void> } {
  return {
    async load(task) {
      const value = await db.get('state', reportCursorKey(task));
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    },
    async save(task, countedUntil) {
      await db.put('state', countedUntil, reportCursorKey(task));
    },
  };
}
