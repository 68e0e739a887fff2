/**
 * The helper's SQLite store (./helper-storage.ts says what it keeps). Durability as in
 * ../storage/sqlite.ts: WAL, synchronous NORMAL (survives kill -9 of the process). The methods do
 * their work synchronously; they are async only to share the interface with PostgreSQL.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HpkeKeyPair } from '../../core/secagg/hpke.js';
import { asBuffer } from '../storage/rows.js';
import { migrateSqlite } from '../storage/sqlite.js';
import {
  batchMismatch,
  toHelperRoundRecord,
  toStoredKey,
  type AddSharesOutcome,
  type CollectRecordOutcome,
  type HelperRoundRecord,
  type HelperRoundRow,
  type HelperStorage,
  type HpkeKeyRow,
  type NewShare,
  type ShareBatchMeta,
  type StoredKey,
} from './helper-storage.js';

/** Schema version 1 (the tables as they were before versioning, hence IF NOT EXISTS). */
const SCHEMA_V1 = `
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

/** Step i makes schema version i + 1 (../storage/migrations.ts). */
const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [(db) => db.exec(SCHEMA_V1)];

export class SqliteHelperStorage implements HelperStorage {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly addTx: (roundId: string, meta: ShareBatchMeta, shares: readonly NewShare[]) => AddSharesOutcome;
  private readonly collectTx: (roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number) => CollectRecordOutcome;

  /** A file path, or ':memory:' (tests). */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    try {
      migrateSqlite(this.db, 'helper', path, MIGRATIONS);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    this.stmt = {
      keys: db.prepare<[], HpkeKeyRow>('SELECT private_key, config_json, created_at FROM hpke_keys ORDER BY created_at DESC, rowid DESC'),
      putKey: db.prepare('INSERT OR IGNORE INTO hpke_keys (id, private_key, config_json, created_at) VALUES (?, ?, ?, ?)'),
      dropKey: db.prepare('DELETE FROM hpke_keys WHERE id = ?'),
      round: db.prepare<[string], HelperRoundRow>('SELECT * FROM helper_rounds WHERE round_id = ?'),
      newRound: db.prepare('INSERT INTO helper_rounds (round_id, task, vector_length, model_version, created_at) VALUES (?, ?, ?, ?, ?)'),
      addShare: db.prepare('INSERT OR IGNORE INTO helper_shares (round_id, id, seed) VALUES (?, ?, ?)'),
      bump: db.prepare('UPDATE helper_rounds SET shares = shares + ? WHERE round_id = ?'),
      seed: db.prepare<[string, Buffer], { seed: Buffer }>('SELECT seed FROM helper_shares WHERE round_id = ? AND id = ?'),
      collect: db.prepare('UPDATE helper_rounds SET collected_at = ?, id_set_hash = ?, collected_contributions = ?, aggregate = ? WHERE round_id = ? AND collected_at IS NULL'),
      // The seeds are not needed once the aggregate share is stored (a repeat collect returns it).
      dropSeeds: db.prepare('DELETE FROM helper_shares WHERE round_id = ?'),
      recent: db.prepare<[number], HelperRoundRow>('SELECT round_id, task, vector_length, model_version, shares, collected_at, NULL AS id_set_hash, collected_contributions, NULL AS aggregate FROM helper_rounds ORDER BY created_at DESC, rowid DESC LIMIT ?'),
      totals: db.prepare<[], { shares: number | null; collected: number | null }>('SELECT SUM(shares) AS shares, SUM(collected_at IS NOT NULL) AS collected FROM helper_rounds'),
    };
    this.addTx = db.transaction((roundId: string, meta: ShareBatchMeta, shares: readonly NewShare[]): AddSharesOutcome => {
      let row = this.stmt.round.get(roundId);
      if (row === undefined) {
        this.stmt.newRound.run(roundId, meta.task, meta.vectorLength, meta.modelVersion, meta.now);
        row = this.stmt.round.get(roundId)!;
      }
      if (row.collected_at !== null) return { kind: 'collected' };
      const mismatch = batchMismatch(roundId, row, meta);
      if (mismatch !== null) return { kind: 'mismatch', message: mismatch };
      const added = shares.map((s) => this.stmt.addShare.run(roundId, asBuffer(s.id), asBuffer(s.seed)).changes === 1);
      const count = added.filter(Boolean).length;
      if (count > 0) this.stmt.bump.run(count, roundId);
      return { kind: 'stored', added, shares: row.shares + count };
    });
    this.collectTx = db.transaction((roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): CollectRecordOutcome => {
      const changed = this.stmt.collect.run(now, asBuffer(hash), contributions, asBuffer(aggregate), roundId).changes;
      if (changed !== 1) return { kind: 'already', round: toHelperRoundRecord(this.stmt.round.get(roundId)!) };
      this.stmt.dropSeeds.run(roundId);
      return { kind: 'recorded' };
    });
  }

  async keys(): Promise<StoredKey[]> {
    return this.stmt.keys.all().map(toStoredKey);
  }

  async putKey(pair: HpkeKeyPair, createdAt: number): Promise<boolean> {
    return this.stmt.putKey.run(pair.config.id, asBuffer(pair.privateKey), JSON.stringify(pair.config), createdAt).changes === 1;
  }

  async dropKey(id: number): Promise<void> {
    this.stmt.dropKey.run(id);
  }

  async getRound(roundId: string): Promise<HelperRoundRecord | undefined> {
    const row = this.stmt.round.get(roundId);
    return row === undefined ? undefined : toHelperRoundRecord(row);
  }

  async addShares(roundId: string, meta: ShareBatchMeta, shares: readonly NewShare[]): Promise<AddSharesOutcome> {
    return this.addTx(roundId, meta, shares);
  }

  async seeds(roundId: string, ids: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    return ids.map((id) => {
      const row = this.stmt.seed.get(roundId, asBuffer(id));
      return row === undefined ? null : new Uint8Array(row.seed);
    });
  }

  async recordCollect(roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): Promise<CollectRecordOutcome> {
    return this.collectTx(roundId, hash, contributions, aggregate, now);
  }

  async recentRounds(limit: number): Promise<HelperRoundRecord[]> {
    return this.stmt.recent.all(limit).map(toHelperRoundRecord);
  }

  async totals(): Promise<{ readonly shares: number; readonly roundsCollected: number }> {
    const row = this.stmt.totals.get();
    return { shares: row?.shares ?? 0, roundsCollected: row?.collected ?? 0 };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
