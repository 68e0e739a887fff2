/**
 * Versioned schemas, the rule every store follows (SQLite and PostgreSQL, aggregator and helper).
 * A store lists its migration steps in order; version N is the schema after step N. Each applied
 * step is a row of `schema_migrations` (component, version, applied_at), written in the same
 * transaction as the step, so a database says which code made it and a crash mid-migration leaves
 * the previous version. Steps run on start. A server refuses a schema newer than the newest it
 * knows: it would misread columns it has never heard of, or break what the newer server relies on.
 */

/** Which program's tables: the aggregator's (single or leader) or the helper's. A database may hold both. */
export type SchemaComponent = 'aggregator' | 'helper';

/** Valid in SQLite and PostgreSQL alike. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL, version INTEGER NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (component, version)
)`;

export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
}

/**
 * The versions to apply to reach `known` from `current` (none when equal); throws a
 * SchemaVersionError naming both versions when the database is newer than this server.
 * `where` names the database for the message (never with a password).
 */
export function versionsToApply(component: SchemaComponent, where: string, current: number, known: number): number[] {
  if (current > known) {
    throw new SchemaVersionError(
      `the ${component} schema in ${where} is version ${current}, newer than version ${known}, the newest this server knows: ` +
        'it was written by a newer Inkling. Run that version (or newer), or point --store at a fresh database',
    );
  }
  return Array.from({ length: known - current }, (_, i) => current + i + 1);
}
