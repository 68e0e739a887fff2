/**
 * One aggregator process, in the role --role says (server/config.ts): `single` (default) or
 * `leader` serve the storefront, the dashboard and the SDK, and with --seed run the simulator in
 * the background so the first visitor already gets a trained model; `helper` serves only the
 * helper API. `npm start` runs a helper and a leader together (./start.ts). Flags and
 * environment: server/config.ts. Stops cleanly on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createAggregator } from './aggregator.js';
import { ConfigError, parseConfig, type Role, type ServerConfig } from './config.js';
import { DEFAULT_HTTP_LIMITS, hardenServer, nodeServerOptions } from './http/node-server.js';
import { createHelper } from './secagg/create-helper.js';
import type { CoordinatorEvent } from './rounds/coordinator.js';
import { SchemaVersionError } from './storage/migrations.js';
import { describeStore } from './storage/store-location.js';
import { createDefaultTasks, MF_ITEMS, selectTasks, type TaskDefinition } from './tasks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function describe(event: CoordinatorEvent): string {
  switch (event.kind) {
    case 'round_opened':
      return `round ${event.roundId} opened on ${event.task} v${event.version}`;
    case 'round_closed':
      return `round ${event.roundId} closed: ${event.contributions} contributions → ${event.task} v${event.producedVersion}, ε = ${event.epsilon.toFixed(3)} (${event.ms.toFixed(1)} ms)`;
    case 'round_refused':
      return `round ${event.roundId} REFUSED: its decoded sum has ${event.coordinatesBeyond} coordinate(s) beyond ±${event.bound.toFixed(0)}, more than ${event.contributions} honest uploads can make (a share carried garbage); no model, ε = ${event.epsilon.toFixed(3)} charged`;
    case 'round_abandoned':
      return `round ${event.roundId} of ${event.task} closed unreleased: it was opened for uploads of ${event.storedLength} numbers and the task now takes ${event.length} (an upgrade changed its layout); its ${event.contributions} upload(s) stay stored, undecoded`;
    case 'round_extended':
      return `round ${event.roundId} below its minimum (${event.contributions}) at its deadline: extended`;
    case 'task_stopped':
      return `task ${event.task} stopped: ${event.message}`;
    case 'task_waiting':
      return `task ${event.task} waiting: ${event.message}`;
    case 'close_deferred':
      return `round ${event.roundId} is frozen, waiting for the helper's aggregate share (retrying): ${event.reason}`;
    case 'helper_unavailable':
      return `${event.uploads} upload(s) to ${event.roundId} answered 503: ${event.reason}`;
    default: {
      const unreachable: never = event;
      return JSON.stringify(unreachable);
    }
  }
}

/** The tasks this process runs: the defaults sized to the catalogue, as --tasks selects them (the same for a leader and its helper). */
function serverTasks(config: ServerConfig, catalogue: Catalogue | undefined): TaskDefinition[] {
  const all = createDefaultTasks({ ...catalogue, ...(config.segments === undefined ? {} : { segments: config.segments }), delta: config.delta });
  try {
    return selectTasks(all, config.tasks);
  } catch (error) {
    // A --tasks list this server cannot run is the operator's to fix: its message, no stack.
    throw error instanceof RangeError ? new ConfigError(error.message) : error;
  }
}

function startSimulator(url: string, adminToken: string): ChildProcess | null {
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

interface Catalogue {
  readonly mfItems: number;
  /** Present when some item lists categories: the ALS factors start from them (createAlsTask). */
  readonly itemCategories?: readonly (readonly string[])[];
}

/**
 * Rows of the item models = items of the storefront's public catalogue (dist/demo/catalog.json,
 * row i = items[i]), so the model the server averages is the one the shop's devices train; with
 * each item's public `categories`.
 */
function readCatalogue(staticDir: string): Catalogue | undefined {
  const path = join(staticDir, 'demo', 'catalog.json');
  if (!existsSync(path)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const items = typeof parsed === 'object' && parsed !== null ? (parsed as { items?: unknown }).items : undefined;
  if (!Array.isArray(items) || items.length < 2) return undefined;
  const itemCategories = items.map((item: unknown) => {
    const categories = typeof item === 'object' && item !== null ? (item as { categories?: unknown }).categories : undefined;
    return Array.isArray(categories) ? categories.filter((c): c is string => typeof c === 'string') : [];
  });
  return { mfItems: items.length, ...(itemCategories.some((c) => c.length > 0) ? { itemCategories } : {}) };
}

async function main(): Promise<void> {
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
  const role = config.role;
  switch (role.kind) {
    case 'helper':
      return runHelper(config, role);
    case 'single':
    case 'leader':
      return runAggregator(config, role);
    default: {
      const unreachable: never = role;
      throw new Error(`unknown role ${JSON.stringify(unreachable)}`);
    }
  }
}

async function runHelper(config: ServerConfig, role: Extract<Role, { kind: 'helper' }>): Promise<void> {
  const catalogue = readCatalogue(config.staticDir);
  const helper = await createHelper(
    { dbPath: config.dbPath, allowedOrigins: config.allowedOrigins, minContributions: config.minContributions, maxContributions: config.maxContributions, peerToken: role.peerToken, rotateKey: role.rotateKey },
    { tasks: serverTasks(config, catalogue) },
  );
  const limits = config.http ?? DEFAULT_HTTP_LIMITS;
  const server = serve({ fetch: helper.app.fetch, port: config.port, hostname: config.host, serverOptions: nodeServerOptions(limits) }, (info) => {
    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${info.port}`;
    console.log(`Inkling helper on ${base} (${describeStore(config.dbPath)}; HPKE key ids ${helper.service.keyIds().join(', ')}; mf-items ${catalogue?.mfItems ?? MF_ITEMS} items)`);
    console.log(`  keys   ${base}/v1/hpke-config   stats ${base}/v1/stats`);
  });
  hardenServer(server as Server, limits);
  const stop = (): void => {
    server.close();
    void helper.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function runAggregator(config: ServerConfig, role: Exclude<Role, { kind: 'helper' }>): Promise<void> {
  // Seeding posts quality reports; without a configured token, make a one-off one for this run.
  const adminToken = config.adminToken ?? (config.seed ? randomBytes(24).toString('base64url') : null);
  const catalogue = readCatalogue(config.staticDir);
  console.log(`[tasks] item models sized to ${catalogue?.mfItems ?? MF_ITEMS} items (${catalogue === undefined ? 'default; no catalog.json under --static-dir' : `${config.staticDir}/demo/catalog.json${catalogue.itemCategories === undefined ? '' : ', ALS factors started from its categories'}`})`);
  const aggregator = await createAggregator(
    { ...config, adminToken, role },
    {
      tasks: serverTasks(config, catalogue),
      // An empty round extended at its deadline is routine (every round-seconds per idle task): not logged.
      onEvent: (e) => {
        if (e.kind === 'round_extended' && e.contributions === 0) return;
        // A helper outage would otherwise print a line per tick and per upload batch.
        if ((e.kind === 'close_deferred' || e.kind === 'helper_unavailable') && !throttle(`${e.kind}:${e.roundId}`)) return;
        console.log(`[rounds] ${describe(e)}`);
      },
    },
  );
  let child: ChildProcess | null = null;
  const limits = config.http ?? DEFAULT_HTTP_LIMITS;
  const server = serve({ fetch: aggregator.app.fetch, port: config.port, hostname: config.host, serverOptions: nodeServerOptions(limits) }, (info) => {
    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${info.port}`;
    const built = existsSync(join(config.staticDir, 'demo'));
    console.log(`Inkling aggregator on ${base} (${describeStore(config.dbPath)}; ${role.kind === 'leader' ? `leader, helper ${role.helperUrl}` : 'single'})`);
    console.log(`  storefront  ${base}/${built ? '' : `   (not built: run npm run build; ${config.staticDir}/demo is missing)`}`);
    console.log(`  dashboard   ${base}/dashboard.html`);
    console.log(`  API         ${base}/v1/tasks  ${base}/v1/stats  ${base}/healthz`);
    if (config.seed && adminToken !== null) child = startSimulator(base, adminToken);
  });
  hardenServer(server as Server, limits);
  const stop = (): void => {
    child?.kill('SIGTERM');
    server.close();
    void aggregator.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const lastLogged = new Map<string, number>();
/** True at most once per 10 s per key. */
function throttle(key: string): boolean {
  const now = Date.now();
  if (now - (lastLogged.get(key) ?? -Infinity) < 10_000) return false;
  lastLogged.set(key, now);
  return true;
}

main().catch((error: unknown) => {
  // A store that cannot be opened (unreachable, or a newer schema) is the operator's to fix: its message, no stack.
  console.error(`inkling aggregator: could not start: ${error instanceof SchemaVersionError || error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
