/**
 * `npm start` (after the build): the aggregator on SQLite, serving the storefront, the dashboard
 * and the SDK, and with --seed the simulator in the background so the first visitor already gets
 * a trained model. Flags and environment: server/config.ts. Stops cleanly on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createAggregator } from './aggregator.js';
import { ConfigError, parseConfig, type ServerConfig } from './config.js';
import type { CoordinatorEvent } from './rounds/coordinator.js';
import { createDefaultTasks, MF_ITEMS } from './tasks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function describe(event: CoordinatorEvent): string {
  switch (event.kind) {
    case 'round_opened':
      return `round ${event.roundId} opened on ${event.task} v${event.version}`;
    case 'round_closed':
      return `round ${event.roundId} closed: ${event.contributions} contributions → ${event.task} v${event.producedVersion}, ε = ${event.epsilon.toFixed(3)} (${event.ms.toFixed(1)} ms)`;
    case 'round_extended':
      return `round ${event.roundId} below its minimum (${event.contributions}) at its deadline: extended`;
    case 'task_stopped':
      return `task ${event.task} stopped: ${event.message}`;
    default: {
      const unreachable: never = event;
      return JSON.stringify(unreachable);
    }
  }
}

function startSimulator(config: ServerConfig, url: string, adminToken: string): ChildProcess | null {
  const simulator = join(root, 'sim', 'simulate.ts');
  if (!existsSync(simulator)) {
    console.log(`[seed] the simulator (${simulator}) is missing; the server runs without seeding`);
    return null;
  }
  console.log(`[seed] training the global model in the background: sim/simulate.ts --seed-server ${url}`);
  const child = spawn(process.execPath, ['--import=tsx', simulator, '--seed-server', url], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, INKLING_ADMIN_TOKEN: adminToken },
  });
  child.on('exit', (code, signal) => {
    console.log(code === 0 ? '[seed] done' : `[seed] the simulator exited (${signal ?? `code ${code}`}); the server keeps running`);
  });
  child.on('error', (error) => console.log(`[seed] could not start the simulator: ${error.message}`));
  return child;
}

/**
 * Rows of the MF model = items of the storefront's public catalogue (dist/demo/catalog.json,
 * row i = items[i]), so the model the server averages is the one the shop's devices train.
 */
function catalogueSize(staticDir: string): number | undefined {
  const path = join(staticDir, 'demo', 'catalog.json');
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const items = typeof parsed === 'object' && parsed !== null ? (parsed as { items?: unknown }).items : undefined;
  return Array.isArray(items) && items.length >= 2 ? items.length : undefined;
}

function main(): void {
  let config: ServerConfig;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`inkling aggregator: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  // Seeding posts quality reports; without a configured token, make a one-off one for this run.
  const adminToken = config.adminToken ?? (config.seed ? randomBytes(24).toString('base64url') : null);
  const mfItems = catalogueSize(config.staticDir);
  console.log(`[tasks] mf-items sized to ${mfItems ?? MF_ITEMS} items (${mfItems === undefined ? 'default; no catalog.json under --static-dir' : `${config.staticDir}/demo/catalog.json`})`);
  const aggregator = createAggregator(
    { ...config, adminToken },
    {
      tasks: createDefaultTasks(mfItems === undefined ? {} : { mfItems }),
      // An empty round extended at its deadline is routine (every round-seconds per idle task): not logged.
      onEvent: (e) => (e.kind === 'round_extended' && e.contributions === 0 ? undefined : console.log(`[rounds] ${describe(e)}`)),
    },
  );
  let child: ChildProcess | null = null;
  const server = serve({ fetch: aggregator.app.fetch, port: config.port, hostname: config.host }, (info) => {
    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${info.port}`;
    const built = existsSync(join(config.staticDir, 'demo'));
    console.log(`Inkling aggregator on ${base} (SQLite ${config.dbPath})`);
    console.log(`  storefront  ${base}/${built ? '' : `   (not built: run npm run build; ${config.staticDir}/demo is missing)`}`);
    console.log(`  dashboard   ${base}/dashboard.html`);
    console.log(`  API         ${base}/v1/tasks  ${base}/v1/stats  ${base}/healthz`);
    if (config.seed && adminToken !== null) child = startSimulator(config, base, adminToken);
  });
  const stop = (): void => {
    child?.kill('SIGTERM');
    server.close();
    aggregator.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
