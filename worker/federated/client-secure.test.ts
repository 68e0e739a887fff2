/**
 * The device's half of secure aggregation, against a recording leader and a helper that publishes
 * a real HPKE key: what is uploaded, what is charged, what is refused before any charge.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createPrivacyLedger } from '../../core/dp/ledger.js';
import { encodeModel, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { decodeSharedContribution, sharedContributionByteLength } from '../../core/protocol/secure-aggregation.js';
import { createHpkeOpener, generateHpkeKeyPair, SEALED_SEED_BYTES, type HpkeKeyPair } from '../../core/secagg/hpke.js';
import { centered } from '../../core/secagg/ring.js';
import { helperShareOf, openHelperSeed } from '../../core/secagg/upload.js';
import { initialGlobalParameters } from '../models/mf.js';
import { mfParameterLength, mfTensorSpecs } from '../models/mf-layout.js';
import { FederatedClient } from './client.js';
import { listReceipts, openFederatedDb } from './db.js';
import { createIndexedDbLedgerStore } from './ledger-store.js';
import { createMfTaskHandler } from './mf-task.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { nItems: 50, dim: 4 };
const n = mfParameterLength(shape);
const endpoint = 'http://leader.test';
const helper = 'http://helper.test';

function secureTask(overrides: Partial<TaskDescriptor> = {}): TaskDescriptor {
  return {
    task: 'mf-items',
    kind: 'fedavg',
    model: { name: 'mf-items', version: 3 },
    roundId: 'r-7',
    vectorLength: n,
    clipNorm: 1,
    granularity: 1e-3,
    // A device's share of the sum's noise: small on its own (σ = 0.1 Δ), enough over 100 devices.
    localNoiseStddev: 100,
    localSteps: 5,
    learningRate: 0.1,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    expectedBytes: sharedContributionByteLength(n, SEALED_SEED_BYTES),
    minContributions: 100,
    maxContributions: 1000,
    privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 },
    secureAggregation: { helper },
    ...overrides,
  };
}

interface Options {
  readonly helperKeys?: unknown;
  /** Answers of successive POSTs (default 202). */
  readonly postStatuses?: number[];
}

function network(pair: HpkeKeyPair, options: Options = {}) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const statuses = [...(options.postStatuses ?? [])];
  const blob = encodeModel({ header: { name: 'mf-items', version: 3, tensors: mfTensorSpecs(shape), dtype: 'float32' }, data: initialGlobalParameters(shape) });
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    requests.push({ url, init });
    if (url === `${helper}/v1/hpke-config`) return Response.json(options.helperKeys ?? { configs: [pair.config] });
    if (url === `${endpoint}/v1/models/mf-items/3`) return new Response(new Uint8Array(blob), { status: 200 });
    if (url.startsWith(`${endpoint}/v1/rounds/`)) {
      const status = statuses.shift() ?? 202;
      if (status === 202) return Response.json({ accepted: true, duplicate: false }, { status });
      return Response.json({ error: { code: 'helper_unavailable', message: 'the helper did not answer' } }, { status });
    }
    return Response.json({ error: { code: 'not_found', message: url } }, { status: 404 });
  };
  return { fetch, requests, posts: () => requests.filter((r) => r.init?.method === 'POST') };
}

async function device(net: ReturnType<typeof network>, extra: { pinnedHelper?: string } = {}) {
  const db = await openFederatedDb({ indexedDB: new IDBFactory() });
  const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db) });
  const handlers = new Map([['mf-items', createMfTaskHandler({ db, interactions: async () => [3, 17, 42].map((item) => ({ item, weight: 1 })) })]]);
  const client = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers, fetch: net.fetch, helperRetryDelaysMs: [1, 1], ...extra });
  return { db, ledger, client };
}

function bodyOf(request: { init: RequestInit | undefined }): Uint8Array {
  const body = request.init?.body;
  if (!(body instanceof Uint8Array)) throw new Error('contribution body must be bytes');
  return body;
}

describe('FederatedClient with secure aggregation', () => {
  it('uploads an INK2 body whose two shares rebuild a clipped, noised vector; each share alone looks random', async () => {
    const pair = await generateHpkeKeyPair(7);
    const net = network(pair);
    const { client } = await device(net);
    const result = await client.participate(secureTask());
    expect(result).toMatchObject({ status: 'sent', bytes: secureTask().expectedBytes });
    const body = bodyOf(net.posts()[0]!);
    const decoded = decodeSharedContribution(body, n);
    if (!decoded.ok) throw new Error(decoded.message);
    const { id, keyId, sealedSeed, leaderShare } = decoded.contribution;
    expect(keyId).toBe(7);
    const seed = await openHelperSeed(await createHpkeOpener(pair), { id, modelVersion: 3, vectorLength: n, keyId, roundId: 'r-7', sealed: sealedSeed });
    expect(seed).not.toBeNull();
    const helperShare = await helperShareOf(seed!, n);
    let squared = 0;
    let shareSquared = 0;
    for (let i = 0; i < n; i++) {
      const x = centered(leaderShare[i]! + helperShare[i]!);
      squared += x * x;
      shareSquared += centered(leaderShare[i]!) ** 2;
    }
    // Signal ≤ C/g = 1000 grid steps, noise σ√n ≈ 100·√250 ≈ 1,600: the rebuilt vector is small.
    expect(Math.sqrt(squared)).toBeLessThan(4000);
    // A share is uniform on Z_2^32: its centred RMS is ≈ 2^32/√12 ≈ 1.24e9 per coordinate.
    expect(Math.sqrt(shareSquared / n)).toBeGreaterThan(1e9);
    // The helper's key came from the helper, before the upload to the leader.
    expect(net.requests.map((r) => r.url)).toEqual([`${endpoint}/v1/models/mf-items/3`, `${helper}/v1/hpke-config`, `${endpoint}/v1/rounds/r-7/contributions`]);
  });

  it('charges the distributed bound and records the much weaker one if both aggregators collude', async () => {
    const pair = await generateHpkeKeyPair(1);
    const net = network(pair);
    const { client, db } = await device(net);
    await client.participate(secureTask());
    const [receipt] = await listReceipts(db);
    expect(receipt).toMatchObject({ protection: 'secure-aggregation', task: 'mf-items' });
    // σ is 1/10 of Δ: alone it is ρ ≈ 50; shared by 99 others it is ≈ 0.5.
    expect(receipt!.rho).toBeLessThan(1);
    expect(receipt!.collusionEpsilon).toBeGreaterThan(10 * receipt!.epsilon);
  });

  it('sends nothing and charges nothing when the helper’s key list is missing or malformed', async () => {
    const pair = await generateHpkeKeyPair(1);
    for (const helperKeys of [{ configs: [] }, { configs: [{ ...pair.config, publicKey: 'AAAA' }] }, 'not json']) {
      const net = network(pair, { helperKeys });
      const { client, db } = await device(net);
      expect(await client.participate(secureTask())).toMatchObject({ status: 'skipped', reason: 'no-helper-key' });
      expect(net.posts()).toHaveLength(0);
      expect(await listReceipts(db)).toEqual([]);
    }
  });

  it('refuses a helper other than the one the site pinned', async () => {
    const pair = await generateHpkeKeyPair(1);
    const net = network(pair);
    const { client } = await device(net, { pinnedHelper: 'https://helper.example' });
    const result = await client.participate(secureTask());
    expect(result).toMatchObject({ status: 'skipped', reason: 'no-helper-key' });
    expect(net.requests.some((r) => r.url.startsWith(helper))).toBe(false);
  });

  it('re-sends the same bytes when the leader answers 503 helper_unavailable', async () => {
    const pair = await generateHpkeKeyPair(1);
    const net = network(pair, { postStatuses: [503, 503, 202] });
    const { client } = await device(net);
    expect(await client.participate(secureTask())).toMatchObject({ status: 'sent' });
    const bodies = net.posts().map((p) => Buffer.from(bodyOf(p)).toString('hex'));
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
  });
});
