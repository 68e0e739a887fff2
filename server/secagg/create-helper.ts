/**
 * Wires the helper aggregator: its own store (keys, seeds, collect records; a SQLite file or a
 * PostgreSQL database of its own, ../storage/open-storage.ts), the same task definitions as the
 * leader, the HelperService and its HTTP app.
 *
 * @example
 * const helper = await createHelper({ dbPath: ':memory:', allowedOrigins: [], minContributions: 2, maxContributions: 5, peerToken: 'peer-token-0123456789', rotateKey: false });
 * const res = await helper.app.request('/v1/hpke-config');
 * helper.close();
 */
import type { Hono } from 'hono';
import { openHelperStorage } from '../storage/open-storage.js';
import { checkTasks, DEFAULT_TASKS, type TaskDefinition } from '../tasks.js';
import { createHelperApp } from './helper-app.js';
import { HelperService } from './helper.js';
import type { HelperStorage } from './helper-storage.js';

export interface HelperConfig {
  /** A SQLite file path (':memory:' for tests) or a postgres:// URL (../storage/open-storage.ts). */
  readonly dbPath: string;
  /** Origins whose pages fetch /v1/hpke-config (the storefront's). */
  readonly allowedOrigins: readonly string[];
  readonly minContributions: number;
  readonly maxContributions: number;
  readonly peerToken: string;
  readonly rotateKey: boolean;
}

export interface Helper {
  readonly app: Hono;
  readonly service: HelperService;
  readonly storage: HelperStorage;
  close(): Promise<void>;
}

export async function createHelper(config: HelperConfig, extras: { readonly tasks?: readonly TaskDefinition[]; readonly clock?: () => number } = {}): Promise<Helper> {
  const tasks = checkTasks(extras.tasks ?? DEFAULT_TASKS);
  const storage = await openHelperStorage(config.dbPath);
  let service: HelperService;
  try {
    service = await HelperService.create({
      storage,
      tasks,
      minContributions: config.minContributions,
      rotateKey: config.rotateKey,
      ...(extras.clock === undefined ? {} : { clock: extras.clock }),
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  // A collect names at most the largest round any task allows.
  const maxContributions = Math.max(config.maxContributions, ...tasks.map((t) => t.maxContributions ?? 0));
  const app = createHelperApp({ service, allowedOrigins: config.allowedOrigins, peerToken: config.peerToken, maxContributions });
  return { app, service, storage, close: () => storage.close() };
}
