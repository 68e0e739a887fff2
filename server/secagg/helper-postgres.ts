/**
 * The helper's PostgreSQL store (./helper-storage.ts says what it keeps; ../storage/postgres.ts how
 * this project uses PostgreSQL). A batch of shares and a collect each lock the round's row, so a
 * batch is either before the collect (and its seeds are dropped with the others) or refused
 * 'collected' after it.
 */
import type pg from 'pg';
import type { HpkeKeyPair } from '../../core/secagg/hpke.js';
import { createPool, migratePostgres, transaction } from '../storage/pg.js';
import { redactUrl } from '../storage/store-location.js';
import { asBuffer } from '../storage/rows.js';
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

/** Step i makes schema version i + 1 (../storage/migrations.ts). Timestamps are ms since the epoch. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hpke_keys (
     id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 255), seq BIGINT GENERATED ALWAYS AS IDENTITY, private_key BYTEA NOT NULL,
     config_json TEXT NOT NULL, created_at BIGINT NOT NULL
   );
   CREATE TABLE helper_rounds (
     round_id TEXT PRIMARY KEY, seq BIGINT GENERATED ALWAYS AS IDENTITY, task TEXT NOT NULL, vector_length INTEGER NOT NULL,
     model_version INTEGER NOT NULL, shares INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,
     collected_at BIGINT, id_set_hash BYTEA, collected_contributions INTEGER, aggregate BYTEA
   );
   CREATE TABLE helper_shares (round_id TEXT NOT NULL, id BYTEA NOT NULL, seed BYTEA NOT NULL, PRIMARY KEY (round_id, id));`,
];

/** A collect names up to 2^21 ids; they are looked up this many at a time (one array parameter each). */
const IDS_PER_QUERY = 10_000;

const ROUND_COLUMNS = 'round_id, task, vector_length, model_version, shares, collected_at, id_set_hash, collected_contributions, aggregate';

export class PostgresHelperStorage implements HelperStorage {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and migrates; rejects with the versions named if the schema is newer than this server's. */
  static async open(url: string): Promise<PostgresHelperStorage> {
    const pool = createPool({ url });
    try {
      await migratePostgres(pool, 'helper', redactUrl(url), MIGRATIONS);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresHelperStorage(pool);
  }

  async keys(): Promise<StoredKey[]> {
    const { rows } = await this.pool.query<HpkeKeyRow>('SELECT private_key, config_json, created_at FROM hpke_keys ORDER BY created_at DESC, seq DESC');
    return rows.map(toStoredKey);
  }

  async putKey(pair: HpkeKeyPair, createdAt: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO hpke_keys (id, private_key, config_json, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING', [
      pair.config.id, asBuffer(pair.privateKey), JSON.stringify(pair.config), createdAt,
    ]);
    return rowCount === 1;
  }

  async dropKey(id: number): Promise<void> {
    await this.pool.query('DELETE FROM hpke_keys WHERE id = $1', [id]);
  }

  async getRound(roundId: string): Promise<HelperRoundRecord | undefined> {
    const { rows } = await this.pool.query<HelperRoundRow>(`SELECT ${ROUND_COLUMNS} FROM helper_rounds WHERE round_id = $1`, [roundId]);
    return rows[0] === undefined ? undefined : toHelperRoundRecord(rows[0]);
  }

  async addShares(roundId: string, meta: ShareBatchMeta, shares: readonly NewShare[]): Promise<AddSharesOutcome> {
    return transaction(this.pool, async (client) => {
      await client.query(
        'INSERT INTO helper_rounds (round_id, task, vector_length, model_version, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (round_id) DO NOTHING',
        [roundId, meta.task, meta.vectorLength, meta.modelVersion, meta.now],
      );
      const { rows } = await client.query<HelperRoundRow>(`SELECT ${ROUND_COLUMNS} FROM helper_rounds WHERE round_id = $1 FOR UPDATE`, [roundId]);
      const row = rows[0]!;
      if (row.collected_at !== null) return { kind: 'collected' };
      const mismatch = batchMismatch(roundId, row, meta);
      if (mismatch !== null) return { kind: 'mismatch', message: mismatch };
      const added: boolean[] = [];
      for (const share of shares) {
        const inserted = await client.query('INSERT INTO helper_shares (round_id, id, seed) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [roundId, asBuffer(share.id), asBuffer(share.seed)]);
        added.push(inserted.rowCount === 1);
      }
      const count = added.filter(Boolean).length;
      if (count > 0) await client.query('UPDATE helper_rounds SET shares = shares + $1 WHERE round_id = $2', [count, roundId]);
      return { kind: 'stored', added, shares: row.shares + count };
    });
  }

  async seeds(roundId: string, ids: readonly Uint8Array[]): Promise<(Uint8Array | null)[]> {
    const byId = new Map<string, Uint8Array>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const { rows } = await this.pool.query<{ id: Buffer; seed: Buffer }>('SELECT id, seed FROM helper_shares WHERE round_id = $1 AND id = ANY($2)', [
        roundId, ids.slice(i, i + IDS_PER_QUERY).map(asBuffer),
      ]);
      for (const r of rows) byId.set(r.id.toString('hex'), new Uint8Array(r.seed));
    }
    return ids.map((id) => byId.get(asBuffer(id).toString('hex')) ?? null);
  }

  async recordCollect(roundId: string, hash: Uint8Array, contributions: number, aggregate: Uint32Array, now: number): Promise<CollectRecordOutcome> {
    return transaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        'UPDATE helper_rounds SET collected_at = $1, id_set_hash = $2, collected_contributions = $3, aggregate = $4 WHERE round_id = $5 AND collected_at IS NULL',
        [now, asBuffer(hash), contributions, asBuffer(aggregate), roundId],
      );
      if (rowCount !== 1) {
        const { rows } = await client.query<HelperRoundRow>(`SELECT ${ROUND_COLUMNS} FROM helper_rounds WHERE round_id = $1`, [roundId]);
        return { kind: 'already', round: toHelperRoundRecord(rows[0]!) };
      }
      // The seeds are not needed once the aggregate share is stored (a repeat collect returns it).
      await client.query('DELETE FROM helper_shares WHERE round_id = $1', [roundId]);
      return { kind: 'recorded' };
    });
  }

  async recentRounds(limit: number): Promise<HelperRoundRecord[]> {
    const { rows } = await this.pool.query<HelperRoundRow>(
      'SELECT round_id, task, vector_length, model_version, shares, collected_at, NULL AS id_set_hash, collected_contributions, NULL AS aggregate FROM helper_rounds ORDER BY created_at DESC, seq DESC LIMIT $1',
      [limit],
    );
    return rows.map(toHelperRoundRecord);
  }

  async totals(): Promise<{ readonly shares: number; readonly roundsCollected: number }> {
    const { rows } = await this.pool.query<{ shares: number | null; collected: number }>(
      'SELECT SUM(shares) AS shares, COUNT(*) FILTER (WHERE collected_at IS NOT NULL) AS collected FROM helper_rounds',
    );
    return { shares: rows[0]?.shares ?? 0, roundsCollected: rows[0]?.collected ?? 0 };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
