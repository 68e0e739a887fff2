/**
 * SQLite storage (better-sqlite3, WAL). How a contribution is kept, so that memory stays
 * O(model size) and every accepted contribution is durable before its 2xx:
 *
 * - its int32 vector is appended to the round's spool file (./vector-spool.ts; for ':memory:'
 *   databases it goes into the row as a BLOB instead), then ONE transaction inserts its id (the
 *   idempotency key) and a pending row pointing at the vector, and bumps the round's count;
 *   only after the commit is the vector added to the round's running sum, which lives in memory
 *   as a Float64Array (one per open round);
 * - every FOLD_EVERY contributions the running sum is written to the round's `sum` BLOB and the
 *   pending rows are deleted, in one transaction, and the spool is emptied;
 * - after a crash the sum is rebuilt as `sum` BLOB + Σ vectors of the pending rows: exactly the
 *   committed contributions, none twice (an id is committed together with its pending row or
 *   not at all, and a pending row only ever points at bytes written before its commit).
 *
 * The sum is exact because integers below 2^53 are exact in float64 (the coordinator checks
 * maxContributions × largest admissible coordinate < 2^53 per task). Vectors are stored in the
 * platform's byte order (little-endian everywhere Node runs in practice).
 *
 * The methods are async only to share the interface with PostgreSQL: each does its work
 * synchronously (better-sqlite3), so no other request runs inside one of its transactions.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RoundOutcome } from '../../core/protocol/aggregator.js';
import { MIGRATIONS_TABLE, versionsToApply, type SchemaComponent } from './migrations.js';
import { addInto, addStoredVector, asBuffer, ROUND_COLUMNS, storedSum, toRoundRecord, type RoundRow } from './rows.js';
import { VectorSpool } from './vector-spool.js';
import type {
  AcceptOutcome,
  AggregatorStorage,
  PendingContribution,
  ModelRecord,
  NewRound,
  QualityRecord,
  RoundClosure,
  RoundLockOutcome,
  RoundRecord,
} from './storage.js';

/** Pending vectors per round before they are folded into the sum BLOB. */
const FOLD_EVERY = 64;

export interface SqliteOptions {
  /** File path, or ':memory:' (tests). Its folder is created if missing. */
  readonly path: string;
  /** 'process' = synchronous NORMAL (survives kill -9); 'power' = FULL (survives power loss). */
  readonly durability?: 'process' | 'power';
}

interface RunningSum {
  readonly sum: Float64Array;
  pending: number;
}

/** Schema version 1 (the tables as they were before versioning, hence IF NOT EXISTS). */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT NOT NULL, version INTEGER NOT NULL, blob BLOB NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS rounds (
  round_id TEXT PRIMARY KEY, task TEXT NOT NULL, base_version INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('open', 'aggregated', 'expired')),
  vector_length INTEGER NOT NULL, contributions INTEGER NOT NULL DEFAULT 0,
  opened_at INTEGER NOT NULL, deadline INTEGER NOT NULL, closed_at INTEGER,
  produced_version INTEGER, rho REAL, epsilon_after REAL, config_json TEXT NOT NULL,
  release_json TEXT, sum BLOB, frozen_at INTEGER
);
CREATE INDEX IF NOT EXISTS rounds_by_task ON rounds (task, opened_at);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_round_per_task ON rounds (task) WHERE outcome = 'open';
CREATE TABLE IF NOT EXISTS contribution_ids (id BLOB PRIMARY KEY, round_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contribution_ids_by_round ON contribution_ids (round_id);
CREATE TABLE IF NOT EXISTS pending_contributions (
  seq INTEGER PRIMARY KEY, round_id TEXT NOT NULL,
  vector BLOB, spool_offset INTEGER,
  CHECK ((vector IS NULL) != (spool_offset IS NULL))
);
CREATE INDEX IF NOT EXISTS pending_by_round ON pending_contributions (round_id);
CREATE TABLE IF NOT EXISTS quality (
  task TEXT NOT NULL, version INTEGER NOT NULL, metric TEXT NOT NULL, series TEXT NOT NULL,
  value REAL NOT NULL, at INTEGER NOT NULL
);
`;

/** Step i makes schema version i + 1 (./migrations.ts). */
const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  (db) => {
    // Files made before secure aggregation (and before versioning) lack rounds.frozen_at.
    const hasRounds = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rounds'").get() !== undefined;
    if (hasRounds && !db.prepare<[], { name: string }>('PRAGMA table_info(rounds)').all().some((c) => c.name === 'frozen_at')) {
      db.exec('ALTER TABLE rounds ADD COLUMN frozen_at INTEGER');
    }
    db.exec(SCHEMA_V1);
  },
  // Version 2: the digest of a secure round's released sum (audits, the load test's exactness check).
  (db) => db.exec('ALTER TABLE rounds ADD COLUMN sum_sha256 TEXT'),
];

/** Brings the file's `component` tables to the newest version, each step in its own transaction; refuses a newer file. */
export function migrateSqlite(db: Database.Database, component: SchemaComponent, where: string, steps: readonly ((db: Database.Database) => void)[]): void {
  db.exec(MIGRATIONS_TABLE);
  const current = db.prepare<[string], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?').get(component)?.version ?? 0;
  const record = db.prepare('INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)');
  for (const version of versionsToApply(component, where, current, steps.length)) {
    db.transaction(() => {
      steps[version - 1]!(db);
      record.run(component, version, Date.now());
    })();
  }
}

export class SqliteStorage implements AggregatorStorage {
  private readonly db: Database.Database;
  private readonly sums = new Map<string, RunningSum>();
  /** Vector files beside the database; null for ':memory:' (vectors go into the rows). */
  private readonly spool: VectorSpool | null;
  private readonly stmt;
  private readonly acceptTx: (batch: readonly PendingContribution[]) => AcceptOutcome[];
  private readonly foldTx: (roundId: string, sum: Buffer) => void;
  private readonly closeTx: (closure: RoundClosure) => void;

  constructor(options: SqliteOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.spool = options.path === ':memory:' ? null : new VectorSpool(`${options.path}-vectors`, options.durability === 'power');
    this.db = new Database(options.path);
    this.db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    // Measured on this machine (1 thread, WAL, NORMAL) for 10k- and 150k-float vectors: 16 KiB
    // pages cut the per-commit page writes of a 40–600 KB vector (one WAL frame and write() per
    // page) without bloating the small pages every commit also touches (4 KiB: 3.9k/s and 400/s;
    // 16 KiB: 6.1k/s and 870/s; 64 KiB: 2.2k/s and 1k/s). Checkpointing every 64 MiB of WAL
    // instead of SQLite's 1,000 pages avoids a checkpoint (and its fsync) every few commits.
    // page_size applies to a new database file only. Durability is unchanged: a commit is in the
    // WAL before the 2xx either way.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('wal_autocheckpoint = 4096');
    try {
      migrateSqlite(this.db, 'aggregator', options.path, MIGRATIONS);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    this.stmt = {
      putModel: db.prepare('INSERT OR IGNORE INTO models (name, version, blob, created_at) VALUES (?, ?, ?, ?)'),
      getModel: db.prepare<[string, number], { blob: Buffer }>('SELECT blob FROM models WHERE name = ? AND version = ?'),
      latestModel: db.prepare<[string], { v: number | null }>('SELECT MAX(version) AS v FROM models WHERE name = ?'),
      openRound: db.prepare(
        `INSERT INTO rounds (round_id, task, base_version, outcome, vector_length, opened_at, deadline, config_json)
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?)`,
      ),
      getRound: db.prepare<[string], RoundRow>(`SELECT ${ROUND_COLUMNS} FROM rounds WHERE round_id = ?`),
      openRoundOf: db.prepare<[string], RoundRow>(`SELECT ${ROUND_COLUMNS} FROM rounds WHERE task = ? AND outcome = 'open'`),
      closedRounds: db.prepare<[string, number], RoundRow>(
        `SELECT ${ROUND_COLUMNS} FROM rounds WHERE task = ? AND outcome != 'open' ORDER BY opened_at DESC, rowid DESC LIMIT ?`,
      ),
      extend: db.prepare("UPDATE rounds SET deadline = ? WHERE round_id = ? AND outcome = 'open'"),
      roundState: db.prepare<[string], { outcome: RoundOutcome; contributions: number; frozen_at: number | null }>(
        'SELECT outcome, contributions, frozen_at FROM rounds WHERE round_id = ?',
      ),
      freeze: db.prepare("UPDATE rounds SET frozen_at = ? WHERE round_id = ? AND outcome = 'open' AND frozen_at IS NULL"),
      roundIds: db.prepare<[string], { id: Buffer }>('SELECT id FROM contribution_ids WHERE round_id = ? ORDER BY id'),
      hasId: db.prepare<[Buffer], { one: number }>('SELECT 1 AS one FROM contribution_ids WHERE id = ?'),
      insertId: db.prepare('INSERT INTO contribution_ids (id, round_id) VALUES (?, ?)'),
      insertPending: db.prepare('INSERT INTO pending_contributions (round_id, vector, spool_offset) VALUES (?, ?, ?)'),
      bump: db.prepare('UPDATE rounds SET contributions = contributions + 1 WHERE round_id = ?'),
      readSum: db.prepare<[string], { sum: Buffer | null; vector_length: number }>('SELECT sum, vector_length FROM rounds WHERE round_id = ?'),
      pending: db.prepare<[string], { vector: Buffer | null; spool_offset: number | null }>(
        'SELECT vector, spool_offset FROM pending_contributions WHERE round_id = ? ORDER BY seq',
      ),
      writeSum: db.prepare('UPDATE rounds SET sum = ? WHERE round_id = ?'),
      dropPending: db.prepare('DELETE FROM pending_contributions WHERE round_id = ?'),
      closeRound: db.prepare(
        `UPDATE rounds SET outcome = ?, closed_at = ?, produced_version = ?, rho = ?, epsilon_after = ?,
         release_json = ?, sum_sha256 = ?, sum = NULL WHERE round_id = ? AND outcome = 'open'`,
      ),
      rhoSpent: db.prepare<[string], { rho: number | null }>(
        "SELECT SUM(rho) AS rho FROM rounds WHERE task = ? AND outcome <> 'open'",
      ),
      rhoSpentBetween: db.prepare<[string, number, number], { rho: number | null }>(
        "SELECT SUM(rho) AS rho FROM rounds WHERE task = ? AND outcome <> 'open' AND opened_at < ? AND MIN(closed_at, deadline) > ?",
      ),
      releases: db.prepare<[string, number], { round_id: string; release_json: string }>(
        'SELECT round_id, release_json FROM rounds WHERE task = ? AND release_json IS NOT NULL ORDER BY opened_at DESC, rowid DESC LIMIT ?',
      ),
      addQuality: db.prepare('INSERT INTO quality (task, version, metric, series, value, at) VALUES (?, ?, ?, ?, ?, ?)'),
      quality: db.prepare<[string], { task: string; version: number; metric: string; series: string; value: number; at: number }>(
        'SELECT * FROM quality WHERE task = ? ORDER BY at, rowid',
      ),
      totals: db.prepare<[], { contributions: number | null; aggregated: number | null }>(
        "SELECT SUM(contributions) AS contributions, SUM(outcome = 'aggregated') AS aggregated FROM rounds",
      ),
    };

    this.acceptTx = db.transaction((batch: readonly PendingContribution[]): AcceptOutcome[] =>
      batch.map(({ roundId, id, values, maxContributions }) => {
        // The id first: a replay is a duplicate whatever the round's state now.
        const idBuffer = asBuffer(id);
        if (this.stmt.hasId.get(idBuffer) !== undefined) return { kind: 'duplicate' };
        const state = this.stmt.roundState.get(roundId);
        if (state === undefined || state.outcome !== 'open' || state.frozen_at !== null) return { kind: 'not_open' };
        if (state.contributions >= maxContributions) return { kind: 'full' };
        this.stmt.insertId.run(idBuffer, roundId);
        if (this.spool === null) this.stmt.insertPending.run(roundId, asBuffer(values), null);
        else this.stmt.insertPending.run(roundId, null, this.spool.append(roundId, toBytes(values)));
        this.stmt.bump.run(roundId);
        return { kind: 'accepted', contributions: state.contributions + 1 };
      }),
    );
    this.foldTx = db.transaction((roundId: string, sum: Buffer) => {
      this.stmt.writeSum.run(sum, roundId);
      this.stmt.dropPending.run(roundId);
    });
    this.closeTx = db.transaction((closure: RoundClosure) => {
      if (closure.producedModel !== null) this.insertModel(closure.producedModel);
      const changed = this.stmt.closeRound.run(
        closure.outcome,
        closure.closedAt,
        closure.producedModel?.version ?? null,
        closure.rho,
        closure.epsilonAfter,
        closure.releaseJson,
        closure.sumDigest ?? null,
        closure.roundId,
      ).changes;
      if (changed !== 1) throw new RangeError(`round ${closure.roundId} is not open; it cannot be closed`);
      this.stmt.dropPending.run(closure.roundId);
    });
  }

  async putModel(model: ModelRecord): Promise<void> {
    this.insertModel(model);
  }

  private insertModel(model: ModelRecord): void {
    this.stmt.putModel.run(model.name, model.version, asBuffer(model.blob), model.createdAt);
  }

  async getModelBlob(name: string, version: number): Promise<Uint8Array | undefined> {
    return this.stmt.getModel.get(name, version)?.blob;
  }

  async latestModelVersion(name: string): Promise<number | undefined> {
    return this.stmt.latestModel.get(name)?.v ?? undefined;
  }

  async openRound(round: NewRound): Promise<void> {
    this.stmt.openRound.run(round.roundId, round.task, round.baseVersion, round.vectorLength, round.openedAt, round.deadline, round.configJson);
  }

  async getRound(roundId: string): Promise<RoundRecord | undefined> {
    const row = this.stmt.getRound.get(roundId);
    return row === undefined ? undefined : toRoundRecord(row);
  }

  async openRoundOf(task: string): Promise<RoundRecord | undefined> {
    const row = this.stmt.openRoundOf.get(task);
    return row === undefined ? undefined : toRoundRecord(row);
  }

  async closedRounds(task: string, limit: number): Promise<RoundRecord[]> {
    return this.stmt.closedRounds.all(task, limit).map(toRoundRecord);
  }

  async extendDeadline(roundId: string, deadline: number): Promise<void> {
    this.stmt.extend.run(deadline, roundId);
  }

  async freezeRound(roundId: string, at: number): Promise<void> {
    this.stmt.freeze.run(at, roundId);
  }

  async roundContributionIds(roundId: string): Promise<Uint8Array[]> {
    return this.stmt.roundIds.all(roundId).map((r) => new Uint8Array(r.id));
  }

  async hasContribution(id: Uint8Array): Promise<boolean> {
    return this.stmt.hasId.get(asBuffer(id)) !== undefined;
  }

  async acceptContribution(roundId: string, id: Uint8Array, values: Int32Array, maxContributions: number): Promise<AcceptOutcome> {
    return (await this.acceptContributions([{ roundId, id, values, maxContributions }]))[0]!;
  }

  async acceptContributions(batch: readonly PendingContribution[]): Promise<AcceptOutcome[]> {
    // Load (or rebuild) the running sums BEFORE the commit, so a rebuild never counts these twice.
    for (const { roundId } of batch) this.runningSum(roundId);
    const outcomes = this.acceptTx(batch);
    const toFold = new Set<string>();
    outcomes.forEach((outcome, i) => {
      if (outcome.kind !== 'accepted') return;
      const { roundId, values } = batch[i]!;
      const running = this.sums.get(roundId);
      if (running === undefined) return;
      const sum = running.sum;
      if (sum.length !== values.length) throw new RangeError(`round ${roundId} sums ${sum.length} values; got ${values.length}`);
      addInto(sum, values);
      running.pending++;
      if (running.pending >= FOLD_EVERY) toFold.add(roundId);
    });
    for (const roundId of toFold) {
      const running = this.sums.get(roundId)!;
      this.foldTx(roundId, asBuffer(running.sum));
      // After the commit: a crash before this reset leaves bytes no row points at, ignored.
      this.spool?.reset(roundId);
      running.pending = 0;
    }
    return outcomes;
  }

  async roundSum(roundId: string): Promise<{ readonly sum: Float64Array; readonly contributions: number }> {
    const running = this.runningSum(roundId);
    const round = this.stmt.roundState.get(roundId);
    if (running === undefined || round === undefined) throw new RangeError(`round ${roundId} is unknown or has no sum`);
    return { sum: running.sum.slice(), contributions: round.contributions };
  }

  async closeRound(closure: RoundClosure): Promise<void> {
    this.closeTx(closure);
    this.sums.delete(closure.roundId);
    this.spool?.remove(closure.roundId);
  }

  async rhoSpent(task: string): Promise<number> {
    return this.stmt.rhoSpent.get(task)?.rho ?? 0;
  }

  async rhoSpentBetween(task: string, start: number, end: number): Promise<number> {
    return this.stmt.rhoSpentBetween.get(task, end, start)?.rho ?? 0;
  }

  async releases(task: string, limit: number): Promise<{ readonly roundId: string; readonly json: string }[]> {
    return this.stmt.releases.all(task, limit).map((r) => ({ roundId: r.round_id, json: r.release_json }));
  }

  async addQuality(record: QualityRecord): Promise<void> {
    this.stmt.addQuality.run(record.task, record.version, record.metric, record.series, record.value, record.at);
  }

  async quality(task: string): Promise<QualityRecord[]> {
    return this.stmt.quality.all(task);
  }

  async totals(): Promise<{ readonly contributions: number; readonly roundsAggregated: number }> {
    const row = this.stmt.totals.get();
    return { contributions: row?.contributions ?? 0, roundsAggregated: row?.aggregated ?? 0 };
  }

  /**
   * One process per SQLite file (the running sums live in this process's memory), so there is no
   * other instance to exclude: the coordinator's own per-task queue already serialises the work.
   */
  async withRoundLock<T>(_task: string, work: () => Promise<T>): Promise<RoundLockOutcome<T>> {
    return { kind: 'ran', value: await work() };
  }

  async close(): Promise<void> {
    this.sums.clear();
    this.spool?.close();
    if (this.db.open) this.db.close();
  }

  /** The in-memory running sum of an open round, rebuilt from disk on first use. */
  private runningSum(roundId: string): RunningSum | undefined {
    const cached = this.sums.get(roundId);
    if (cached !== undefined) return cached;
    const row = this.stmt.readSum.get(roundId);
    if (row === undefined) return undefined;
    const sum = storedSum(row.sum, row.vector_length);
    let pending = 0;
    const vectorBytes = 4 * row.vector_length;
    for (const { vector, spool_offset: offset } of this.stmt.pending.iterate(roundId)) {
      const bytes = vector ?? this.spool!.read(roundId, offset!, vectorBytes);
      addStoredVector(sum, bytes, roundId);
      pending++;
    }
    const running: RunningSum = { sum, pending };
    this.sums.set(roundId, running);
    return running;
  }
}

function toBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
