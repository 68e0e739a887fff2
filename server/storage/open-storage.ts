/**
 * Opens where a server keeps its state, from one setting (`--store`, server/config.ts;
 * ./store-location.ts tells the kinds apart). Leader and helper each open their own, so each may
 * have its own database.
 *
 * @example
 * const storage = await openAggregatorStorage('postgres://inkling@127.0.0.1/leader', 'process');
 * const helperStorage = await openHelperStorage('./data/helper.sqlite');
 */
import type { HelperStorage } from '../secagg/helper-storage.js';
import { SqliteHelperStorage } from '../secagg/helper-sqlite.js';
import { PostgresHelperStorage } from '../secagg/helper-postgres.js';
import { PostgresStorage } from './postgres.js';
import { SqliteStorage } from './sqlite.js';
import { storeKind } from './store-location.js';
import type { AggregatorStorage } from './storage.js';

/** Opens (and migrates) the aggregator's store. `durability` as in server/config.ts. */
export async function openAggregatorStorage(location: string, durability: 'process' | 'power'): Promise<AggregatorStorage> {
  return storeKind(location) === 'postgres' ? PostgresStorage.open({ url: location, durability }) : new SqliteStorage({ path: location, durability });
}

/** Opens (and migrates) the helper's store. */
export async function openHelperStorage(location: string): Promise<HelperStorage> {
  return storeKind(location) === 'postgres' ? PostgresHelperStorage.open(location) : new SqliteHelperStorage(location);
}
