/**
 * Several instances of each role on one real PostgreSQL server (started by the test): three
 * leaders sharing one database and two helpers sharing another, as behind a load balancer. Each
 * instance is a full aggregator in this process with its own pool and lock connection; nothing
 * passes between them except through the databases. What must hold (issue 13): helpers starting
 * together publish one key; leaders starting together open one round; a contribution accepted by
 * one leader is a duplicate at the others; one instance closes a round, and every instance serves
 * the new model version at once; the released sum is exactly the sum of the accepted uploads
 * (its published SHA-256 too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../aggregator.js';
import { exactHistogramTask, exactSum, fetchHelperKey, listenHelper, PEER_TOKEN, sharedDevice, type Device, type ListeningHelper } from '../secagg/testkit.js';
import { testStores } from '../storage/stores.testkit.js';
import { TEST_CONFIG } from '../testkit.js';
import type { CoordinatorEvent } from './coordinator.js';
import { sumDigest } from './sum-digest.js';

const N = 8;
const TASK = 'bins';
const tasks = [exactHistogramTask(TASK, N)];
const MAX = 12;
const stores = testStores();

let helpers: ListeningHelper[] = [];
let leaders: Aggregator[] = [];
const events: CoordinatorEvent[] = [];

beforeAll(async () => {
  const [leaderDb, helperDb] = [await stores.fresh('postgres'), await stores.fresh('postgres')];
  helpers = await Promise.all([0, 1].map(() => listenHelper(tasks, { dbPath: helperDb, maxContributions: MAX })));
  leaders = await Promise.all([0, 1, 2].map((i) => createAggregator(
    {
      ...TEST_CONFIG,
      dbPath: leaderDb,
      maxContributions: MAX,
      // Leaders 0 and 2 reach helper instance 0, leader 1 instance 1.
      role: { kind: 'leader', helperUrl: helpers[i % 2]!.url, helperPublicUrl: 'https://helper.example', peerToken: PEER_TOKEN },
    },
    { tasks, timer: false, onEvent: (e) => events.push(e) },
  )));
}, 60_000);

afterAll(async () => {
  await Promise.all(leaders.map((l) => l.close()));
  await Promise.all(helpers.map((h) => h.close()));
});

async function descriptor(agg: Aggregator): Promise<TaskDescriptor | undefined> {
  const body = (await (await agg.app.request('/v1/tasks')).json()) as TasksResponse;
  return body.tasks.find((t) => t.task === TASK);
}

function post(agg: Aggregator, roundId: string, body: Uint8Array<ArrayBuffer>): Promise<Response> {
  return Promise.resolve(agg.app.request(`/v1/rounds/${roundId}/contributions`, { method: 'POST', body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } }));
}

const update = (k: number): number[] => Array.from({ length: N }, (_, i) => ((i * 7 + k) % 5) * 10 - 20);

describe('three leaders and two helpers on one PostgreSQL server', () => {
  it('publish one helper key and one open round, whichever instance is asked', async () => {
    const keys = await Promise.all(helpers.map((h) => fetchHelperKey(h.url)));
    expect(keys[1]).toEqual(keys[0]);
    const rounds = await Promise.all(leaders.map(descriptor));
    expect(new Set(rounds.map((d) => d?.roundId)).size).toBe(1);
    expect(events.filter((e) => e.kind === 'round_opened')).toHaveLength(1);
  });

  it('count each upload once across instances, close the round once, and serve the new version everywhere at once', async () => {
    const d = (await descriptor(leaders[0]!))!;
    const key = await fetchHelperKey(helpers[1]!.url);
    const devices: Device[] = await Promise.all(Array.from({ length: MAX }, (_, k) => sharedDevice(d, update(k), key)));
    // Each upload goes to one leader and, concurrently, its replay to the next (a device retrying
    // through the balancer after a lost answer): one is stored, the other is a duplicate.
    const answers = await Promise.all(devices.flatMap((device, k) => [
      post(leaders[k % 3]!, d.roundId, device.body).then(async (r) => ({ status: r.status, body: await r.json() as { duplicate?: boolean } })),
      post(leaders[(k + 1) % 3]!, d.roundId, device.body).then(async (r) => ({ status: r.status, body: await r.json() as { duplicate?: boolean } })),
    ]));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(MAX);

    // The commit that filled the round asked for the close; the others find the task locked or the round gone.
    await Promise.all(leaders.map((l) => l.coordinator.closeRound(TASK)));
    await Promise.all(leaders.map((l) => l.coordinator.tick()));
    const closed = events.filter((e) => e.kind === 'round_closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ roundId: d.roundId, contributions: MAX, producedVersion: 2 });

    const next = await Promise.all(leaders.map(descriptor));
    for (const n of next) expect(n).toMatchObject({ model: { version: 2 } });
    expect(new Set(next.map((n) => n!.roundId)).size).toBe(1);
    expect(next[0]!.roundId).not.toBe(d.roundId);

    const expected = exactSum(devices, N);
    for (const leader of leaders) {
      const stats = (await leader.coordinator.stats()).tasks.find((t) => t.task === TASK)!;
      expect(stats.aggregates.at(-1)!.values).toEqual(expected);
      const round = stats.rounds.find((r) => r.roundId === d.roundId)!;
      expect(round.contributions).toBe(MAX);
      expect(round.sumSha256).toBe(sumDigest(Float64Array.from(expected)));
    }
  });

  it('let one instance close a round at its deadline while the others find it locked or closed', async () => {
    const d = (await descriptor(leaders[1]!))!;
    const key = await fetchHelperKey(helpers[0]!.url);
    const devices = await Promise.all([0, 1, 2].map((k) => sharedDevice(d, update(k), key)));
    for (const [k, device] of devices.entries()) expect((await post(leaders[k]!, d.roundId, device.body)).status).toBe(202);
    const before = events.filter((e) => e.kind === 'round_closed').length;
    // Below the maximum: every instance asks to close together, as their deadline timers would.
    const results = await Promise.all(leaders.map((l) => l.coordinator.closeRound(TASK)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'round_closed')).toHaveLength(before + 1);
    expect((await descriptor(leaders[2]!))).toMatchObject({ model: { version: 3 } });
  });

  it('open the next round when the instance that closed the last one died before opening it', async () => {
    const d = (await descriptor(leaders[0]!))!;
    const key = await fetchHelperKey(helpers[0]!.url);
    for (const k of [0, 1]) expect((await post(leaders[k]!, d.roundId, (await sharedDevice(d, update(k), key)).body)).status).toBe(202);
    // What a close leaves in the store when its process is killed right after the close's transaction.
    await leaders[0]!.storage.freezeRound(d.roundId, Date.now());
    await leaders[0]!.storage.closeRound({ roundId: d.roundId, outcome: 'expired', closedAt: Date.now(), producedModel: null, rho: null, epsilonAfter: null, releaseJson: null });
    expect(await descriptor(leaders[1]!)).toBeUndefined();
    await leaders[1]!.coordinator.tick();
    const next = await descriptor(leaders[2]!);
    expect(next).toBeDefined();
    expect(next!.roundId).not.toBe(d.roundId);
  });
});
