import { describe, expect, it } from 'vitest';
import { createSeededRandomSourceForTestsOnly, secureRandom } from '../dp/random.js';
import { decodeAggregateShare, decodeSharedContribution, encodeAggregateShare, parseHelperShareBatch, sharedContributionByteLength } from '../protocol/secure-aggregation.js';
import { createHpkeOpener, generateHpkeKeyPair, parseHpkeConfigList, SEALED_SEED_BYTES } from './hpke.js';
import { expandSeed } from './prg.js';
import { addInto, centered, checkNoWrap, combineShares, coordinatesBeyond, honestCoordinateBound, honestSumBound, reduceSum } from './ring.js';
import { buildSharedUpload, helperShareOf, openHelperSeed } from './upload.js';

const random = createSeededRandomSourceForTestsOnly(7);

function vector(n: number, scale: number): Int32Array {
  const v = new Int32Array(n);
  for (let i = 0; i < n; i++) v[i] = ((i * 7919) % (2 * scale + 1)) - scale;
  return v;
}

describe('ring Z_2^32', () => {
  it('reads sums back as signed values, across the wrap', () => {
    expect(centered(2 ** 32 - 5)).toBe(-5);
    expect(centered(-(2 ** 33) + 7)).toBe(7);
    expect(centered(2 ** 31 - 1)).toBe(2 ** 31 - 1);
    expect(centered(2 ** 31)).toBe(-(2 ** 31));
  });

  it('refuses a task whose honest sums could wrap, naming it', () => {
    const bound = honestCoordinateBound(1, 1e-4, 500, 43_996);
    expect(() => checkNoWrap(1000, bound, 'task mf-items')).not.toThrow();
    expect(() => checkNoWrap(1_000_000, bound, 'task mf-items')).toThrow(/task mf-items: maxContributions 1000000/);
  });
});

describe('the honest range of a decoded sum', () => {
  it('holds n honest uploads at the extremes of the grid and noise; one upload of random bytes leaves it on nearly every coordinate', () => {
    // C = 1, g = 1e−3: a signal coordinate is at most 1001; σ = 40 per device; 500 devices, d = 2,000.
    const [n, d, sigma] = [500, 2000, 40];
    const bound = honestSumBound(n, 1, 1e-3, sigma, d);
    expect(bound).toBeCloseTo(n * 1001 + sigma * Math.sqrt(n) * Math.sqrt(2 * Math.log((2 * d) / 1e-12)), 6);
    // Every device at +1001 on every coordinate plus 6σ of summed noise: still inside.
    const extreme = new Float64Array(d).fill(n * 1001 + 6 * sigma * Math.sqrt(n));
    expect(coordinatesBeyond(extreme, bound)).toBe(0);
    // One device's share replaced by uniform ring elements (2,000 coordinates, seeded): the sum is uniform.
    const garbage = new Uint32Array(d);
    random.fillBytes(new Uint8Array(garbage.buffer));
    const sum = combineShares(reduceSum(new Float64Array(d)), garbage);
    // P(|uniform| ≤ bound) = 2·bound / 2^32 ≈ 2.3e−4 per coordinate.
    expect(coordinatesBeyond(sum, bound)).toBeGreaterThan(d - 10);
    expect(() => honestSumBound(0, 1, 1e-3, sigma, d)).toThrow(/contributions must be a positive integer/);
  });
});

describe('PRG', () => {
  it('is deterministic per seed, differs across seeds, and is the same over chunk boundaries', async () => {
    const seed = new Uint8Array(16).fill(3);
    const a = await expandSeed(seed, 300_000);
    const b = await expandSeed(seed, 300_000);
    expect(a).toEqual(b);
    expect(await expandSeed(seed, 10)).toEqual(a.subarray(0, 10));
    expect(await expandSeed(new Uint8Array(16).fill(4), 10)).not.toEqual(a.subarray(0, 10));
  });

  it('refuses a seed of the wrong size', async () => {
    await expect(expandSeed(new Uint8Array(15), 4)).rejects.toThrow(/seed must be 16 bytes/);
  });
});

describe('shared upload → leader and helper sums', () => {
  it('the two aggregate shares add up to the exact sum of the devices\' vectors', async () => {
    const pair = await generateHpkeKeyPair(1);
    const opener = await createHpkeOpener(pair);
    const n = 997;
    const roundId = 'mf-items-v3-abc';
    const leaderSum = new Float64Array(n);
    const helperSum = new Float64Array(n);
    const truth = new Float64Array(n);
    for (let device = 0; device < 20; device++) {
      const values = vector(n, 30_000 + device);
      addInto(truth, values);
      const id = new Uint8Array(16).fill(device);
      const body = await buildSharedUpload({ values, id, modelVersion: 3, roundId, helperKey: pair.config, random: secureRandom() });
      expect(body.length).toBe(sharedContributionByteLength(n, SEALED_SEED_BYTES));
      const decoded = decodeSharedContribution(body, n);
      if (!decoded.ok) throw new Error(decoded.message);
      const c = decoded.contribution;
      addInto(leaderSum, c.leaderShare);
      const seed = await openHelperSeed(opener, { id: c.id, modelVersion: 3, vectorLength: n, keyId: c.keyId, roundId, sealed: c.sealedSeed });
      expect(seed).not.toBeNull();
      addInto(helperSum, await helperShareOf(seed!, n));
    }
    const helper = decodeAggregateShare(encodeAggregateShare({ contributions: 20, values: reduceSum(helperSum) }), n);
    expect(Array.from(combineShares(reduceSum(leaderSum), helper.values))).toEqual(Array.from(truth));
  });

  it('a sealed seed opens only for its own id, round, version, length and key', async () => {
    const pair = await generateHpkeKeyPair(9);
    const opener = await createHpkeOpener(pair);
    const id = new Uint8Array(16).fill(1);
    const body = await buildSharedUpload({ values: vector(64, 100), id, modelVersion: 2, roundId: 'r1', helperKey: pair.config, random });
    const decoded = decodeSharedContribution(body);
    if (!decoded.ok) throw new Error(decoded.message);
    const fields = { id, modelVersion: 2, vectorLength: 64, keyId: 9, roundId: 'r1', sealed: decoded.contribution.sealedSeed };
    expect(await openHelperSeed(opener, fields)).not.toBeNull();
    expect(await openHelperSeed(opener, { ...fields, roundId: 'r2' })).toBeNull();
    expect(await openHelperSeed(opener, { ...fields, id: new Uint8Array(16).fill(2) })).toBeNull();
    expect(await openHelperSeed(opener, { ...fields, modelVersion: 3 })).toBeNull();
    expect(await openHelperSeed(opener, { ...fields, vectorLength: 65 })).toBeNull();
    expect(await openHelperSeed(opener, { ...fields, keyId: 8 })).toBeNull();
    const tampered = fields.sealed.slice();
    tampered[40]! ^= 1;
    expect(await openHelperSeed(opener, { ...fields, sealed: tampered })).toBeNull();
    expect(await openHelperSeed(opener, { ...fields, sealed: tampered.subarray(0, 40) })).toBeNull();
    const other = await createHpkeOpener({ ...(await generateHpkeKeyPair(9)) });
    expect(await openHelperSeed(other, fields)).toBeNull();
  });
});

describe('validation of what crosses the wire', () => {
  it('a helper key list must be well formed, naming the field', async () => {
    const { config } = await generateHpkeKeyPair(4);
    expect(parseHpkeConfigList({ configs: [config] }).configs[0]).toEqual(config);
    expect(() => parseHpkeConfigList({})).toThrow(/hpke-config.configs must be an array/);
    expect(() => parseHpkeConfigList({ configs: [{ ...config, id: 256 }] })).toThrow(/configs\[0\]\.id must be an integer in \[0, 255\]/);
    expect(() => parseHpkeConfigList({ configs: [{ ...config, kemId: 0x10 }] })).toThrow(/kemId must be 32/);
    expect(() => parseHpkeConfigList({ configs: [{ ...config, publicKey: 'AAAA' }] })).toThrow(/publicKey must be an X25519 public key/);
  });

  it('framing errors are results, not throws', () => {
    expect(decodeSharedContribution(new Uint8Array(10))).toMatchObject({ ok: false, code: 'bad_length' });
    expect(decodeSharedContribution(new Uint8Array(200))).toMatchObject({ ok: false, code: 'bad_magic' });
  });

  it('a share batch names the bad field', () => {
    expect(() => parseHelperShareBatch({ task: 'mf-items', modelVersion: 1, vectorLength: 4, shares: [{ id: 'xyz', keyId: 1, sealed: 'AA' }] })).toThrow(/shares\[0\]\.id must be 32 lower-case hex/);
  });
});
