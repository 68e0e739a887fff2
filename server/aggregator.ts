/**
 * Wires one aggregator together from a configuration: SQLite storage, the tasks, their
 * strategies (FedAvg or histogram, wrapped by central DP), the exact discrete Gaussian central
 * noise, the round coordinator and the HTTP app. Used by main.ts, the tests and the bench.
 *
 * @example
 * const aggregator = createAggregator({ ...config, dbPath: ':memory:' });
 * const res = await aggregator.app.request('/v1/tasks');
 * aggregator.close();
 */
import type { Hono } from 'hono';
import type { RandomSource } from '../core/dp/random.js';
import type { ServerConfig } from './config.js';
import { createApp } from './http/app.js';
import { PreparedDiscreteGaussianNoise } from './privacy/central-noise.js';
import { RoundCoordinator, type CoordinatorEvent } from './rounds/coordinator.js';
import { SqliteStorage } from './storage/sqlite.js';
import { withCentralDp } from './strategies/dp.js';
import { createFedAvg } from './strategies/fedavg.js';
import { createHistogram } from './strategies/histogram.js';
import type { Strategy } from './strategies/strategy.js';
import { checkTasks, DEFAULT_TASKS, type TaskDefinition } from './tasks.js';

export interface Aggregator {
  readonly app: Hono;
  readonly coordinator: RoundCoordinator;
  readonly storage: SqliteStorage;
  close(): void;
}

export type AggregatorConfig = Omit<ServerConfig, 'host' | 'port' | 'seed' | 'staticDir'> & { readonly staticDir: string | null };

export interface AggregatorExtras {
  readonly tasks?: readonly TaskDefinition[];
  readonly clock?: () => number;
  readonly onEvent?: (event: CoordinatorEvent) => void;
  /** Deterministic tests only; production noise comes from crypto.getRandomValues. */
  readonly random?: RandomSource;
  /** Check deadlines on a timer (default true). */
  readonly timer?: boolean;
}

export function createAggregator(config: AggregatorConfig, extras: AggregatorExtras = {}): Aggregator {
  const tasks = checkTasks(extras.tasks ?? DEFAULT_TASKS);
  const storage = new SqliteStorage({ path: config.dbPath, durability: config.durability === 'power' ? 'power' : 'process' });
  const noise = new PreparedDiscreteGaussianNoise(extras.random);
  const strategyFor = (task: TaskDefinition): Strategy => {
    const inner = task.kind === 'histogram' ? createHistogram() : createFedAvg();
    if (task.kind === 'kmeans') throw new RangeError(`task ${task.task}: kind 'kmeans' is not implemented by this aggregator yet`);
    return config.centralNoiseMultiplier > 0 ? withCentralDp(inner, { noiseMultiplier: config.centralNoiseMultiplier, noise }) : inner;
  };
  let coordinator: RoundCoordinator;
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
      noise,
      ...(extras.clock === undefined ? {} : { clock: extras.clock }),
      ...(extras.onEvent === undefined ? {} : { onEvent: extras.onEvent }),
    });
    coordinator.start();
  } catch (error) {
    storage.close(); // a refused configuration must not leave the database open
    throw error;
  }
  if (extras.timer ?? true) coordinator.startTimer();
  const app = createApp({
    coordinator,
    allowedOrigins: config.allowedOrigins,
    adminToken: config.adminToken,
    staticDir: config.staticDir,
    crossOriginIsolation: config.crossOriginIsolation,
  });
  return {
    app,
    coordinator,
    storage,
    close() {
      coordinator.stopTimer();
      storage.close();
    },
  };
}
