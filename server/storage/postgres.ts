/**
 * PostgreSQL storage (the `pg` driver), for an aggregator whose database is a server of its own.
 * Same contract as ./sqlite.ts (./storage.ts), kept in the database alone, with no state in this
 * process, so a restart (or kill -9) loses nothing that was answered:
 *
 * - a batch of contributions is ONE transaction: it locks the rounds' rows (`FOR UPDATE`, in
 *   round-id order), finds the ids already stored (a replay is a duplicate), then inserts the new
 *   ids and their pending rows (each int32 vector as bytea, sent as a binary parameter, never as
 *   text) in one multi-row statement each, and bumps the counts: five round trips whatever the
 *   batch size, while other instances wait on the same round's lock; it resolves only after
 *   COMMIT, so the 202 that follows is for a durable contribution;
 * - every FOLD_EVERY contributions a round's pending vectors are deleted and added into its
 *   float64 `sum` (bytea) in one transaction under the round's row lock;
 * - the round's sum is `sum` + Σ pending vectors, read under a share lock; a frozen round's sum
 *   is final (accepting locks the row and checks frozen_at), which is what closing relies on;
 * - closing is one transaction that succeeds only while the round is open: exactly once.
 *
 * Durability is the database server's: with its defaults (fsync, synchronous_commit on) a
 * committed contribution survives a crash of this process, of PostgreSQL and of the machine.
 */
import pg from 'pg';
import type { RoundOutcome } from '../../core/protocol/aggregator.js';
import { createPool, migratePostgres, transaction, type PgPoolOptions } from './pg.js';
import { redactUrl } from './store-location.js';
import { addStoredVector, asBuffer, ROUND_COLUMNS, storedSum, toRoundRecord, type RoundRow } from './rows.js';
import type {
  AcceptOutcome,
  AggregatorStorage,
  ModelRecord,
  NewRound,
  PendingContribution,
  QualityRecord,
  RoundClosure,
  RoundLockOutcome,
  RoundRecord,
} from './storage.js';

/** Pending vectors per round before they are folded into the sum (as in ./sqlite.ts). */
const FOLD_EVERY = 64;

/** Step i makes schema version i + 1 (./migrations.ts). Timestamps are ms since the epoch (BIGINT). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE models (
     name TEXT NOT NULL, version INTEGER NOT NULL, blob BYTEA NOT NULL, created_at BIGINT NOT NULL,
     PRIMARY KEY (name, version)
   );
   CREATE TABLE rounds (
     round_id TEXT PRIMARY KEY, seq BIGINT GENERATED ALWAYS AS IDENTITY, task TEXT NOT NULL, base_version INTEGER NOT NULL,
     outcome TEXT NOT NULL CHECK (outcome IN ('open', 'aggregated', 'expired')),
     vector_length INTEGER NOT NULL, contributions INTEGER NOT NULL DEFAULT 0,
     opened_at BIGINT NOT NULL, deadline BIGINT NOT NULL, closed_at BIGINT, frozen_at BIGINT,
     produced_version INTEGER, rho DOUBLE PRECISION, epsilon_after DOUBLE PRECISION, config_json TEXT NOT NULL,
     release_json TEXT, sum BYTEA
   );
   CREATE INDEX rounds_by_task ON rounds (task, opened_at);
   CREATE UNIQUE INDEX one_open_round_per_task ON rounds (task) WHERE outcome = 'open';
   CREATE TABLE contribution_ids (id BYTEA PRIMARY KEY, round_id TEXT NOT NULL);
   CREATE INDEX contribution_ids_by_round ON contribution_ids (round_id);
   CREATE TABLE pending_contributions (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, round_id TEXT NOT NULL, vector BYTEA NOT NULL
   );
   CREATE INDEX pending_by_round ON pending_contributions (round_id);
   CREATE TABLE quality (
     seq BIGINT GENERATED ALWAYS AS IDENTITY, task TEXT NOT NULL, version INTEGER NOT NULL, metric TEXT NOT NULL,
     series TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, at BIGINT NOT NULL
   );
   CREATE INDEX quality_by_task ON quality (task, at);`,
  // Version 2: the digest of a secure round's released sum (audits, the load test's exactness check).
  'ALTER TABLE rounds ADD COLUMN sum_sha256 TEXT',
];

interface RoundState {
  outcome: RoundOutcome;
  contributions: number;
  frozen_at: number | null;
}

export class PostgresStorage implements AggregatorStorage {
  private readonly locks: AdvisoryLocks;

  private constructor(private readonly pool: pg.Pool, options: PgPoolOptions) {
    this.locks = new AdvisoryLocks(options);
  }

  /** Connects and migrates (./migrations.ts); rejects with the versions named if the schema is newer. */
  static async open(options: PgPoolOptions): Promise<PostgresStorage> {
    const pool = createPool(options);
    try {
      await migratePostgres(pool, 'aggregator', redactUrl(options.url), MIGRATIONS);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStorage(pool, options);
  }

  async putModel(model: ModelRecord): Promise<void> {
    await putModel(this.pool, model);
  }

  async getModelBlob(name: string, version: number): Promise<Uint8Array | undefined> {
    const { rows } = await this.pool.query<{ blob: Buffer }>('SELECT blob FROM models WHERE name = $1 AND version = $2', [name, version]);
    return rows[0] === undefined ? undefined : new Uint8Array(rows[0].blob);
  }

  async latestModelVersion(name: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ v: number | null }>('SELECT MAX(version) AS v FROM models WHERE name = $1', [name]);
    return rows[0]?.v ?? undefined;
  }

  async openRound(round: NewRound): Promise<void> {
    await this.pool.query(
      `INSERT INTO rounds (round_id, task, base_version, outcome, vector_length, opened_at, deadline, config_json)
       VALUES ($1, $2, $3, 'open', $4, $5, $6, $7)`,
      [round.roundId, round.task, round.baseVersion, round.vectorLength, round.openedAt, round.deadline, round.configJson],
    );
  }

  async getRound(roundId: string): Promise<RoundRecord | undefined> {
    const { rows } = await this.pool.query<RoundRow>(`SELECT ${ROUND_COLUMNS} FROM rounds WHERE round_id = $1`, [roundId]);
    return rows[0] === undefined ? undefined : toRoundRecord(rows[0]);
  }

  async openRoundOf(task: string): Promise<RoundRecord | undefined> {
    const { rows } = await this.pool.query<RoundRow>(`SELECT ${ROUND_COLUMNS} FROM rounds WHERE task = $1 AND outcome = 'open'`, [task]);
    return rows[0] === undefined ? undefined : toRoundRecord(rows[0]);
  }

  async closedRounds(task: string, limit: number): Promise<RoundRecord[]> {
    const { rows } = await this.pool.query<RoundRow>(
      `SELECT ${ROUND_COLUMNS} FROM rounds WHERE task = $1 AND outcome != 'open' ORDER BY opened_at DESC, seq DESC LIMIT $2`,
      [task, limit],
    );
    return rows.map(toRoundRecord);
  }

  async extendDeadline(roundId: string, deadline: number): Promise<void> {
    await this.pool.query("UPDATE rounds SET deadline = $1 WHERE round_id = $2 AND outcome = 'open'", [deadline, roundId]);
  }

  async freezeRound(roundId: string, at: number): Promise<void> {
    // Waits for any batch holding the round's row lock: what it committed is in the frozen set.
    await this.pool.query("UPDATE rounds SET frozen_at = $1 WHERE round_id = $2 AND outcome = 'open' AND frozen_at IS NULL", [at, roundId]);
  }

  async roundContributionIds(roundId: string): Promise<Uint8Array[]> {
    const { rows } = await this.pool.query<{ id: Buffer }>('SELECT id FROM contribution_ids WHERE round_id = $1 ORDER BY id', [roundId]);
    return rows.map((r) => new Uint8Array(r.id));
  }

  async hasContribution(id: Uint8Array): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM contribution_ids WHERE id = $1', [asBuffer(id)]);
    return (rowCount ?? 0) > 0;
  }

  async acceptContribution(roundId: string, id: Uint8Array, values: Int32Array, maxContributions: number): Promise<AcceptOutcome> {
    return (await this.acceptContributions([{ roundId, id, values, maxContributions }]))[0]!;
  }

  async acceptContributions(batch: readonly PendingContribution[]): Promise<AcceptOutcome[]> {
    if (batch.length === 0) return [];
    const before = new Map<string, number>();
    const after = new Map<string, number>();
    const outcomes = await transaction(this.pool, async (client) => {
      // Lock every round of the batch up front, in one order, so two batches (of this instance or
      // another sharing the database) never deadlock, and a frozen or full round stays so.
      const roundIds = [...new Set(batch.map((c) => c.roundId))].sort();
      const { rows } = await client.query<RoundState & { round_id: string }>(
        'SELECT round_id, outcome, contributions, frozen_at FROM rounds WHERE round_id = ANY($1) ORDER BY round_id FOR UPDATE',
        [roundIds],
      );
      const states = new Map(rows.map((r) => [r.round_id, r]));
      for (const r of rows) before.set(r.round_id, r.contributions);
      // A replay is a duplicate whatever the round's state now (as in ./sqlite.ts).
      const ids = batch.map((c) => asBuffer(c.id));
      const known = await client.query<{ id: Buffer }>('SELECT id FROM contribution_ids WHERE id = ANY($1::bytea[])', [ids]);
      const seen = new Set(known.rows.map((r) => r.id.toString('hex')));
      const result: AcceptOutcome[] = [];
      const accepted: PendingContribution[] = [];
      for (const [i, contribution] of batch.entries()) {
        const key = ids[i]!.toString('hex');
        const state = states.get(contribution.roundId);
        if (seen.has(key)) result.push({ kind: 'duplicate' });
        else if (state === undefined || state.outcome !== 'open' || state.frozen_at !== null) result.push({ kind: 'not_open' });
        else if (state.contributions >= contribution.maxContributions) result.push({ kind: 'full' });
        else {
          seen.add(key); // the same id twice in one batch: the second is a duplicate
          state.contributions++;
          accepted.push(contribution);
          result.push({ kind: 'accepted', contributions: state.contributions });
        }
      }
      if (accepted.length > 0) {
        // One statement each, every id and vector a binary parameter (never hex text). An id that
        // another transaction committed since the check above can only be for a round whose lock
        // this one does not hold (a device reusing an id across rounds): its conflict aborts the
        // batch, which then fails as a whole and nothing of it is stored.
        const idRows = await client.query(
          `INSERT INTO contribution_ids (id, round_id) VALUES ${valuesList(accepted.length, 2)} ON CONFLICT (id) DO NOTHING`,
          accepted.flatMap((c) => [asBuffer(c.id), c.roundId]),
        );
        if (idRows.rowCount !== accepted.length) throw new Error(`${accepted.length - (idRows.rowCount ?? 0)} contribution id(s) of this batch were committed by another transaction meanwhile; the batch is not stored`);
        await client.query(`INSERT INTO pending_contributions (round_id, vector) VALUES ${valuesList(accepted.length, 2)}`, accepted.flatMap((c) => [c.roundId, asBuffer(c.values)]));
      }
      for (const [roundId, state] of states) {
        const added = state.contributions - before.get(roundId)!;
        if (added > 0) await client.query('UPDATE rounds SET contributions = contributions + $1 WHERE round_id = $2', [added, roundId]);
        after.set(roundId, state.contributions);
      }
      return result;
    });
    for (const [roundId, count] of after) {
      if (Math.floor(count / FOLD_EVERY) > Math.floor(before.get(roundId)! / FOLD_EVERY)) await this.fold(roundId);
    }
    return outcomes;
  }

  async roundSum(roundId: string): Promise<{ readonly sum: Float64Array; readonly contributions: number }> {
    return transaction(this.pool, async (client) => {
      // The share lock waits for a fold or a batch on this round, so sum and pending rows agree.
      const round = await client.query<{ sum: Buffer | null; vector_length: number; contributions: number }>(
        'SELECT sum, vector_length, contributions FROM rounds WHERE round_id = $1 FOR SHARE',
        [roundId],
      );
      const row = round.rows[0];
      if (row === undefined) throw new RangeError(`round ${roundId} is unknown or has no sum`);
      const sum = storedSum(row.sum, row.vector_length);
      const pending = await client.query<{ vector: Buffer }>('SELECT vector FROM pending_contributions WHERE round_id = $1', [roundId]);
      for (const { vector } of pending.rows) addStoredVector(sum, vector, roundId);
      return { sum, contributions: row.contributions };
    });
  }

  async closeRound(closure: RoundClosure): Promise<void> {
    await transaction(this.pool, async (client) => {
      if (closure.producedModel !== null) await putModel(client, closure.producedModel);
      const { rowCount } = await client.query(
        `UPDATE rounds SET outcome = $1, closed_at = $2, produced_version = $3, rho = $4, epsilon_after = $5,
         release_json = $6, sum_sha256 = $7, sum = NULL WHERE round_id = $8 AND outcome = 'open'`,
        [closure.outcome, closure.closedAt, closure.producedModel?.version ?? null, closure.rho, closure.epsilonAfter, closure.releaseJson, closure.sumDigest ?? null, closure.roundId],
      );
      if (rowCount !== 1) throw new RangeError(`round ${closure.roundId} is not open; it cannot be closed`);
      await client.query('DELETE FROM pending_contributions WHERE round_id = $1', [closure.roundId]);
    });
  }

  async rhoSpent(task: string): Promise<number> {
    const { rows } = await this.pool.query<{ rho: number | null }>("SELECT SUM(rho) AS rho FROM rounds WHERE task = $1 AND outcome <> 'open'", [task]);
    return rows[0]?.rho ?? 0;
  }

  async rhoSpentBetween(task: string, start: number, end: number): Promise<number> {
    const { rows } = await this.pool.query<{ rho: number | null }>(
      "SELECT SUM(rho) AS rho FROM rounds WHERE task = $1 AND outcome <> 'open' AND opened_at < $2 AND LEAST(closed_at, deadline) > $3",
      [task, end, start],
    );
    return rows[0]?.rho ?? 0;
  }

  async releases(task: string, limit: number): Promise<{ readonly roundId: string; readonly json: string }[]> {
    const { rows } = await this.pool.query<{ round_id: string; release_json: string }>(
      'SELECT round_id, release_json FROM rounds WHERE task = $1 AND release_json IS NOT NULL ORDER BY opened_at DESC, seq DESC LIMIT $2',
      [task, limit],
    );
    return rows.map((r) => ({ roundId: r.round_id, json: r.release_json }));
  }

  async addQuality(record: QualityRecord): Promise<void> {
    await this.pool.query('INSERT INTO quality (task, version, metric, series, value, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      record.task, record.version, record.metric, record.series, record.value, record.at,
    ]);
  }

  async quality(task: string): Promise<QualityRecord[]> {
    const { rows } = await this.pool.query<QualityRecord>('SELECT task, version, metric, series, value, at FROM quality WHERE task = $1 ORDER BY at, seq', [task]);
    return rows;
  }

  async totals(): Promise<{ readonly contributions: number; readonly roundsAggregated: number }> {
    const { rows } = await this.pool.query<{ contributions: number | null; aggregated: number }>(
      "SELECT SUM(contributions) AS contributions, COUNT(*) FILTER (WHERE outcome = 'aggregated') AS aggregated FROM rounds",
    );
    return { contributions: rows[0]?.contributions ?? 0, roundsAggregated: rows[0]?.aggregated ?? 0 };
  }

  async withRoundLock<T>(task: string, work: () => Promise<T>): Promise<RoundLockOutcome<T>> {
    const key = `inkling round changes: ${task}`;
    if (!(await this.locks.tryLock(key))) return { kind: 'busy' };
    try {
      return { kind: 'ran', value: await work() };
    } finally {
      await this.locks.unlock(key);
    }
  }

  async close(): Promise<void> {
    await this.locks.close();
    await this.pool.end();
  }

  /** Moves the round's pending vectors into its sum, under its row lock (a closed round is left alone). */
  private async fold(roundId: string): Promise<void> {
    await transaction(this.pool, async (client) => {
      const round = await client.query<{ sum: Buffer | null; vector_length: number }>(
        "SELECT sum, vector_length FROM rounds WHERE round_id = $1 AND outcome = 'open' FOR UPDATE",
        [roundId],
      );
      const row = round.rows[0];
      if (row === undefined) return;
      const sum = storedSum(row.sum, row.vector_length);
      const pending = await client.query<{ vector: Buffer }>('DELETE FROM pending_contributions WHERE round_id = $1 RETURNING vector', [roundId]);
      for (const { vector } of pending.rows) addStoredVector(sum, vector, roundId);
      await client.query('UPDATE rounds SET sum = $1 WHERE round_id = $2', [asBuffer(sum), roundId]);
    });
  }
}

/** `($1, $2), ($3, $4), …`: `rows` rows of `columns` parameters, for one multi-row INSERT. */
function valuesList(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, r) => `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`).join(', ');
}

async function putModel(db: pg.Pool | pg.PoolClient, model: ModelRecord): Promise<void> {
  await db.query('INSERT INTO models (name, version, blob, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    model.name, model.version, asBuffer(model.blob), model.createdAt,
  ]);
}

/**
 * Session-level advisory locks (one per task), on a connection of their own rather than the
 * pool's: work done under a lock queries through the pool, and a held lock must not also hold one
 * of the connections that work waits for. A process that dies, or loses this connection, drops
 * its locks with the session, so a killed instance never leaves a task locked; work still running
 * after such a loss relies on the store's constraints (one open round per task, close once).
 */
class AdvisoryLocks {
  private client: Promise<pg.Client> | null = null;

  constructor(private readonly options: PgPoolOptions) {}

  async tryLock(key: string): Promise<boolean> {
    const client = await this.connection();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
    return rows[0]?.locked === true;
  }

  async unlock(key: string): Promise<void> {
    // No connection (it was lost): the session, and its locks, are gone already; a new one holds nothing to unlock.
    const client = await this.client?.catch(() => null);
    await client?.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client !== null) await (await client.catch(() => null))?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.client !== null) return this.client;
    const connecting: Promise<pg.Client> = (async () => {
      const client = new pg.Client({ connectionString: this.options.url });
      client.on('error', (error) => {
        console.error(`[storage] PostgreSQL lock connection lost (${redactUrl(this.options.url)}): ${error.message}; its round locks went with it`);
        if (this.client === connecting) this.client = null;
      });
      await client.connect();
      return client;
    })();
    this.client = connecting;
    connecting.catch(() => {
      if (this.client === connecting) this.client = null;
    });
    return connecting;
  }
}
