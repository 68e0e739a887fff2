/**
 * The stores the storage contract tests run against, each test on a fresh one: a SQLite file in a
 * temp folder, and a database of its own on a real PostgreSQL server (./postgres.testkit.ts),
 * started on first use and stopped after the file's tests.
 *
 * @example
 * const stores = testStores();
 * describe.each(STORE_KINDS)('%s', (kind) => {
 *   it('…', async () => { const storage = await openAggregatorStorage(await stores.fresh(kind), 'process'); });
 * });
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { SchemaComponent } from './migrations.js';
import { startTestPostgres, type TestPostgres } from './postgres.testkit.js';
import { storeKind, type StoreKind } from './store-location.js';

export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

export interface TestStores {
  /** A location nothing has used yet: a SQLite path or a postgres:// URL, for --store or open*Storage. */
  fresh(kind: StoreKind): Promise<string>;
  /** The temp folder (SQLite files, and anything else a test wants to put there). */
  readonly dir: string;
}

/** Call at a test file's top level: registers the afterAll that stops PostgreSQL and removes the folder. */
export function testStores(): TestStores {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-stores-'));
  let postgres: Promise<TestPostgres> | null = null;
  let made = 0;
  afterAll(async () => {
    if (postgres !== null) await (await postgres).stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    async fresh(kind) {
      made++;
      if (kind === 'sqlite') return join(dir, `store-${made}.sqlite`);
      postgres ??= startTestPostgres();
      return (await postgres).createDatabase(`store_${made}`);
    },
  };
}

/** Records a schema version this server does not know, as a newer server would have. */
export async function pretendNewerSchema(location: string, component: SchemaComponent, version: number): Promise<void> {
  const sql = 'INSERT INTO schema_migrations (component, version, applied_at) VALUES ';
  if (storeKind(location) === 'sqlite') {
    const db = new Database(location);
    db.prepare(`${sql}(?, ?, 0)`).run(component, version);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  await client.query(`${sql}($1, $2, 0)`, [component, version]);
  await client.end();
}
