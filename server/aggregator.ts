/**
 * Wires one aggregator together from a configuration: its store (SQLite, or PostgreSQL for a
 * postgres:// `dbPath`: ./storage/open-storage.ts), the tasks, their
 * strategies (FedAvg, histogram, ALS or k-means, wrapped by central DP; by distributed DP for a leader), the
 * exact discrete Gaussian central noise, the round coordinator and the HTTP app. Used by main.ts,
 * the tests and the bench. The helper role is wired by ./secagg/create-helper.ts.
 *
 * @example
 * const aggregator = await createAggregator({ ...config, dbPath: ':memory:' });
 * const res = await aggregator.app.request('/v1/tasks');
 * await aggregator.close();
 */
import type { Hono } from 'hono';
import type { RandomSource } from '../core/dp/random.js';
import type { Role, ServerConfig } from './config.js';
import { HttpHelperPeer, type HelperPeer } from './secagg/helper-client.js';
import { withDistributedDp } from './strategies/distributed-dp.js';
import { createApp } from './http/app.js';
import { PreparedDiscreteGaussianNoise } from './privacy/central-noise.js';
import { RoundCoordinator, type CoordinatorEvent, type UploadPath } from './rounds/coordinator.js';
import { openAggregatorStorage } from './storage/open-storage.js';
import type { AggregatorStorage } from './storage/storage.js';
import { withCentralDp } from './strategies/dp.js';
import { createAls } from './strategies/als.js';
import { createFedAvg } from './strategies/fedavg.js';
import { createHistogram } from './strategies/histogram.js';
import { createKmeans } from './strategies/kmeans.js';
import type { Strategy } from './strategies/strategy.js';
import { checkTasks, DEFAULT_TASKS, type TaskDefinition } from './tasks.js';

export interface Aggregator {
  readonly app: Hono;
  readonly coordinator: RoundCoordinator;
  readonly storage: AggregatorStorage;
  close(): Promise<void>;
}

/** `role` defaults to single, `plannedRounds` to 5 (embedders that predate secure aggregation set neither). */
export type AggregatorConfig = Omit<ServerConfig, 'host' | 'port' | 'seed' | 'staticDir' | 'role' | 'plannedRounds'> & {
  readonly staticDir: string | null;
  readonly role?: Exclude<Role, { kind: 'helper' }>;
  readonly plannedRounds?: number;
};

export const DEFAULT_PLANNED_ROUNDS = 5;
/** The leader refetches the helper's key list this often (and whenever an upload names an unknown key). */
const KEY_REFRESH_MS = 60_000;

export interface AggregatorExtras {
  readonly tasks?: readonly TaskDefinition[];
  readonly clock?: () => number;
  readonly onEvent?: (event: CoordinatorEvent) => void;
  /** Deterministic tests only; production noise comes from crypto.getRandomValues. */
  readonly random?: RandomSource;
  /** Check deadlines on a timer (default true). */
  readonly timer?: boolean;
  /** Leader role: the helper (default: HTTP to config.role.helperUrl). */
  readonly helper?: HelperPeer;
}

export async function createAggregator(config: AggregatorConfig, extras: AggregatorExtras = {}): Promise<Aggregator> {
  const tasks = checkTasks(extras.tasks ?? DEFAULT_TASKS);
  const storage = await openAggregatorStorage(config.dbPath, config.durability === 'power' ? 'power' : 'process');
  const noise = new PreparedDiscreteGaussianNoise(extras.random);
  const role = config.role ?? { kind: 'single' };
  const plannedRounds = config.plannedRounds ?? DEFAULT_PLANNED_ROUNDS;
  let uploads: UploadPath;
  switch (role.kind) {
    case 'single':
      uploads = { kind: 'plain' };
      break;
    case 'leader':
      uploads = {
        kind: 'shared',
        plannedRounds,
        helper: extras.helper ?? new HttpHelperPeer({ url: role.helperUrl, publicUrl: role.helperPublicUrl, peerToken: role.peerToken }),
      };
      break;
    default: {
      const unreachable: never = role;
      throw new RangeError(`createAggregator runs a single or leader aggregator; got ${JSON.stringify(unreachable)}`);
    }
  }
  // Rounds whose sums carry DP noise (secure: the devices' shares; central noise; or real local
  // noise, multiplier ≥ 0.01): ALS adds its extra ridge there (server/tasks.ts ALS_SETTINGS).
  const noisy = (task: TaskDefinition): boolean => uploads.kind === 'shared' || config.centralNoiseMultiplier > 0 || task.localNoiseMultiplier >= 0.01;
  const innerFor = (task: TaskDefinition): Strategy => {
    switch (task.kind) {
      case 'fedavg':
        return createFedAvg();
      case 'histogram':
        return createHistogram();
      case 'als':
        return createAls({ extraRidge: noisy(task) ? (task.als?.lambdaDp ?? 0) : 0 });
      case 'kmeans':
        return createKmeans();
      default: {
        const unreachable: never = task.kind;
        throw new RangeError(`unknown task kind ${String(unreachable)}`);
      }
    }
  };
  const strategyFor = (task: TaskDefinition): Strategy => {
    const inner = innerFor(task);
    // Secure aggregation: the noise is distributed over the devices; the leader adds none (it sees the sum).
    if (uploads.kind === 'shared') return withDistributedDp(inner, { plannedRounds });
    return config.centralNoiseMultiplier > 0 ? withCentralDp(inner, { noiseMultiplier: config.centralNoiseMultiplier, noise, plannedRounds }) : inner;
  };
  let coordinator: RoundCoordinator;
  let app: Hono;
  try {
    coordinator = new RoundCoordinator({
      storage,
      tasks,
      settings: {
        minContributions: config.minContributions,
        maxContributions: config.maxContributions,
        roundMs: config.roundSeconds * 1000,
        epsilonBudget: config.epsilonBudget,
        delta: config.delta,
      },
      strategyFor,
      uploads,
      ...(uploads.kind === 'plain' ? { noise } : {}),
      ...(extras.clock === undefined ? {} : { clock: extras.clock }),
      ...(extras.onEvent === undefined ? {} : { onEvent: extras.onEvent }),
    });
    await coordinator.start();
    app = createApp({
      coordinator,
      allowedOrigins: config.allowedOrigins,
      adminToken: config.adminToken,
      staticDir: config.staticDir,
      crossOriginIsolation: config.crossOriginIsolation,
    });
  } catch (error) {
    // A refused configuration must not leave the database open (a PostgreSQL pool would also keep the process alive).
    await storage.close();
    throw error;
  }
  if (extras.timer ?? true) coordinator.startTimer();
  let keyTimer: ReturnType<typeof setInterval> | undefined;
  if (uploads.kind === 'shared') {
    const helper = uploads.helper;
    void helper.refreshKeys(true);
    keyTimer = setInterval(() => void helper.refreshKeys(true), KEY_REFRESH_MS);
    keyTimer.unref();
  }
  return {
    app,
    coordinator,
    storage,
    async close() {
      if (keyTimer !== undefined) clearInterval(keyTimer);
      await coordinator.stop();
      await storage.close();
    },
  };
}
