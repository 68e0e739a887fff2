/**
 * Leader + helper in one process: the helper on a real loopback listener, the leader through
 * app.request, devices' uploads built by core's buildSharedUpload (what the SDK sends).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type StatsResponse, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { decodeAggregateShare, decodeSharedContribution, encodeSharedContribution, type LeaderStatsResponse } from '../../core/protocol/secure-aggregation.js';
import { parseHpkeConfigList, SEALED_SEED_BYTES } from '../../core/secagg/hpke.js';
import { createAggregator, type Aggregator } from '../aggregator.js';
import type { CoordinatorEvent } from '../rounds/coordinator.js';
import { TEST_CONFIG } from '../testkit.js';
import { exactHistogramTask, exactSum, fetchHelperKey, listenHelper, PEER_TOKEN, sharedDevice, type Device, type ListeningHelper } from './testkit.js';

const N = 6;
const tasks = [exactHistogramTask('bins', N)];
let helper: ListeningHelper | undefined;
let leader: Aggregator | undefined;

afterEach(async () => {
  await leader?.close();
  leader = undefined;
  await helper?.close();
  helper = undefined;
});

async function start(maxContributions = 5): Promise<{ helper: ListeningHelper; leader: Aggregator }> {
  helper = await listenHelper(tasks, { maxContributions });
  leader = await createAggregator(
    { ...TEST_CONFIG, maxContributions, role: { kind: 'leader', helperUrl: helper.url, helperPublicUrl: 'https://helper.example', peerToken: PEER_TOKEN } },
    { tasks, timer: false },
  );
  return { helper, leader };
}

async function descriptor(agg: Aggregator): Promise<TaskDescriptor> {
  const body = (await (await agg.app.request('/v1/tasks')).json()) as TasksResponse;
  return body.tasks.find((t) => t.task === 'bins')!;
}

function post(agg: Aggregator, roundId: string, body: Uint8Array<ArrayBuffer>): Promise<Response> {
  return Promise.resolve(agg.app.request(`/v1/rounds/${roundId}/contributions`, { method: 'POST', body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } }));
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

const update = (k: number): number[] => Array.from({ length: N }, (_, i) => ((i + k) % 3) * 20 - 20);

async function devices(d: TaskDescriptor, url: string, count: number): Promise<Device[]> {
  const key = await fetchHelperKey(url);
  return Promise.all(Array.from({ length: count }, (_, k) => sharedDevice(d, update(k), key)));
}

async function releasedSum(agg: Aggregator): Promise<number[]> {
  const stats: StatsResponse = await agg.coordinator.stats();
  const task = stats.tasks.find((t) => t.task === 'bins')!;
  return [...task.aggregates[task.aggregates.length - 1]!.values];
}

describe('the helper publishes its keys', () => {
  it('serves GET /v1/hpke-config with CORS for the shop and a short cache lifetime', async () => {
    const { helper } = await start();
    const res = await fetch(`${helper.url}/v1/hpke-config`, { headers: { origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const list = parseHpkeConfigList(await res.json());
    expect(list.configs.map((c) => c.id)).toEqual([1]);
    const other = await fetch(`${helper.url}/v1/hpke-config`, { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(403);
    // The newest key is published first; the older one still opens what was sealed to it.
    await helper.helper.service.rotateKey();
    const rotated = parseHpkeConfigList(await (await fetch(`${helper.url}/v1/hpke-config`)).json());
    expect(rotated.configs.map((c) => c.id)).toEqual([2, 1]);
  });
});

describe('a round through leader and helper', () => {
  it('advertises the helper and sizes the devices\' noise for the sum, with no central noise', async () => {
    const { leader } = await start();
    const d = await descriptor(leader);
    expect(d.secureAggregation).toEqual({ helper: 'https://helper.example' });
    expect(d.expectedBytes).toBe(32 + SEALED_SEED_BYTES + 4 * N);
    expect(d.localNoiseStddev).toBeGreaterThan(0);
  });

  it('releases exactly the sum of the devices\' vectors', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 4);
    const answers = await Promise.all(sent.map((s) => post(leader, d.roundId, s.body)));
    for (const res of answers) expect(await res.json()).toEqual({ accepted: true, duplicate: false });
    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    expect(await releasedSum(leader)).toEqual(exactSum(sent, N));
    const stats = (await (await leader.app.request('/v1/stats')).json()) as LeaderStatsResponse;
    expect(stats.helper).toMatchObject({ url: 'https://helper.example', reachable: true, keyIds: [1] });
    expect(stats.helper.rounds[0]).toMatchObject({ roundId: d.roundId, shares: 4, collected: 4 });
    expect(stats.tasks[0]!.rounds[0]!.epsilonAfter).toBeGreaterThan(0);
  });

  it('refuses a malformed sealed share (400 bad_sealed_share), stores it nowhere, and closes with the others', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 4);
    const bad = sent[3]!;
    const decoded = decodeSharedContribution(bad.body, N);
    if (!decoded.ok) throw new Error(decoded.message);
    const tampered = decoded.contribution.sealedSeed.slice();
    tampered[40]! ^= 1;
    const res = await post(leader, d.roundId, encodeSharedContribution({ ...decoded.contribution, sealedSeed: tampered }));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('bad_sealed_share');
    expect(error.message).toMatch(/does not open under key 1 .*HPKE AAD/);
    expect(await leader.storage.hasContribution(bad.id)).toBe(false);
    expect((await helper.helper.service.stats()).totals.shares).toBe(0);
    const good = sent.slice(0, 3);
    for (const s of good) expect((await post(leader, d.roundId, s.body)).status).toBe(202);
    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    expect(await releasedSum(leader)).toEqual(exactSum(good, N));
  });

  it('refuses to release a round whose decoded sum no honest uploads could make (one share of random bytes): no model, ρ charged, the next round opens on the same version', async () => {
    const events: CoordinatorEvent[] = [];
    helper = await listenHelper(tasks, { maxContributions: 5 });
    leader = await createAggregator(
      { ...TEST_CONFIG, maxContributions: 5, role: { kind: 'leader', helperUrl: helper.url, helperPublicUrl: 'https://helper.example', peerToken: PEER_TOKEN } },
      { tasks, timer: false, onEvent: (e) => events.push(e) },
    );
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 4);
    // The leader sees a share of uniform ring elements whatever the device sent: it cannot tell.
    const decoded = decodeSharedContribution(sent[3]!.body, N);
    if (!decoded.ok) throw new Error(decoded.message);
    const garbage = Uint32Array.from({ length: N }, (_, i) => (0x9e3779b9 * (i + 1)) >>> 0);
    const forged = encodeSharedContribution({ ...decoded.contribution, leaderShare: garbage });
    for (const body of [...sent.slice(0, 3).map((s) => s.body), forged]) expect((await post(leader, d.roundId, body)).status).toBe(202);

    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    const refused = events.find((e) => e.kind === 'round_refused');
    expect(refused).toMatchObject({ kind: 'round_refused', roundId: d.roundId, contributions: 4 });
    expect(refused?.kind === 'round_refused' && refused.coordinatesBeyond).toBeGreaterThan(0);
    const stats: StatsResponse = await leader.coordinator.stats();
    const bins = stats.tasks.find((t) => t.task === 'bins')!;
    expect(bins.aggregates).toEqual([]);
    expect(bins.rounds.find((r) => r.roundId === d.roundId)).toMatchObject({ outcome: 'expired', producedVersion: null });
    expect(bins.privacy.epsilonSpent).toBeGreaterThan(0);
    const next = await descriptor(leader);
    expect(next.roundId).not.toBe(d.roundId);
    expect(next.model.version).toBe(d.model.version);

    // Honest uploads to the next round release as before.
    const honest = await devices(next, helper.url, 3);
    for (const s of honest) expect((await post(leader, next.roundId, s.body)).status).toBe(202);
    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    expect(await releasedSum(leader)).toEqual(exactSum(honest, N));
  });

  it('refuses an upload naming a key the helper does not publish (400 unknown_key, naming the ids it accepts)', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const key = await fetchHelperKey(helper.url);
    const device = await sharedDevice(d, update(0), { ...key, id: 77 });
    const res = await post(leader, d.roundId, device.body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('unknown_key');
    expect(error.message).toMatch(/key id 77 .* accepts key ids 1/);
  });

  it('answers a replay 202 duplicate and counts it once; a closed round answers 409', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 3);
    for (const s of sent) expect((await post(leader, d.roundId, s.body)).status).toBe(202);
    expect(await (await post(leader, d.roundId, sent[0]!.body)).json()).toEqual({ accepted: true, duplicate: true });
    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    expect(await releasedSum(leader)).toEqual(exactSum(sent, N));
    // After the close: the replay is still "accepted once"; a new upload to the old round is refused.
    expect(await (await post(leader, d.roundId, sent[1]!.body)).json()).toEqual({ accepted: true, duplicate: true });
    const late = (await devices(d, helper.url, 1))[0]!;
    const res = await post(leader, d.roundId, late.body);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('round_closed');
  });
});

describe('the helper guards its aggregate share', () => {
  const peer = (url: string, path: string, body: unknown, token: string | null = PEER_TOKEN): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) } });

  it('refuses a collect over another id set once the round was collected (409 already_collected), and answers the same set again', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 3);
    for (const s of sent) expect((await post(leader, d.roundId, s.body)).status).toBe(202);
    const ids = sent.map((s) => Buffer.from(s.id).toString('hex'));
    const path = `/v1/helper/rounds/${d.roundId}/collect`;
    const first = await peer(helper.url, path, { ids, vectorLength: N });
    expect(first.status).toBe(200);
    const share = decodeAggregateShare(new Uint8Array(await first.arrayBuffer()), N);
    expect(share.contributions).toBe(3);
    const again = await peer(helper.url, path, { ids: [...ids].reverse(), vectorLength: N });
    expect(decodeAggregateShare(new Uint8Array(await again.arrayBuffer()), N).values).toEqual(share.values);
    const subset = await peer(helper.url, path, { ids: ids.slice(0, 2), vectorLength: N });
    expect(subset.status).toBe(409);
    expect((await errorOf(subset)).code).toBe('already_collected');
    // The leader's own close (the identical set) still gets the stored share: exact sum.
    expect(await leader.coordinator.closeRound('bins')).toBe(true);
    expect(await releasedSum(leader)).toEqual(exactSum(sent, N));
  });

  it('refuses a collect naming ids it does not hold, or fewer than the minimum (409 count_mismatch)', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const sent = await devices(d, helper.url, 2);
    for (const s of sent) expect((await post(leader, d.roundId, s.body)).status).toBe(202);
    const ids = sent.map((s) => Buffer.from(s.id).toString('hex'));
    const path = `/v1/helper/rounds/${d.roundId}/collect`;
    const missing = await peer(helper.url, path, { ids: [...ids, 'ab'.repeat(16)], vectorLength: N });
    expect(missing.status).toBe(409);
    expect(await errorOf(missing)).toMatchObject({ code: 'count_mismatch', message: expect.stringMatching(/1 of the 3 contributions named are not held/) });
    const tiny = await peer(helper.url, path, { ids: ids.slice(0, 1), vectorLength: N });
    expect(await errorOf(tiny)).toMatchObject({ code: 'count_mismatch', message: expect.stringMatching(/at least 2/) });
  });

  it('the leader does not freeze a round below its minimum', async () => {
    const { helper, leader } = await start();
    const d = await descriptor(leader);
    const [one] = await devices(d, helper.url, 1);
    expect((await post(leader, d.roundId, one!.body)).status).toBe(202);
    expect(await leader.coordinator.closeRound('bins')).toBe(false);
    expect((await leader.storage.getRound(d.roundId))?.frozenAt).toBeNull();
  });

  it('answers 401 without the peer token', async () => {
    const { helper } = await start();
    for (const token of [null, 'wrong-token-0123456789']) {
      const res = await peer(helper.url, '/v1/helper/rounds/r1/shares', { task: 'bins', modelVersion: 1, vectorLength: N, shares: [] }, token);
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('unauthorized');
    }
    expect((await peer(helper.url, '/v1/helper/rounds/r1/collect', { ids: [], vectorLength: N }, null)).status).toBe(401);
  });
});
