/**
 * A real aggregator for a simulation run: server/aggregator.ts (SQLite in a temp folder, the
 * Hono app, the round coordinator with its DP strategy) served over real HTTP on 127.0.0.1 by
 * @hono/node-server, in this process. Devices talk to it only through fetch, like browsers.
 *
 * With `secure`, the two aggregators of secure aggregation instead: a helper
 * (server/secagg/create-helper.ts, its own SQLite file and HPKE key, its own port) and a leader
 * pointing at it over HTTP with a random peer token; devices upload INK2 to the leader and fetch
 * the helper's key from the helper, as browsers do. The leader calibrates each device's share of
 * the noise from the ε budget and `plannedRounds` (server/strategies/distributed-dp.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import { createAggregator, type AggregatorConfig } from '../server/aggregator.js';
import { createHelper } from '../server/secagg/create-helper.js';
import { createDefaultTasks, createMfTask, createSegmentsTask, type TaskDefinition } from '../server/tasks.js';
import { REPORT_TASKS } from '../core/models/daily-report.js';

export interface SimAggregatorOptions {
  /** Rows of the item models: the storefront catalogue's size. */
  readonly mfItems: number;
  /** Each row's public categories: the ALS factors start from them, as on a server whose catalogue lists them. */
  readonly itemCategories?: readonly (readonly string[])[];
  /**
   * 'als' (default: item-popularity + als-items, what ships), 'mf' (the FedAvg MF task alone) or
   * 'category-histogram' (the dashboard's DP histogram of top genres alone, as server/tasks.ts defines it)
   * or 'segments' (the owner's federated k-means alone, its ε planned over `segmentSchedules` releases)
   * or 'reports' (the fixed-schedule reports alone, 'daily-report' and 'monthly-report': one round per period, each task's own ε per period).
   */
  readonly model?: 'als' | 'mf' | 'category-histogram' | 'segments' | 'reports';
  /** 'segments': releases the task's ε is planned over (KmeansSettings.schedules); default 1. */
  readonly segmentSchedules?: number;
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
  /** Leader + helper with distributed noise over this many planned rounds (the local/central multipliers are then unused). */
  readonly secure?: { readonly plannedRounds: number };
}

export interface SimAggregator {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * What the simulator trains: the default item-popularity histogram and the ALS task that waits for
 * it (server/tasks.ts), with the device-side noise multiplier replaced; `model: 'mf'` gives the MF
 * task instead (kept for comparisons), with its knobs replaced; `model: 'category-histogram'` the
 * dashboard's histogram task.
 */
export function simulationTasks(options: SimAggregatorOptions): TaskDefinition[] {
  if (options.model === 'mf') {
    return [{
      ...createMfTask({ mfItems: options.mfItems }),
      localNoiseMultiplier: options.localNoiseMultiplier,
      ...(options.localSteps !== undefined ? { localSteps: options.localSteps } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
      ...(options.serverLearningRate !== undefined ? { serverLearningRate: options.serverLearningRate } : {}),
      ...(options.clipNorm !== undefined ? { clipNorm: options.clipNorm } : {}),
    }];
  }
  if (options.model === 'reports') {
    return createDefaultTasks({ mfItems: options.mfItems }).filter((t) => REPORT_TASKS.includes(t.task)).map((t) => ({ ...t, localNoiseMultiplier: options.localNoiseMultiplier }));
  }
  if (options.model === 'segments') {
    return [{ ...createSegmentsTask({ schedules: options.segmentSchedules ?? 1 }), localNoiseMultiplier: options.localNoiseMultiplier }];
  }
  if (options.model === 'category-histogram') {
    return createDefaultTasks({ mfItems: options.mfItems }).filter((t) => t.task === 'category-histogram').map((t) => ({ ...t, localNoiseMultiplier: options.localNoiseMultiplier }));
  }
  return createDefaultTasks({ mfItems: options.mfItems, itemCategories: options.itemCategories })
    .filter((t) => t.task === 'item-popularity' || t.task === 'als-items')
    .map((t) => ({
      ...t,
      localNoiseMultiplier: options.localNoiseMultiplier,
      ...(options.clipNorm !== undefined && t.kind === 'als' ? { clipNorm: options.clipNorm } : {}),
      // `--rounds N`: the ALS task's ρ planned over the rounds this run makes.
      ...(options.secure !== undefined && t.kind === 'als' ? { plannedRounds: options.secure.plannedRounds } : {}),
    }));
}

export async function startSimAggregator(options: SimAggregatorOptions): Promise<SimAggregator> {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-sim-agg-'));
  const tasks = simulationTasks(options);
  const servers: ReturnType<typeof serve>[] = [];
  const closers: (() => Promise<void>)[] = [];
  const listen = (fetch: (request: Request) => Response | Promise<Response>): Promise<number> =>
    new Promise<number>((resolve) => {
      servers.push(serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port)));
    });
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
  let role: AggregatorConfig['role'] = { kind: 'single' };
  if (options.secure !== undefined) {
    const peerToken = randomBytes(24).toString('base64url');
    const helper = await createHelper(
      { dbPath: join(dir, 'helper.sqlite'), allowedOrigins: [], minContributions: options.contributionsPerRound, maxContributions: options.contributionsPerRound, peerToken, rotateKey: false },
      { tasks },
    );
    closers.push(() => helper.close());
    const helperUrl = `http://127.0.0.1:${await listen(helper.app.fetch)}`;
    role = { kind: 'leader', helperUrl, helperPublicUrl: helperUrl, peerToken };
  }
  const aggregator = await createAggregator({ ...config, role, ...(options.secure ? { plannedRounds: options.secure.plannedRounds } : {}) }, {
    tasks,
    // What a run should not hide: a task stopped by its budget, a close the helper held up.
    onEvent: (e) => {
      if (e.kind === 'task_stopped' || e.kind === 'close_deferred' || e.kind === 'helper_unavailable') process.stderr.write(`[sim aggregator] ${JSON.stringify(e)}\n`);
    },
  });
  closers.unshift(() => aggregator.close());
  const port = await listen(aggregator.app.fetch);
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const close of closers) await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
