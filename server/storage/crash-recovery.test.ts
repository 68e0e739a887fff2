/**
 * kill -9 of a real server process while clients are posting, then a restart: the round's
 * durable sum must be exactly the contributions that got a 2xx, plus those whose request was in
 * flight at the kill and were committed (each in-flight one is then replayed: the server's
 * `duplicate` answer says whether it had been committed), none twice. On each store: a SQLite
 * file, and a database on a real PostgreSQL server (./stores.testkit.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { contributionBody, honestValues } from '../testkit.js';
import { openAggregatorStorage } from './open-storage.js';
import { STORE_KINDS, testStores } from './stores.testkit.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stores = testStores();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts server/main.ts on a free port; resolves with its base URL once it listens. */
function startServer(store: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [
    '--import=tsx', join(root, 'server', 'main.ts'),
    '--port', '0', '--store', store, '--min-contributions', '100000', '--max-contributions', '1000000',
    '--round-seconds', '3600', '--static-dir', join(stores.dir, 'no-static'),
  ], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /aggregator on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: match[1]! });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', () => reject(new Error(`server exited: ${out}`)));
  });
}

async function propensity(base: string): Promise<TaskDescriptor> {
  const tasks = ((await (await fetch(`${base}/v1/tasks`)).json()) as TasksResponse).tasks;
  return tasks.find((t) => t.task === 'propensity')!;
}

interface Sent {
  readonly values: Int32Array;
  readonly body: Uint8Array<ArrayBuffer>;
}

describe.each(STORE_KINDS)('crash recovery on %s (kill -9 of a real server process)', (kind) => {
  it('keeps exactly the acknowledged contributions, none twice', async () => {
    const store = await stores.fresh(kind);
    const first = await startServer(store);
    const task = await propensity(first.base);
    const accepted: Sent[] = [];
    const inFlight = new Set<Sent>();
    let killed = false;

    const client = async (): Promise<void> => {
      while (!killed) {
        const update = Array.from({ length: task.vectorLength }, (_, i) => ((i % 5) - 2) / 10);
        const values = honestValues(task, update);
        const sent: Sent = { values, body: contributionBody(task, values) };
        inFlight.add(sent);
        try {
          const res = await fetch(`${first.base}/v1/rounds/${task.roundId}/contributions`, {
            method: 'POST', body: sent.body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE },
          });
          if (res.status === 202) {
            const answer = (await res.json()) as { duplicate: boolean };
            expect(answer.duplicate).toBe(false);
            accepted.push(sent);
          } else throw new Error(`unexpected ${res.status}`);
          inFlight.delete(sent);
        } catch (error) {
          if (!killed) throw error;
          return; // the request died with the server: its fate is decided below
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    // Kill mid-stream, after a random-length burst (0.4–1.2 s).
    await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 800)));
    killed = true;
    first.child.kill('SIGKILL');
    await Promise.all(clients);
    expect(accepted.length).toBeGreaterThan(20);

    // The durable state, read back from the store the way a restarted server rebuilds it.
    const storage = await openAggregatorStorage(store, 'process');
    const { sum, contributions } = await storage.roundSum(task.roundId);
    await storage.close();

    // Restart the real server; replay each in-flight contribution to learn whether it was committed.
    const second = await startServer(store);
    const committedInFlight: Sent[] = [];
    for (const sent of inFlight) {
      const res = await fetch(`${second.base}/v1/rounds/${task.roundId}/contributions`, {
        method: 'POST', body: sent.body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE },
      });
      expect(res.status).toBe(202);
      if (((await res.json()) as { duplicate: boolean }).duplicate) committedInFlight.push(sent);
    }
    // And every acknowledged one is a duplicate now: accepted once.
    for (const sent of accepted.slice(0, 5)) {
      const res = await fetch(`${second.base}/v1/rounds/${task.roundId}/contributions`, {
        method: 'POST', body: sent.body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE },
      });
      expect(await res.json()).toEqual({ accepted: true, duplicate: true });
    }
    second.child.kill('SIGTERM');

    const expected = new Float64Array(task.vectorLength);
    for (const sent of [...accepted, ...committedInFlight]) sent.values.forEach((v, i) => (expected[i]! += v));
    expect(contributions).toBe(accepted.length + committedInFlight.length);
    expect(Array.from(sum)).toEqual(Array.from(expected));
  }, 60_000);
});
