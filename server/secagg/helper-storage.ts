/**
 * What the helper keeps (its own SQLite file, never the leader's): its HPKE key pairs, the
 * opened 16-byte seeds of the shares the leader forwarded (never expanded vectors: a seed is
 * expanded only at collect), and per round the collect-once record: the hash of the id set it
 * released an aggregate share over, and that share.
 *
 * Durability as in ../storage/sqlite.ts: WAL, synchronous NORMAL (survives kill -9 of the process).
 * Every batch of shares is ONE transaction, so the leader's "helper accepted" is durable before
 * the leader commits its own half.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HpkeKeyConfig, HpkeKeyPair } from '../../core/secagg/hpke.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS hpke_keys (
  id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 255), private_key BLOB NOT NULL,
  config_json TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS helper_rounds (
  round_id TEXT PRIMARY KEY, task TEXT NOT NULL, vector_length INTEGER NOT NULL, model_version INTEGER NOT NULL,
  shares INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  collected_at INTEGER, id_set_hash BLOB, collected_contributions INTEGER, aggregate BLOB
);
CREATE TABLE IF NOT EXISTS helper_shares (
  round_id TEXT NOT NULL, id BLOB NOT NULL, seed BLOB NOT NULL, PRIMARY KEY (round_id, id)
) WITHOUT ROWID;
`;

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

export type AddSharesOutcome =
  | { readonly kind: 'stored'; readonly added: readonly boolean[]; readonly shares: number }
  | { readonly kind: 'collected' }
  | { readonly kind: 'mismatch'; readonly message: string };

export type CollectRecordOutcome =
  | { readonly kind: 'recorded' }
  /** Collected in the meantime: the caller compares hashes. */
  | { readonly kind: 'already'; readonly round: HelperRoundRecord };

interface RoundRow {
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

/** SHA-256 over the sorted ids: what a collect is pinned to (any other set is refused). */
export function idSetHash(ids: readonly Uint8Array[]): Uint8Array {
  const sorted = ids.map((id) => Buffer.from(id)).sort(Buffer.compare);
  const hash = createHash('sha256');
  for (const id of sorted) hash.update(id);
  return new Uint8Array(hash.digest());
}

export class HelperStorage {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly addTx: (roundId: string, meta: { task: string; vectorLength: number; modelVersion: number; now: number }, shares: readonly NewShare[]) => AddSharesOutcome;
  private readonly collectTx: (roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number) => CollectRecordOutcome;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmt = {
      keys: db.prepare<[], { id: number; private_key: Buffer; config_json: string; created_at: number }>('SELECT * FROM hpke_keys ORDER BY created_at DESC, rowid DESC'),
      putKey: db.prepare('INSERT OR REPLACE INTO hpke_keys (id, private_key, config_json, created_at) VALUES (?, ?, ?, ?)'),
      dropKey: db.prepare('DELETE FROM hpke_keys WHERE id = ?'),
      round: db.prepare<[string], RoundRow>('SELECT * FROM helper_rounds WHERE round_id = ?'),
      newRound: db.prepare('INSERT INTO helper_rounds (round_id, task, vector_length, model_version, created_at) VALUES (?, ?, ?, ?, ?)'),
      addShare: db.prepare('INSERT OR IGNORE INTO helper_shares (round_id, id, seed) VALUES (?, ?, ?)'),
      bump: db.prepare('UPDATE helper_rounds SET shares = shares + ? WHERE round_id = ?'),
      seed: db.prepare<[string, Buffer], { seed: Buffer }>('SELECT seed FROM helper_shares WHERE round_id = ? AND id = ?'),
      collect: db.prepare('UPDATE helper_rounds SET collected_at = ?, id_set_hash = ?, collected_contributions = ?, aggregate = ? WHERE round_id = ? AND collected_at IS NULL'),
      // The seeds are not needed once the aggregate share is stored (a repeat collect returns it).
      dropSeeds: db.prepare('DELETE FROM helper_shares WHERE round_id = ?'),
      recent: db.prepare<[number], RoundRow>('SELECT round_id, task, vector_length, model_version, shares, collected_at, NULL AS id_set_hash, collected_contributions, NULL AS aggregate FROM helper_rounds ORDER BY created_at DESC, rowid DESC LIMIT ?'),
      totals: db.prepare<[], { shares: number | null; collected: number | null }>('SELECT SUM(shares) AS shares, SUM(collected_at IS NOT NULL) AS collected FROM helper_rounds'),
    };
    this.addTx = db.transaction((roundId: string, meta: { task: string; vectorLength: number; modelVersion: number; now: number }, shares: readonly NewShare[]): AddSharesOutcome => {
      let row = this.stmt.round.get(roundId);
      if (row === undefined) {
        this.stmt.newRound.run(roundId, meta.task, meta.vectorLength, meta.modelVersion, meta.now);
        row = this.stmt.round.get(roundId)!;
      }
      if (row.collected_at !== null) return { kind: 'collected' };
      if (row.task !== meta.task || row.vector_length !== meta.vectorLength || row.model_version !== meta.modelVersion) {
        return { kind: 'mismatch', message: `round ${roundId} holds shares of task ${row.task} v${row.model_version} with ${row.vector_length} values; this batch says ${meta.task} v${meta.modelVersion} with ${meta.vectorLength}` };
      }
      const added = shares.map((s) => this.stmt.addShare.run(roundId, Buffer.from(s.id), Buffer.from(s.seed)).changes === 1);
      const count = added.filter(Boolean).length;
      if (count > 0) this.stmt.bump.run(count, roundId);
      return { kind: 'stored', added, shares: row.shares + count };
    });
    this.collectTx = db.transaction((roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): CollectRecordOutcome => {
      const changed = this.stmt.collect.run(now, Buffer.from(hash), contributions, Buffer.from(aggregate.buffer, aggregate.byteOffset, aggregate.byteLength), roundId).changes;
      if (changed !== 1) return { kind: 'already', round: toRecord(this.stmt.round.get(roundId)!) };
      this.stmt.dropSeeds.run(roundId);
      return { kind: 'recorded' };
    });
  }

  /** Key pairs, newest first. */
  keys(): StoredKey[] {
    return this.stmt.keys.all().map((row) => ({
      pair: { config: JSON.parse(row.config_json) as HpkeKeyConfig, privateKey: new Uint8Array(row.private_key) },
      createdAt: row.created_at,
    }));
  }

  putKey(pair: HpkeKeyPair, createdAt: number): void {
    this.stmt.putKey.run(pair.config.id, Buffer.from(pair.privateKey), JSON.stringify(pair.config), createdAt);
  }

  dropKey(id: number): void {
    this.stmt.dropKey.run(id);
  }

  getRound(roundId: string): HelperRoundRecord | undefined {
    const row = this.stmt.round.get(roundId);
    return row === undefined ? undefined : toRecord(row);
  }

  /** One transaction: records the round's shares (INSERT OR IGNORE per id); `added[i]` false = already held. */
  addShares(roundId: string, meta: { task: string; vectorLength: number; modelVersion: number; now: number }, shares: readonly NewShare[]): AddSharesOutcome {
    return this.addTx(roundId, meta, shares);
  }

  /** The seeds of these ids, null where the round does not hold one. */
  seeds(roundId: string, ids: readonly Uint8Array[]): (Uint8Array | null)[] {
    return ids.map((id) => {
      const row = this.stmt.seed.get(roundId, Buffer.from(id));
      return row === undefined ? null : new Uint8Array(row.seed);
    });
  }

  /** One transaction: marks the round collected with its id-set hash and aggregate share, unless it already is. */
  recordCollect(roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): CollectRecordOutcome {
    return this.collectTx(roundId, hash, contributions, aggregate, now);
  }

  recentRounds(limit: number): HelperRoundRecord[] {
    return this.stmt.recent.all(limit).map(toRecord);
  }

  totals(): { readonly shares: number; readonly roundsCollected: number } {
    const row = this.stmt.totals.get();
    return { shares: row?.shares ?? 0, roundsCollected: row?.collected ?? 0 };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: RoundRow): HelperRoundRecord {
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
