/**
 * What the helper keeps (its own database, never the leader's), behind one interface with two
 * implementations: SQLite (./helper-sqlite.ts, the default) and PostgreSQL (./helper-postgres.ts);
 * ../storage/open-storage.ts picks one. It holds the helper's HPKE key pairs, the opened 16-byte
 * seeds of the shares the leader forwarded (never expanded vectors: a seed is expanded only at
 * collect), and per round the collect-once record: the hash of the id set it released an
 * aggregate share over, and that share.
 *
 * Every batch of shares is ONE transaction, durable when `addShares` resolves, so the leader's
 * "helper accepted" is durable before the leader commits its own half. Async for PostgreSQL's sake,
 * as ../storage/storage.ts explains.
 */
import { createHash } from 'node:crypto';
import type { HpkeKeyConfig, HpkeKeyPair } from '../../core/secagg/hpke.js';

export interface StoredKey {
  readonly pair: HpkeKeyPair;
  readonly createdAt: number;
}

export interface HelperRoundRecord {
  readonly roundId: string;
  readonly task: string;
  readonly vectorLength: number;
  readonly modelVersion: number;
  readonly shares: number;
  readonly collectedAt: number | null;
  readonly idSetHash: Uint8Array | null;
  readonly collectedContributions: number | null;
  /** The released aggregate share (n × u32, platform order); null until collected. */
  readonly aggregate: Uint32Array | null;
}

export interface NewShare {
  readonly id: Uint8Array;
  readonly seed: Uint8Array;
}

/** What a batch of shares claims about its round; the first batch creates the round with it. */
export interface ShareBatchMeta {
  readonly task: string;
  readonly vectorLength: number;
  readonly modelVersion: number;
  readonly now: number;
}

export type AddSharesOutcome =
  | { readonly kind: 'stored'; readonly added: readonly boolean[]; readonly shares: number }
  | { readonly kind: 'collected' }
  | { readonly kind: 'mismatch'; readonly message: string };

export type CollectRecordOutcome =
  | { readonly kind: 'recorded' }
  /** Collected in the meantime: the caller compares hashes. */
  | { readonly kind: 'already'; readonly round: HelperRoundRecord };

export interface HelperStorage {
  /** Key pairs, newest first. */
  keys(): Promise<StoredKey[]>;
  /**
   * Stores a key pair; false, storing nothing, when the id is taken (another helper instance sharing
   * the store made it first). Ids wrap at 256 long after old keys are dropped, so a live id is never reused.
   */
  putKey(pair: HpkeKeyPair, createdAt: number): Promise<boolean>;
  dropKey(id: number): Promise<void>;
  getRound(roundId: string): Promise<HelperRoundRecord | undefined>;
  /** One transaction: records the round's shares (an id already held is kept); `added[i]` false = already held. */
  addShares(roundId: string, meta: ShareBatchMeta, shares: readonly NewShare[]): Promise<AddSharesOutcome>;
  /** The seeds of these ids, null where the round does not hold one. */
  seeds(roundId: string, ids: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  /** One transaction: marks the round collected with its id-set hash and aggregate share (dropping its seeds), unless it already is. */
  recordCollect(roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): Promise<CollectRecordOutcome>;
  /** Newest first, without their hashes and aggregates. */
  recentRounds(limit: number): Promise<HelperRoundRecord[]>;
  totals(): Promise<{ readonly shares: number; readonly roundsCollected: number }>;
  close(): Promise<void>;
}

/** SHA-256 over the sorted ids: what a collect is pinned to (any other set is refused). */
export function idSetHash(ids: readonly Uint8Array[]): Uint8Array {
  const sorted = ids.map((id) => Buffer.from(id)).sort(Buffer.compare);
  const hash = createHash('sha256');
  for (const id of sorted) hash.update(id);
  return new Uint8Array(hash.digest());
}

/** A helper round's row as both stores read it. */
export interface HelperRoundRow {
  round_id: string;
  task: string;
  vector_length: number;
  model_version: number;
  shares: number;
  collected_at: number | null;
  id_set_hash: Buffer | null;
  collected_contributions: number | null;
  aggregate: Buffer | null;
}

export function toHelperRoundRecord(row: HelperRoundRow): HelperRoundRecord {
  let aggregate: Uint32Array | null = null;
  if (row.aggregate !== null) {
    const copy = new Uint8Array(row.aggregate.byteLength);
    copy.set(row.aggregate);
    aggregate = new Uint32Array(copy.buffer);
  }
  return {
    roundId: row.round_id,
    task: row.task,
    vectorLength: row.vector_length,
    modelVersion: row.model_version,
    shares: row.shares,
    collectedAt: row.collected_at,
    idSetHash: row.id_set_hash === null ? null : new Uint8Array(row.id_set_hash),
    collectedContributions: row.collected_contributions,
    aggregate,
  };
}

/** A key's row as both stores read it. */
export interface HpkeKeyRow {
  private_key: Buffer;
  config_json: string;
  created_at: number;
}

export function toStoredKey(row: HpkeKeyRow): StoredKey {
  return { pair: { config: JSON.parse(row.config_json) as HpkeKeyConfig, privateKey: new Uint8Array(row.private_key) }, createdAt: row.created_at };
}

/** The mismatch message when a batch's claims differ from the round's first batch; null when they agree. */
export function batchMismatch(roundId: string, row: HelperRoundRow, meta: ShareBatchMeta): string | null {
  if (row.task === meta.task && row.vector_length === meta.vectorLength && row.model_version === meta.modelVersion) return null;
  return `round ${roundId} holds shares of task ${row.task} v${row.model_version} with ${row.vector_length} values; this batch says ${meta.task} v${meta.modelVersion} with ${meta.vectorLength}`;
}
