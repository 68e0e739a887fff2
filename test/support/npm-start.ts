/**
 * What `npm start` starts (server/start.ts: helper + leader, optionally seeded), on free ports and
 * a temp SQLite folder, for browser tests that need the real processes; and the two waits they use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** A port p with p + 1 free too (npm start puts the helper on the next port). */
export async function twoFreePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    if (port < 65535 && (await free(port + 1))) return port;
  }
}

/** Polls `probe` every 500 ms until it gives a value (a throw counts as not yet). */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export interface StartedServers {
  /** The leader's origin (storefront, dashboard, API); the helper is on the next port. */
  readonly origin: string;
  readonly port: number;
  /** Everything both processes (and a seeder) printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns server/start.ts on a fresh port pair and SQLite folder with `args` after npm start's own
 * (pass '--seed' and its flags), `env` added to the environment, and waits until both roles answer.
 */
export async function startNpmStart(options: { readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> } = {}): Promise<StartedServers> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inkling-start-'));
  const port = await twoFreePorts();
  const origin = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'start.ts'), '--port', String(port), '--db', join(dataDir, 'inkling.sqlite'), ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // start.ts stops both roles (and the leader its seeder) before it exits.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await until('npm start to answer on both ports', 60_000, async () => {
      const [leader, helper] = await Promise.all([fetch(`${origin}/v1/tasks`), fetch(`http://127.0.0.1:${port + 1}/v1/hpke-config`)]);
      return leader.ok && helper.ok ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${output.slice(-2000)}`);
  }
  return { origin, port, output: () => output, stop };
}
