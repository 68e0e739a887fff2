/**
 * What the load test (./run.ts) reads from the leader's database to check a phase: the task's
 * rounds (outcome, count, released-sum digest), the round still open, and what the store wrote
 * and keeps. Two stores, as the aggregator has: PostgreSQL (one database per role; several
 * instances each) and SQLite (one file per role, one process per file: the configuration the
 * issue measured memory growth in). Read-only: the instances own the data.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import pg from 'pg';

export interface RoundRow {
  readonly round_id: string;
  readonly outcome: string;
  readonly contributions: number;
  readonly sum_sha256: string | null;
}

export interface StoreBytes {
  /** Bytes the database server wrote to its write-ahead log (PostgreSQL's pg_stat_wal); null for SQLite. */
  readonly wal: number | null;
  /** Size of both roles' databases (PostgreSQL: pg_database_size; SQLite: the files with their -wal). */
  readonly size: number;
  /** What the leader keeps for ever per stored contribution: its id row and index entry; null where the store does not say. */
  readonly perId: number | null;
}

export interface LeaderDatabase {
  rounds(task: string): Promise<RoundRow[]>;
  openRound(task: string): Promise<{ readonly round_id: string; readonly contributions: number } | undefined>;
  bytes(): Promise<StoreBytes>;
  close(): Promise<void>;
}

export async function postgresLeaderDatabase(leaderUrl: string, helperUrl: string): Promise<LeaderDatabase> {
  const db = new pg.Client({ connectionString: leaderUrl });
  await db.connect();
  const names = [leaderUrl, helperUrl].map((u) => new URL(u).pathname.slice(1));
  return {
    async rounds(task) {
      return (await db.query<RoundRow>('SELECT round_id, outcome, contributions, sum_sha256 FROM rounds WHERE task = $1', [task])).rows;
    },
    async openRound(task) {
      return (await db.query<{ round_id: string; contributions: number }>("SELECT round_id, contributions FROM rounds WHERE task = $1 AND outcome = 'open'", [task])).rows[0];
    },
    async bytes() {
      const wal = await db.query<{ wal_bytes: string }>('SELECT wal_bytes FROM pg_stat_wal');
      const size = await db.query<{ bytes: string }>('SELECT SUM(pg_database_size(datname)) AS bytes FROM pg_database WHERE datname = ANY($1)', [names]);
      const ids = await db.query<{ bytes: string; n: string }>("SELECT pg_total_relation_size('contribution_ids') AS bytes, (SELECT COUNT(*) FROM contribution_ids) AS n");
      return { wal: Number(wal.rows[0]!.wal_bytes), size: Number(size.rows[0]!.bytes), perId: Number(ids.rows[0]!.bytes) / Math.max(1, Number(ids.rows[0]!.n)) };
    },
    async close() {
      await db.end();
    },
  };
}

export function sqliteLeaderDatabase(leaderPath: string, helperPath: string): LeaderDatabase {
  let db: Database.Database | null = null;
  // The leader creates its file on start: open it on first use, read-only (WAL lets a reader in beside the writer).
  const open = (): Database.Database => (db ??= new Database(leaderPath, { readonly: true, fileMustExist: true }));
  const fileBytes = (path: string): number => [path, `${path}-wal`].reduce((total, p) => total + (existsSync(p) ? statSync(p).size : 0), 0);
  return {
    async rounds(task) {
      return open().prepare<[string], RoundRow>('SELECT round_id, outcome, contributions, sum_sha256 FROM rounds WHERE task = ?').all(task);
    },
    async openRound(task) {
      return open().prepare<[string], { round_id: string; contributions: number }>("SELECT round_id, contributions FROM rounds WHERE task = ? AND outcome = 'open'").get(task);
    },
    async bytes() {
      return { wal: null, size: fileBytes(leaderPath) + fileBytes(helperPath), perId: null };
    },
    async close() {
      db?.close();
    },
  };
}
