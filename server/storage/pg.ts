/**
 * What the PostgreSQL stores share (./postgres.ts for the aggregator, ../secagg/helper-postgres.ts
 * for the helper): the connection pool with this project's type rules, a transaction helper, and
 * the migration runner (./migrations.ts says the rules).
 */
import pg from 'pg';
import { MIGRATIONS_TABLE, versionsToApply, type SchemaComponent } from './migrations.js';
import { redactUrl } from './store-location.js';

const INT8 = 20;

/**
 * BIGINT (timestamps in ms, SUMs and COUNTs) as a JS number: every value this project stores is
 * below 2^53. (Results stay in the text format: pg's protocol parser reads no other. bytea comes
 * back as hex, which pg decodes into a Buffer; parameters go the other way as binary.)
 */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PgPoolOptions {
  /** postgres://user:password@host:port/database (or postgresql://). */
  readonly url: string;
  /** 'power': synchronous_commit on for every session, whatever the server's default. */
  readonly durability?: 'process' | 'power';
}

export function createPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    // One commit at a time per aggregator (group commit) plus concurrent reads for /v1/tasks and /v1/stats.
    max: 8,
    types: typeParsers,
    ...(options.durability === 'power' ? { options: '-c synchronous_commit=on' } : {}),
  });
  // An idle connection dropped by the server (restart, admin kill) must not crash the process;
  // the pool replaces it and the next query reports any lasting failure.
  pool.on('error', (error) => console.error(`[storage] idle PostgreSQL connection lost (${redactUrl(options.url)}): ${error.message}`));
  return pool;
}

/** BEGIN … COMMIT on one pooled connection; ROLLBACK and rethrow if `work` throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Brings `component`'s tables to the newest version in one transaction, under an advisory lock so
 * two instances starting together do not both migrate; refuses a newer schema.
 */
export async function migratePostgres(pool: pg.Pool, component: SchemaComponent, where: string, steps: readonly string[]): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('inkling schema migrations'))");
    await client.query(MIGRATIONS_TABLE);
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations WHERE component = $1', [component]);
    for (const version of versionsToApply(component, where, rows[0]?.version ?? 0, steps.length)) {
      await client.query(steps[version - 1]!);
      await client.query('INSERT INTO schema_migrations (component, version, applied_at) VALUES ($1, $2, $3)', [component, version, Date.now()]);
    }
  });
}
