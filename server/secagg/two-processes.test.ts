/**
 * Leader and helper as real processes (node --import tsx server/main.ts --role ...), each on its
 * own store: its own SQLite file, or its own database on a real PostgreSQL server
 * (../storage/stores.testkit.ts); devices' secret-shared uploads over HTTP. kill -9 of the helper mid-round, and
 * of the leader while its round waits for the helper's share: the released sum is exactly the sum
 * of the vectors that got a 202, none twice. The released histogram (category-histogram, grid
 * 0.01) is Σ values × 0.01, computed here the same way from the acknowledged vectors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type StatsResponse, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { openAggregatorStorage } from '../storage/open-storage.js';
import { STORE_KINDS, testStores } from '../storage/stores.testkit.js';
import { fetchHelperKey, PEER_TOKEN, sharedDevice, type Device } from './testkit.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stores = testStores();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const TASK = 'category-histogram';
const COMMON = ['--static-dir', join(stores.dir, 'no-static'), '--min-contributions', '3'];

/** Starts server/main.ts with `args`; resolves with its base URL once it logs that it listens. */
function startProcess(args: readonly string[], banner: RegExp): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import=tsx', join(root, 'server', 'main.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = banner.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: match[1]!, output: () => out });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', () => reject(new Error(`process exited: ${out}`)));
  });
}

const startHelper = (store: string, port = '0') =>
  startProcess(['--role', 'helper', '--port', port, '--store', store, '--peer-token', PEER_TOKEN, ...COMMON], /helper on (http:\/\/[\d.]+:\d+)/);
const startLeader = (store: string, helper: string, extra: readonly string[]) =>
  startProcess(['--role', 'leader', '--helper', helper, '--peer-token', PEER_TOKEN, '--port', '0', '--store', store, ...COMMON, ...extra], /aggregator on (http:\/\/[\d.]+:\d+)/);

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function histogram(base: string): Promise<TaskDescriptor> {
  const tasks = ((await (await fetch(`${base}/v1/tasks`)).json()) as TasksResponse).tasks;
  return tasks.find((t) => t.task === TASK)!;
}

const post = (base: string, roundId: string, device: Device): Promise<Response> =>
  fetch(`${base}/v1/rounds/${roundId}/contributions`, { method: 'POST', body: device.body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } });

const oneHot = (k: number): number[] => Array.from({ length: 19 }, (_, i) => (i === k % 19 ? 1 : 0));

/** Σ values × granularity, as the histogram strategy releases it. */
function released(devices: readonly Device[], n: number, granularity: number): number[] {
  const sum = new Float64Array(n);
  for (const d of devices) d.values.forEach((v, i) => (sum[i] = sum[i]! + v));
  return Array.from(sum, (v) => v * granularity);
}

async function waitForRelease(base: string, roundId: string, timeoutMs = 10_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await (await fetch(`${base}/v1/stats`)).json()) as StatsResponse;
    const found = stats.tasks.find((t) => t.task === TASK)!.aggregates.find((a) => a.roundId === roundId);
    if (found !== undefined) return [...found.values];
    if (Date.now() > until) throw new Error(`round ${roundId} was not released`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each(STORE_KINDS)('leader and helper as real processes, each on its own %s store', (kind) => {
  it('a helper killed mid-round: uploads meanwhile get 503; after its restart the sum is exactly the acknowledged vectors', async () => {
    const helperDb = await stores.fresh(kind);
    let helper = await startHelper(helperDb);
    const helperPort = new URL(helper.base).port;
    const leader = await startLeader(await stores.fresh(kind), helper.base, ['--max-contributions', '8', '--round-seconds', '3600']);
    const d = await histogram(leader.base);
    const key = await fetchHelperKey(helper.base);
    const make = (k: number): Promise<Device> => sharedDevice(d, oneHot(k), key);
    const accepted: Device[] = [];

    for (let k = 0; k < 4; k++) {
      const device = await make(k);
      expect((await post(leader.base, d.roundId, device)).status).toBe(202);
      accepted.push(device);
    }
    await kill9(helper.child);
    const during = await Promise.all([make(4), make(5)]);
    const outage = await Promise.all(during.map((device) => post(leader.base, d.roundId, device)));
    for (const res of outage) {
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('helper_unavailable');
    }
    helper = await startHelper(helperDb, helperPort);
    // The same bytes again (the device's retry), then new devices until the round is full (8).
    for (const device of [...during, await make(6), await make(7)]) {
      const res = await post(leader.base, d.roundId, device);
      expect(res.status).toBe(202);
      accepted.push(device);
    }
    expect(await waitForRelease(leader.base, d.roundId)).toEqual(released(accepted, d.vectorLength, d.granularity));
    leader.child.kill('SIGTERM');
    helper.child.kill('SIGTERM');
  }, 30_000);

  it('a leader killed while its frozen round waits for the helper, and a collect answered before the restart: still exact', async () => {
    const helperDb = await stores.fresh(kind);
    const leaderDb = await stores.fresh(kind);
    let helper = await startHelper(helperDb);
    const helperPort = new URL(helper.base).port;
    let leader = await startLeader(leaderDb, helper.base, ['--max-contributions', '100', '--round-seconds', '1']);
    const d = await histogram(leader.base);
    const key = await fetchHelperKey(helper.base);
    const accepted: Device[] = [];
    for (let k = 0; k < 3; k++) {
      const device = await sharedDevice(d, oneHot(k), key);
      expect((await post(leader.base, d.roundId, device)).status).toBe(202);
      accepted.push(device);
    }
    // The helper goes down; at the deadline the leader freezes the round and cannot collect.
    await kill9(helper.child);
    const until = Date.now() + 10_000;
    while (!/round .* is frozen, waiting for the helper/.test(leader.output())) {
      if (Date.now() > until) throw new Error(`the round was not frozen: ${leader.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const late = await post(leader.base, d.roundId, await sharedDevice(d, oneHot(9), key));
    expect(late.status).toBe(409);
    await kill9(leader.child);

    // The helper comes back, and a collect over the leader's committed ids is answered before the
    // leader restarts: as if the leader had crashed right after its collect was served.
    helper = await startHelper(helperDb, helperPort);
    const storage = await openAggregatorStorage(leaderDb, 'process');
    const ids = (await storage.roundContributionIds(d.roundId)).map((id) => Buffer.from(id).toString('hex'));
    expect((await storage.getRound(d.roundId))?.frozenAt).not.toBeNull();
    await storage.close();
    expect(ids.length).toBe(3);
    const collect = await fetch(`${helper.base}/v1/helper/rounds/${d.roundId}/collect`, {
      method: 'POST', body: JSON.stringify({ ids, vectorLength: d.vectorLength }), headers: { 'content-type': 'application/json', authorization: `Bearer ${PEER_TOKEN}` },
    });
    expect(collect.status).toBe(200);

    leader = await startLeader(leaderDb, helper.base, ['--max-contributions', '100', '--round-seconds', '1']);
    expect(await waitForRelease(leader.base, d.roundId)).toEqual(released(accepted, d.vectorLength, d.granularity));
    leader.child.kill('SIGTERM');
    helper.child.kill('SIGTERM');
  }, 30_000);
});
