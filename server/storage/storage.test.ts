/**
 * The storage contract (./storage.ts), run against every store the server can be given with
 * --store: a SQLite file and a real PostgreSQL server (./stores.testkit.ts), each test on a fresh
 * one, opened the way the server opens it (./open-storage.ts). SQLite-only behaviour (its vector
 * spool, files made before versioning) is in ./sqlite.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { openAggregatorStorage } from './open-storage.js';
import type { AggregatorStorage } from './storage.js';
import { pretendNewerSchema, STORE_KINDS, testStores } from './stores.testkit.js';

const stores = testStores();

const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n & 0xff : i === 1 ? n >> 8 : 7));

function openRound(storage: AggregatorStorage, roundId: string, length: number, task = 't'): Promise<void> {
  return storage.openRound({ roundId, task, baseVersion: 1, vectorLength: length, openedAt: 0, deadline: 1000, configJson: '{}' });
}

/** Deterministic vectors so the expected sum is computed independently of the storage. */
const vector = (k: number, length: number): Int32Array => Int32Array.from({ length }, (_, i) => ((k * 7919 + i * 104729) % 2001) - 1000);

function add(sum: Float64Array, values: Int32Array): void {
  values.forEach((v, i) => (sum[i] = sum[i]! + v));
}

describe.each(STORE_KINDS)('aggregator storage on %s', (kind) => {
  const open = async (location?: string): Promise<{ storage: AggregatorStorage; location: string }> => {
    const where = location ?? (await stores.fresh(kind));
    return { storage: await openAggregatorStorage(where, 'process'), location: where };
  };

  it('sums exactly, refuses duplicates and a full round, across folds and a reopen', async () => {
    const length = 33;
    let { storage, location } = await open();
    await openRound(storage, 'r1', length);
    const expected = new Float64Array(length);
    // 150 contributions cross the fold threshold (64) twice; then reopen and continue.
    for (let k = 0; k < 150; k++) {
      expect((await storage.acceptContribution('r1', id(k), vector(k, length), 1000)).kind).toBe('accepted');
      add(expected, vector(k, length));
    }
    expect(await storage.acceptContribution('r1', id(3), vector(999, length), 1000)).toEqual({ kind: 'duplicate' });
    await storage.close();
    ({ storage } = await open(location));
    expect(await storage.hasContribution(id(3))).toBe(true);
    expect(await storage.acceptContribution('r1', id(3), vector(3, length), 1000)).toEqual({ kind: 'duplicate' });
    for (let k = 150; k < 160; k++) {
      await storage.acceptContribution('r1', id(k), vector(k, length), 1000);
      add(expected, vector(k, length));
    }
    const { sum, contributions } = await storage.roundSum('r1');
    expect(contributions).toBe(160);
    expect(Array.from(sum)).toEqual(Array.from(expected));
    expect(await storage.acceptContribution('r1', id(500), vector(1, length), 160)).toEqual({ kind: 'full' });
    await storage.close();
  });

  it('keeps a real-size vector and its extremes bit-exact (written as binary parameters)', async () => {
    const { storage } = await open();
    const length = 44_000; // 176 KB, the size of the largest upload
    await openRound(storage, 'big', length);
    const a = Int32Array.from({ length }, (_, i) => (i % 2 === 0 ? 2 ** 31 - 1 : -(2 ** 31)) + (i % 7));
    const b = Int32Array.from({ length }, (_, i) => (i * 2654435761) | 0);
    await storage.acceptContributions([{ roundId: 'big', id: id(1), values: a, maxContributions: 10 }, { roundId: 'big', id: id(2), values: b, maxContributions: 10 }]);
    const expected = new Float64Array(length);
    add(expected, a);
    add(expected, b);
    expect(Array.from((await storage.roundSum('big')).sum)).toEqual(Array.from(expected));
    const blob = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff);
    await storage.putModel({ name: 'm', version: 1, blob, createdAt: 1 });
    expect(Buffer.from((await storage.getModelBlob('m', 1))!).equals(Buffer.from(blob))).toBe(true);
    await storage.close();
  });

  it('closes a round, its model and its release in one transaction, exactly once, and refuses contributions after', async () => {
    const { storage } = await open();
    await openRound(storage, 'r1', 2);
    await storage.acceptContribution('r1', id(1), Int32Array.from([1, 2]), 10);
    const closure = {
      roundId: 'r1', outcome: 'aggregated' as const, closedAt: 5, rho: 0.25, epsilonAfter: 4,
      producedModel: { name: 'm', version: 2, blob: Uint8Array.from([1, 2, 3]), createdAt: 5 }, releaseJson: '{"x":1}',
    };
    // Two closes at once (a tick and a full round, say): one wins, the other is refused by name.
    const results = await Promise.allSettled([storage.closeRound(closure), storage.closeRound({ ...closure, closedAt: 6 })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/round r1 is not open/);
    expect(await storage.getRound('r1')).toMatchObject({ outcome: 'aggregated', producedVersion: 2, rho: 0.25, contributions: 1 });
    expect(await storage.latestModelVersion('m')).toBe(2);
    expect(Array.from((await storage.getModelBlob('m', 2))!)).toEqual([1, 2, 3]);
    expect(await storage.rhoSpent('t')).toBe(0.25);
    expect(await storage.releases('t', 5)).toEqual([{ roundId: 'r1', json: '{"x":1}' }]);
    expect(await storage.closedRounds('t', 5)).toMatchObject([{ roundId: 'r1', closedAt: expect.any(Number) }]);
    expect(await storage.totals()).toEqual({ contributions: 1, roundsAggregated: 1 });
    expect(await storage.acceptContribution('r1', id(2), Int32Array.from([1, 2]), 10)).toEqual({ kind: 'not_open' });
    // A replay after the close is still a duplicate, not a refusal.
    expect(await storage.acceptContribution('r1', id(1), Int32Array.from([1, 2]), 10)).toEqual({ kind: 'duplicate' });
    // One open round per task, enforced by the schema.
    await openRound(storage, 'r2', 2);
    await expect(openRound(storage, 'r3', 2)).rejects.toThrow();
    expect((await storage.openRoundOf('t'))?.roundId).toBe('r2');
    // A round closed without a model (a refused sum) still counts its ρ: the leader saw the sum.
    await storage.acceptContribution('r2', id(3), Int32Array.from([1, 2]), 10);
    await storage.closeRound({ roundId: 'r2', outcome: 'expired', closedAt: 7, rho: 0.5, epsilonAfter: 5, producedModel: null, releaseJson: null });
    expect(await storage.getRound('r2')).toMatchObject({ outcome: 'expired', producedVersion: null, rho: 0.5 });
    expect(await storage.latestModelVersion('m')).toBe(2);
    expect(await storage.rhoSpent('t')).toBe(0.75);
    expect(await storage.totals()).toEqual({ contributions: 2, roundsAggregated: 1 });
    await storage.close();
  });

  it('accepts a batch in one transaction with per-item outcomes: duplicates within it, then full', async () => {
    const { storage } = await open();
    await openRound(storage, 'r1', 2);
    const item = (k: number, idOf = k) => ({ roundId: 'r1', id: id(idOf), values: Int32Array.from([k, -k]), maxContributions: 3 });
    const outcomes = await storage.acceptContributions([item(1), item(2), item(9, 1), item(3), item(4), { ...item(5), roundId: 'nope' }]);
    expect(outcomes).toEqual([
      { kind: 'accepted', contributions: 1 }, { kind: 'accepted', contributions: 2 }, { kind: 'duplicate' },
      { kind: 'accepted', contributions: 3 }, { kind: 'full' }, { kind: 'not_open' },
    ]);
    const { sum, contributions } = await storage.roundSum('r1');
    expect(contributions).toBe(3);
    expect(Array.from(sum)).toEqual([6, -6]);
    await storage.close();
  });

  it('counts an id once when batches carrying it commit at the same time', async () => {
    const { storage } = await open();
    await openRound(storage, 'r1', 3);
    const batch = (ks: number[]) => ks.map((k) => ({ roundId: 'r1', id: id(k), values: Int32Array.from([k, 1, -1]), maxContributions: 1000 }));
    const [a, b] = await Promise.all([storage.acceptContributions(batch([1, 2, 3, 4])), storage.acceptContributions(batch([3, 4, 5, 6]))]);
    const accepted = [...a!, ...b!].filter((o) => o.kind === 'accepted').length;
    expect(accepted).toBe(6);
    const { sum, contributions } = await storage.roundSum('r1');
    expect(contributions).toBe(6);
    expect(Array.from(sum)).toEqual([21, 6, -6]);
    await storage.close();
  });

  it('a frozen round accepts nothing, and its ids are exactly the accepted set', async () => {
    const { storage, location } = await open();
    await openRound(storage, 'r1', 2);
    for (const k of [5, 1, 3]) await storage.acceptContribution('r1', id(k), Int32Array.from([k, k]), 10);
    await storage.freezeRound('r1', 100);
    await storage.freezeRound('r1', 200); // idempotent: the first time stays
    expect(await storage.acceptContribution('r1', id(7), Int32Array.from([7, 7]), 10)).toEqual({ kind: 'not_open' });
    expect(await storage.acceptContribution('r1', id(5), Int32Array.from([5, 5]), 10)).toEqual({ kind: 'duplicate' });
    await storage.close();
    const { storage: reopened } = await open(location);
    expect((await reopened.getRound('r1'))?.frozenAt).toBe(100);
    const ids = (await reopened.roundContributionIds('r1')).map((x) => x[0]);
    expect(ids.sort()).toEqual([1, 3, 5]);
    expect((await reopened.roundSum('r1')).sum).toEqual(Float64Array.from([9, 9]));
    await reopened.close();
  });

  it('opens and commits with --durability power (its connection settings are accepted)', async () => {
    const storage = await openAggregatorStorage(await stores.fresh(kind), 'power');
    await openRound(storage, 'r1', 2);
    expect(await storage.acceptContribution('r1', id(1), Int32Array.from([1, 2]), 10)).toEqual({ kind: 'accepted', contributions: 1 });
    await storage.close();
  });

  it('sums ρ of the rounds that accepted at some time in a span (a periodic task\'s renewing budget)', async () => {
    const { storage } = await open();
    // Rounds of 't' accepting over [0, 100), [100, 250) (closed at its deadline 250 + a tick), [250, 300)
    // (closed full at 300, before its deadline 400); one of another task; one expired.
    const rounds: [string, string, number, number, number, 'aggregated' | 'expired', number | null][] = [
      ['a', 't', 0, 100, 100, 'aggregated', 0.5],
      ['b', 't', 100, 250, 251, 'aggregated', 0.25],
      ['c', 't', 250, 400, 300, 'aggregated', 0.125],
      ['x', 'other', 0, 400, 400, 'aggregated', 4],
      ['e', 't', 400, 500, 500, 'expired', null],
    ];
    for (const [roundId, task, openedAt, deadline, closedAt, outcome, rho] of rounds) {
      await storage.openRound({ roundId, task, baseVersion: 1, vectorLength: 1, openedAt, deadline, configJson: '{}' });
      await storage.closeRound({ roundId, outcome, closedAt, producedModel: null, rho, epsilonAfter: null, releaseJson: null });
    }
    // [start, end) against [openedAt, min(closedAt, deadline)): 'a' is not in [100, …), 'b' (closed a tick after its deadline) not in [250, …).
    expect(await storage.rhoSpentBetween('t', 0, 100)).toBe(0.5);
    expect(await storage.rhoSpentBetween('t', 0, 101)).toBe(0.75);
    expect(await storage.rhoSpentBetween('t', 100, 250)).toBe(0.25);
    expect(await storage.rhoSpentBetween('t', 99, 251)).toBe(0.875);
    expect(await storage.rhoSpentBetween('t', 250, 1000)).toBe(0.125);
    expect(await storage.rhoSpentBetween('t', 300, 1000)).toBe(0);
    expect(await storage.rhoSpentBetween('t', -1000, 1000)).toBe(await storage.rhoSpent('t'));
    expect(await storage.rhoSpentBetween('other', 200, 201)).toBe(4);
    await storage.close();
  });

  it('records quality reports in order', async () => {
    const { storage } = await open();
    await storage.addQuality({ task: 't', version: 2, metric: 'hr@10', series: 'federated', value: 0.25, at: 10 });
    await storage.addQuality({ task: 't', version: 1, metric: 'hr@10', series: 'baseline', value: 0.125, at: 5 });
    await storage.addQuality({ task: 'other', version: 1, metric: 'x', series: 'federated', value: 1, at: 1 });
    expect((await storage.quality('t')).map((q) => [q.version, q.series, q.value, q.at])).toEqual([[1, 'baseline', 0.125, 5], [2, 'federated', 0.25, 10]]);
    await storage.close();
  });

  it('keeps a secure round\'s sum digest with its close (null for other rounds)', async () => {
    const { storage } = await open();
    const digest = 'ab'.repeat(32);
    for (const [roundId, sumDigest] of [['s', digest], ['p', undefined]] as const) {
      await storage.openRound({ roundId, task: roundId, baseVersion: 1, vectorLength: 1, openedAt: 0, deadline: 9, configJson: '{}' });
      await storage.closeRound({ roundId, outcome: 'aggregated', closedAt: 5, producedModel: null, rho: null, epsilonAfter: null, releaseJson: null, ...(sumDigest === undefined ? {} : { sumDigest }) });
    }
    expect((await storage.getRound('s'))?.sumDigest).toBe(digest);
    expect((await storage.getRound('p'))?.sumDigest).toBeNull();
    await storage.close();
  });

  it('runs round changes under a per-task lock: busy while another instance on the same database holds it', async () => {
    const { storage, location } = await open();
    if (kind === 'sqlite') {
      // One process per file: nothing to exclude, the work always runs.
      expect(await storage.withRoundLock('t', async () => 1)).toEqual({ kind: 'ran', value: 1 });
      await storage.close();
      return;
    }
    const other = await openAggregatorStorage(location, 'process');
    let release!: () => void;
    const held = storage.withRoundLock('t', () => new Promise<string>((resolve) => (release = () => resolve('first'))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await other.withRoundLock('t', async () => 'second')).toEqual({ kind: 'busy' });
    expect(await other.withRoundLock('another task', async () => 'free')).toEqual({ kind: 'ran', value: 'free' });
    release();
    expect(await held).toEqual({ kind: 'ran', value: 'first' });
    expect(await other.withRoundLock('t', async () => 'second')).toEqual({ kind: 'ran', value: 'second' });
    // A failing change releases the lock too.
    await expect(storage.withRoundLock('t', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await other.withRoundLock('t', async () => 'after')).toEqual({ kind: 'ran', value: 'after' });
    await other.close();
    await storage.close();
  });

  it('migrates on open, and refuses a schema newer than it knows, naming both versions', async () => {
    const { storage, location } = await open();
    await storage.close();
    await pretendNewerSchema(location, 'aggregator', 7);
    await expect(openAggregatorStorage(location, 'process')).rejects.toThrow(/aggregator schema in .* is version 7, newer than version 2, the newest this server knows/);
  });
});
