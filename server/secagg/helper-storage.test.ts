/**
 * The helper's storage contract (./helper-storage.ts), run against SQLite and a real PostgreSQL
 * server (../storage/stores.testkit.ts), each test on a fresh store opened as the helper opens it.
 */
import { describe, expect, it } from 'vitest';
import { generateHpkeKeyPair } from '../../core/secagg/hpke.js';
import { openHelperStorage } from '../storage/open-storage.js';
import { pretendNewerSchema, STORE_KINDS, testStores } from '../storage/stores.testkit.js';
import { idSetHash, type HelperStorage } from './helper-storage.js';

const stores = testStores();

const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n : 0xee));
const seed = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (n * 31 + i * 7) & 0xff);
const META = { task: 'bins', vectorLength: 4, modelVersion: 1, now: 10 };

describe.each(STORE_KINDS)('helper storage on %s', (kind) => {
  const open = async (): Promise<{ storage: HelperStorage; location: string }> => {
    const location = await stores.fresh(kind);
    return { storage: await openHelperStorage(location), location };
  };

  it('keeps key pairs newest first; a taken id is refused, keeping the first key; dropped keys are gone', async () => {
    const { storage } = await open();
    const [k1, k2, k3, other1] = await Promise.all([generateHpkeKeyPair(1), generateHpkeKeyPair(2), generateHpkeKeyPair(3), generateHpkeKeyPair(1)]);
    expect(await storage.putKey(k1!, 100)).toBe(true);
    expect(await storage.putKey(k2!, 200)).toBe(true);
    expect(await storage.putKey(k3!, 200)).toBe(true); // same time: the later one is newer
    expect((await storage.keys()).map((k) => k.pair.config.id)).toEqual([3, 2, 1]);
    const first = (await storage.keys())[2]!;
    expect(Buffer.from(first.pair.privateKey).equals(Buffer.from(k1!.privateKey))).toBe(true);
    expect(first.pair.config).toEqual(k1!.config);
    // Two helper instances starting together both make key 1: the second is refused, the first stands.
    expect(await storage.putKey(other1!, 300)).toBe(false);
    expect((await storage.keys()).map((k) => [k.pair.config.id, k.createdAt])).toEqual([[3, 200], [2, 200], [1, 100]]);
    expect(Buffer.from((await storage.keys())[2]!.pair.privateKey).equals(Buffer.from(k1!.privateKey))).toBe(true);
    await storage.dropKey(2);
    expect((await storage.keys()).map((k) => k.pair.config.id)).toEqual([3, 1]);
    await storage.close();
  });

  it('stores a round\'s shares once each, refuses a batch that disagrees with the round, and one after the collect', async () => {
    const { storage } = await open();
    const first = await storage.addShares('r1', META, [{ id: id(1), seed: seed(1) }, { id: id(2), seed: seed(2) }]);
    expect(first).toEqual({ kind: 'stored', added: [true, true], shares: 2 });
    const again = await storage.addShares('r1', { ...META, now: 20 }, [{ id: id(2), seed: seed(9) }, { id: id(3), seed: seed(3) }]);
    expect(again).toEqual({ kind: 'stored', added: [false, true], shares: 3 });
    expect(await storage.addShares('r1', { ...META, modelVersion: 2 }, [{ id: id(4), seed: seed(4) }])).toEqual({
      kind: 'mismatch', message: 'round r1 holds shares of task bins v1 with 4 values; this batch says bins v2 with 4',
    });
    const seeds = await storage.seeds('r1', [id(2), id(9), id(1)]);
    expect(seeds.map((s) => (s === null ? null : Array.from(s)))).toEqual([Array.from(seed(2)), null, Array.from(seed(1))]);
    expect(await storage.getRound('r1')).toMatchObject({ roundId: 'r1', task: 'bins', vectorLength: 4, modelVersion: 1, shares: 3, collectedAt: null });

    const aggregate = Uint32Array.from([1, 2 ** 32 - 1, 0, 7]);
    const hash = idSetHash([id(1), id(2)]);
    expect(await storage.recordCollect('r1', hash, 2, aggregate, 50)).toEqual({ kind: 'recorded' });
    const second = await storage.recordCollect('r1', idSetHash([id(1)]), 1, Uint32Array.from([0, 0, 0, 0]), 60);
    expect(second.kind).toBe('already');
    const round = second.kind === 'already' ? second.round : undefined;
    expect(round).toMatchObject({ collectedAt: 50, collectedContributions: 2 });
    expect(Buffer.from(round!.idSetHash!).equals(Buffer.from(hash))).toBe(true);
    expect(Array.from(round!.aggregate!)).toEqual(Array.from(aggregate));
    // The seeds are dropped once the share is released; later shares are refused.
    expect(await storage.seeds('r1', [id(1)])).toEqual([null]);
    expect(await storage.addShares('r1', META, [{ id: id(5), seed: seed(5) }])).toEqual({ kind: 'collected' });
    await storage.close();
  });

  it('lists recent rounds newest first with totals', async () => {
    const { storage } = await open();
    await storage.addShares('a', { ...META, now: 1 }, [{ id: id(1), seed: seed(1) }]);
    await storage.addShares('b', { ...META, now: 2 }, [{ id: id(2), seed: seed(2) }, { id: id(3), seed: seed(3) }]);
    await storage.recordCollect('a', idSetHash([id(1)]), 1, Uint32Array.from([1, 1, 1, 1]), 5);
    expect((await storage.recentRounds(5)).map((r) => [r.roundId, r.shares, r.collectedContributions, r.aggregate])).toEqual([['b', 2, null, null], ['a', 1, 1, null]]);
    expect(await storage.totals()).toEqual({ shares: 3, roundsCollected: 1 });
    await storage.close();
  });

  it('refuses a schema newer than it knows, naming both versions', async () => {
    const { storage, location } = await open();
    await storage.close();
    await pretendNewerSchema(location, 'helper', 2);
    await expect(openHelperStorage(location)).rejects.toThrow(/helper schema in .* is version 2, newer than version 1/);
  });
});
