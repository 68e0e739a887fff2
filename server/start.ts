/**
 * `npm start`: the two aggregators of secure aggregation on this machine. Starts the helper
 * (server/main.ts --role helper) on the next port with its own SQLite file beside the leader's
 * (with `--store postgres://…`, in the leader's database: the two roles' tables are distinct),
 * then the leader (--role leader) pointing at it, with a fresh random peer token shared through
 * the environment (not argv, which other users of the machine can read). The leader serves the
 * storefront, the dashboard and the SDK as a single aggregator did. Every flag is passed to both
 * (server/config.ts); Ctrl-C stops both; if either exits, the other is stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig, type ServerConfig } from './config.js';
import { storeKind } from './storage/store-location.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'server', 'main.ts');

function fail(message: string): never {
  console.error(`inkling start: ${message}`);
  process.exit(2);
}

function run(): void {
  const argv = process.argv.slice(2);
  let config: ServerConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  if (config.role.kind !== 'single') fail('npm start runs both roles itself; pass no --role (INKLING_ROLE), or start server/main.ts with --role yourself');
  const helperPort = config.port === 0 ? 0 : config.port + 1;
  const helperDb = config.dbPath === ':memory:' || storeKind(config.dbPath) === 'postgres' ? config.dbPath : join(dirname(config.dbPath), `${basename(config.dbPath, extname(config.dbPath))}-helper${extname(config.dbPath) || '.sqlite'}`);
  const env: NodeJS.ProcessEnv = { ...process.env, INKLING_PEER_TOKEN: randomBytes(24).toString('base64url') };
  delete env['INKLING_SEED'];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 500).unref();
  };
  const spawnRole = (args: readonly string[], label: string, onLine?: (line: string) => void): ChildProcess => {
    const child = spawn(process.execPath, ['--import=tsx', main, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      console.log(label === 'leader' ? line : `[${label}] ${line}`);
      onLine?.(line);
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`inkling start: the ${label} exited (${signal ?? `code ${code}`}); stopping`);
        stop(code ?? 1);
      }
    });
    return child;
  };

  // Later flags win (server/config.ts), so the role's own flags are appended after the user's.
  // The storefront the leader serves fetches the helper's keys cross-origin: allow its origin too.
  // A visitor may open it as 127.0.0.1 or as localhost: two origins to the browser.
  const hosts = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? ['127.0.0.1', 'localhost'] : [config.host];
  const storefronts = config.port === 0 ? [] : hosts.map((host) => `http://${host}:${config.port}`);
  const helperOrigins = [...new Set([...config.allowedOrigins, ...storefronts])];
  let leaderStarted = false;
  spawnRole([...argv, '--seed', 'false', '--role', 'helper', '--port', String(helperPort), '--store', helperDb, '--allowed-origins', helperOrigins.join(',')], 'helper', (line) => {
    const match = /^Inkling helper on (http:\/\/[\d.]+:\d+)/.exec(line);
    if (match === null || leaderStarted) return;
    leaderStarted = true;
    spawnRole([...argv, '--role', 'leader', '--helper', match[1]!], 'leader');
  });
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

run();
