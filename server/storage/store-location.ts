/**
 * What `--store` names (server/config.ts): a postgres:// or postgresql:// URL selects PostgreSQL;
 * anything else is a SQLite file path (':memory:' for tests). No driver is loaded here, so the
 * configuration can check a location without connecting.
 */

export type StoreKind = 'sqlite' | 'postgres';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function storeKind(location: string): StoreKind {
  return POSTGRES_URL.test(location) ? 'postgres' : 'sqlite';
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

/** The store for messages and logs: the SQLite path, or the URL without its password. */
export function describeStore(location: string): string {
  return storeKind(location) === 'postgres' ? `PostgreSQL ${redactUrl(location)}` : `SQLite ${location}`;
}

/** Null when usable, else the rule broken (for a message that names the flag). */
export function checkStoreLocation(location: string): string | null {
  if (location.trim() === '') return 'must not be empty';
  if (storeKind(location) === 'postgres') {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return 'must be a valid URL postgres://user[:password]@host[:port]/database';
    }
    // The host may be left out (pg's default, or ?host=/socket/dir); the database may not.
    if (url.pathname.length <= 1) return 'must name a database: postgres://user[:password]@host[:port]/database';
    return null;
  }
  // 'mysql://…' and the like would otherwise become a SQLite file of that name.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return 'must be a SQLite file path or a postgres:// URL';
  return null;
}
