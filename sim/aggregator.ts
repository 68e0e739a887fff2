/**
 * A real aggregator for a simulation run: server/aggregator.ts (SQLite in a temp folder, the
 * Hono app, the round coordinator with its DP strategy) served over real HTTP on 127.0.0.1 by
 * @hono/node-server, in this process. Devices talk to it only through fetch, like browsers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createAggregator, type AggregatorConfig } from '../server/aggregator.js';
import { createDefaultTasks, type TaskDefinition } from '../server/tasks.js';

export interface SimAggregatorOptions {
  /** Rows of the MF model: the storefront catalogue's size. */
  readonly mfItems: number;
  /** User-level ε budget over all rounds of each task. */
  readonly epsilonBudget: number;
  readonly delta: number;
  /** Central noise multiplier z; 0 = no central noise (the no-DP run). */
  readonly centralNoiseMultiplier: number;
  /** Device-side noise multiplier of the MF task (σ_l = multiplier × Δ); 0 = none. */
  readonly localNoiseMultiplier: number;
  /** Contributions per round: the round closes as soon as it has this many. */
  readonly contributionsPerRound: number;
  /** Local steps the MF task asks devices for. Default: the task's own. */
  readonly localSteps?: number;
  readonly learningRate?: number;
  readonly serverLearningRate?: number;
  readonly clipNorm?: number;
  readonly adminToken: string;
}

export interface SimAggregator {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  close(): Promise<void>;
}

/** The default tasks with the MF task's knobs replaced; only MF is trained by the simulator. */
export function simulationTasks(options: SimAggregatorOptions): TaskDefinition[] {
  return createDefaultTasks({ mfItems: options.mfItems }).filter((t) => t.task === 'mf-items').map((t) => ({
    ...t,
    localNoiseMultiplier: options.localNoiseMultiplier,
    ...(options.localSteps !== undefined ? { localSteps: options.localSteps } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.serverLearningRate !== undefined ? { serverLearningRate: options.serverLearningRate } : {}),
    ...(options.clipNorm !== undefined ? { clipNorm: options.clipNorm } : {}),
  }));
}

export async function startSimAggregator(options: SimAggregatorOptions): Promise<SimAggregator> {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-sim-agg-'));
  const config: AggregatorConfig = {
    dbPath: join(dir, 'aggregator.sqlite'),
    allowedOrigins: [],
    minContributions: options.contributionsPerRound,
    maxContributions: options.contributionsPerRound,
    // Rounds close when full; the deadline only matters if devices stop sending.
    roundSeconds: 3600,
    epsilonBudget: options.epsilonBudget,
    delta: options.delta,
    centralNoiseMultiplier: options.centralNoiseMultiplier,
    adminToken: options.adminToken,
    staticDir: null,
    crossOriginIsolation: false,
    durability: 'process',
  };
  const aggregator = createAggregator(config, { tasks: simulationTasks(options) });
  let server: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: aggregator.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      aggregator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
