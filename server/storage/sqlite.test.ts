/** What only the SQLite store does; the contract both stores keep is tested in ./storage.test.ts. */
import Database from 'better-sqlite3';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from './sqlite.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-sqlite-'));
  dirs.push(dir);
  return join(dir, 'test.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n : 7));

describe('SqliteStorage', () => {
  it('ignores spool bytes no committed row points at (a crash between the write and the commit)', async () => {
    const path = tempDb();
    let storage = new SqliteStorage({ path });
    await storage.openRound({ roundId: 'r1', task: 't', baseVersion: 1, vectorLength: 4, openedAt: 0, deadline: 1000, configJson: '{}' });
    await storage.acceptContribution('r1', id(1), Int32Array.from([1, 2, 3, 4]), 100);
    await storage.close();
    // What a kill -9 right after the spool write and before the commit leaves behind.
    appendFileSync(join(`${path}-vectors`, 'r1.vectors'), Buffer.from(Int32Array.from([1000, 1000, 1000, 1000]).buffer));
    storage = new SqliteStorage({ path });
    await storage.acceptContribution('r1', id(2), Int32Array.from([10, 20, 30, 40]), 100);
    await storage.close();
    storage = new SqliteStorage({ path });
    expect(Array.from((await storage.roundSum('r1')).sum)).toEqual([11, 22, 33, 44]);
    expect((await storage.roundSum('r1')).contributions).toBe(2);
    await storage.close();
  });

  it('brings a file made before schema versions (and before rounds.frozen_at) to the newest version, keeping its rows', async () => {
    const path = tempDb();
    const old = new Database(path);
    old.exec(`CREATE TABLE rounds (
      round_id TEXT PRIMARY KEY, task TEXT NOT NULL, base_version INTEGER NOT NULL, outcome TEXT NOT NULL,
      vector_length INTEGER NOT NULL, contributions INTEGER NOT NULL DEFAULT 0, opened_at INTEGER NOT NULL, deadline INTEGER NOT NULL,
      closed_at INTEGER, produced_version INTEGER, rho REAL, epsilon_after REAL, config_json TEXT NOT NULL, release_json TEXT, sum BLOB)`);
    old.prepare("INSERT INTO rounds (round_id, task, base_version, outcome, vector_length, opened_at, deadline, config_json) VALUES ('r0', 't', 1, 'open', 2, 0, 9, '{}')").run();
    old.close();
    const storage = new SqliteStorage({ path });
    expect(await storage.getRound('r0')).toMatchObject({ roundId: 'r0', frozenAt: null, sumDigest: null });
    await storage.freezeRound('r0', 5);
    expect((await storage.getRound('r0'))?.frozenAt).toBe(5);
    await storage.close();
    const db = new Database(path);
    expect(db.prepare('SELECT component, version FROM schema_migrations').all()).toEqual([{ component: 'aggregator', version: 1 }, { component: 'aggregator', version: 2 }]);
    db.close();
  });
});
