/**
 * A real PostgreSQL server for tests, never a mock: Debian's `postgresql` (installed by .ci/run),
 * initialised into a fresh temp folder and started on a free loopback port, then stopped and its
 * folder removed. About 1 s to start. PostgreSQL refuses to run as root (CI runs as root), so
 * there initdb and the server run as the `postgres` system user the Debian package creates.
 *
 * fsync is off unless asked for (the load test asks): these tests kill the aggregator, never PostgreSQL or the machine, and a commit is
 * in the server's WAL (in the OS's page cache) before it is acknowledged either way; fsync would
 * only make every commit wait for the disk that two cores share with the rest of the suite.
 *
 * @example
 * const pg = await startTestPostgres();
 * const url = await pg.createDatabase('leader'); // postgres://postgres@127.0.0.1:PORT/leader
 * await pg.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../test/support/free-port.js';

export interface TestPostgres {
  /** The postmaster's process id (its backends are its children: the load test reads their CPU). */
  readonly pid: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The server binaries: $INKLING_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin. */
function binDir(): string {
  const configured = process.env['INKLING_PG_BIN'];
  if (configured !== undefined) return configured;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) {
    throw new Error(`PostgreSQL server binaries not found under ${root}/<version>/bin (or $INKLING_PG_BIN): install Debian's postgresql (apt-get install postgresql), as .ci/run does`);
  }
  return join(root, majors[0]!, 'bin');
}

/** As root: the uid/gid of the `postgres` user to run as; otherwise null (run as ourselves). */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (line === undefined) throw new Error("running as root, and there is no 'postgres' user to run PostgreSQL as (Debian's postgresql package creates it)");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}


export interface TestPostgresOptions {
  /** fsync on, as a production server runs (the load test's database bytes and commit costs); default off. */
  readonly fsync?: boolean;
}

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'inkling-pg-'));
  if (user !== null) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const ids = user ?? {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { ...ids, encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  const server: ChildProcess = spawn(join(bin, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    ...(options.fsync === true ? [] : ['-c', 'fsync=off', '-c', 'full_page_writes=off']),
  ], { ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  // If the test process dies without stop(), do not leave a server behind.
  const killOnExit = (): void => void server.kill('SIGKILL');
  process.once('exit', killOnExit);

  const base = `postgres://postgres@127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (server.exitCode === null && server.signalCode === null) {
      // SIGINT: PostgreSQL's fast shutdown (ends open sessions, then exits).
      await new Promise<void>((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGINT');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(`${base}/postgres`, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid: server.pid!,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new RangeError(`database name must match [a-z_][a-z0-9_]{0,62}; got ${JSON.stringify(name)}`);
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    stop,
  };
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited (${server.exitCode}): ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > until) throw new Error(`postgres did not accept connections within 20 s (${error instanceof Error ? error.message : String(error)}): ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
