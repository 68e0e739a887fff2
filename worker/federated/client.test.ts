import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createPrivacyLedger } from '../../core/dp/ledger.js';
import { contributionByteLength, decodeContribution, encodeModel, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { initialGlobalParameters } from '../models/mf.js';
import { mfParameterLength, mfTensorSpecs } from '../models/mf-layout.js';
import { FederatedClient } from './client.js';
import { listReceipts, openFederatedDb, type FederatedDb } from './db.js';
import { createIndexedDbLedgerStore } from './ledger-store.js';
import { createMfTaskHandler } from './mf-task.js';
import { loadUserEmbedding } from './user-embedding.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { nItems: 50, dim: 4 };
const endpoint = 'http://aggregator.test';
/** The catalogue ids of the visitor's items: they must appear in no request. */
const visitorItemIds = ['movie-318', 'movie-2571', 'movie-4993'];
const visitorRows = [3, 17, 42];

function mfTask(overrides: Partial<TaskDescriptor> = {}): TaskDescriptor {
  const vectorLength = mfParameterLength(shape);
  return {
    task: 'mf-items',
    kind: 'fedavg',
    model: { name: 'mf-items', version: 3 },
    roundId: 'r-7',
    vectorLength,
    clipNorm: 1,
    granularity: 1e-3,
    // σ = 2 × the grid bound c = 1000: ρ = M/2σ² ≈ 0.13 per contribution.
    localNoiseStddev: 2000,
    localSteps: 5,
    learningRate: 0.1,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    expectedBytes: contributionByteLength(vectorLength),
    minContributions: 1,
    maxContributions: 100,
    privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0 },
    ...overrides,
  };
}

interface Recorded {
  readonly url: string;
  readonly init: RequestInit | undefined;
}

/** An aggregator that speaks the wire protocol (model blob, 202 on contributions) and records every request. */
function recordingAggregator(options: { failPosts?: boolean; postStatus?: number; tasks?: TaskDescriptor[] } = {}) {
  const requests: Recorded[] = [];
  const blob = encodeModel({ header: { name: 'mf-items', version: 3, tensors: mfTensorSpecs(shape), dtype: 'float32' }, data: initialGlobalParameters(shape) });
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    requests.push({ url, init });
    if (url === `${endpoint}/v1/tasks`) return new Response(JSON.stringify({ tasks: options.tasks ?? [] }), { status: 200 });
    if (url === `${endpoint}/v1/models/mf-items/3`) return new Response(new Uint8Array(blob), { status: 200, headers: { etag: '"mf-items@3"' } });
    if (url.startsWith(`${endpoint}/v1/rounds/`)) {
      if (options.failPosts) throw new TypeError('fetch failed: network down');
      const status = options.postStatus ?? 202;
      const body = status === 202 ? { accepted: true, duplicate: false } : { error: { code: 'stale_version', message: 'round r-7 is for mf-items version 4' } };
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }
    return new Response(JSON.stringify({ error: { code: 'not_found', message: url } }), { status: 404 });
  };
  return { fetch, requests, posts: () => requests.filter((r) => r.init?.method === 'POST') };
}

async function setup(aggregator: ReturnType<typeof recordingAggregator>, budgets: { rhoPerTask?: number } = {}) {
  const db: FederatedDb = await openFederatedDb({ indexedDB: new IDBFactory() });
  const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db), budgets });
  const handlers = new Map([['mf-items', createMfTaskHandler({ db, interactions: async () => visitorRows.map((item) => ({ item, weight: 1 })) })]]);
  const client = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers, fetch: aggregator.fetch });
  return { db, ledger, client };
}

function bodyOf(request: Recorded): Uint8Array {
  const body = request.init?.body;
  if (!(body instanceof Uint8Array)) throw new Error('contribution body must be bytes');
  return body;
}

describe('FederatedClient.participate', () => {
  it('sends exactly the task’s byte size, with a fresh random id, no ids, no cookies, no extra headers', async () => {
    const aggregator = recordingAggregator();
    const { client, db } = await setup(aggregator);
    const first = await client.participate(mfTask());
    const second = await client.participate(mfTask({ roundId: 'r-8' }));
    expect(first).toMatchObject({ status: 'sent', bytes: mfTask().expectedBytes });
    expect(second.status).toBe('sent');
    const posts = aggregator.posts();
    expect(posts).toHaveLength(2);
    const ids = posts.map((post) => {
      const body = bodyOf(post);
      expect(body.length).toBe(28 + 4 * mfParameterLength(shape));
      const decoded = decodeContribution(body, mfParameterLength(shape));
      if (!decoded.ok) throw new Error(decoded.error.message);
      expect(decoded.contribution.modelVersion).toBe(3);
      const asText = new TextDecoder('latin1').decode(body);
      for (const id of visitorItemIds) expect(asText).not.toContain(id);
      return Buffer.from(decoded.contribution.id).toString('hex');
    });
    expect(new Set(ids).size).toBe(2);
    for (const request of aggregator.requests) {
      expect(request.init?.credentials).toBe('omit');
      expect(request.init?.referrerPolicy).toBe('no-referrer');
      for (const id of visitorItemIds) expect(request.url).not.toContain(id);
    }
    for (const post of posts) expect(Object.keys(post.init?.headers ?? {})).toEqual(['content-type']);
    // The model was downloaded once and then served from IndexedDB.
    expect(aggregator.requests.filter((r) => r.url.includes('/v1/models/'))).toHaveLength(1);
    expect(await loadUserEmbedding(db, 'mf-items', shape.dim)).toBeDefined();
  });

  it('writes the charge and its receipt before sending, and the receipt carries round, ρ, ε and bytes', async () => {
    const aggregator = recordingAggregator();
    const { client, db, ledger } = await setup(aggregator);
    const result = await client.participate(mfTask());
    if (result.status !== 'sent') throw new Error(`expected sent, got ${result.status}`);
    const receipts = await listReceipts(db);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ task: 'mf-items', round: 'r-7', bytes: mfTask().expectedBytes, delta: 1e-6 });
    expect(receipts[0]!.rho).toBeCloseTo(result.rho, 12);
    expect(receipts[0]!.epsilon).toBeGreaterThan(0);
    // The sent report keeps only its metadata.
    expect((await ledger.receipts())[0]!.status).toBe('sent');
    expect((await db.getAll('ledger'))[0]!.report.body).toBeUndefined();
  });

  it('sends nothing and trains nothing when the budget cannot pay, but still keeps the newest model for recommendations', async () => {
    const aggregator = recordingAggregator();
    const { client, db } = await setup(aggregator, { rhoPerTask: 0.01 });
    const result = await client.participate(mfTask());
    expect(result).toMatchObject({ status: 'skipped', reason: 'out-of-budget' });
    expect(aggregator.posts()).toHaveLength(0);
    expect(aggregator.requests.map((r) => r.url)).toEqual([`${endpoint}/v1/models/mf-items/3`]);
    expect(await listReceipts(db)).toEqual([]);
    // Nothing was trained: no user embedding was stored.
    expect(await loadUserEmbedding(db, 'mf-items', shape.dim)).toBeUndefined();
  });

  it('keeps the budget spent when the upload fails after the charge; the next pass sends the same bytes once, paying nothing more', async () => {
    const failing = recordingAggregator({ failPosts: true });
    const { client, db, ledger } = await setup(failing);
    const result = await client.participate(mfTask());
    expect(result).toMatchObject({ status: 'failed' });
    expect(failing.posts()).toHaveLength(1);
    const receipts = await listReceipts(db);
    expect(receipts).toHaveLength(1);
    const spent = (await ledger.spent({ site: 'shop-1', task: 'mf-items' })).task?.spentRho;
    expect(spent).toBeCloseTo(receipts[0]!.rho, 12);
    expect((await ledger.pending())).toHaveLength(1);
    expect(receipts[0]!.status).toBe('pending');

    // The next pass (a new page's Worker: a new client over the same IndexedDB) finds the charge
    // unsent and sends its stored bytes, not a new contribution.
    const working = recordingAggregator();
    const next = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers: new Map([['mf-items', createMfTaskHandler({ db, interactions: async () => visitorRows.map((item) => ({ item, weight: 1 })) })]]), fetch: working.fetch });
    expect(await next.participate(mfTask())).toMatchObject({ status: 'sent' });
    expect(working.posts()).toHaveLength(1);
    expect(Buffer.from(bodyOf(working.posts()[0]!)).equals(Buffer.from(bodyOf(failing.posts()[0]!)))).toBe(true);
    expect((await ledger.spent({ site: 'shop-1', task: 'mf-items' })).task?.spentRho).toBe(spent);
    expect(await ledger.pending()).toEqual([]);
    expect((await listReceipts(db)).map((r) => r.status)).toEqual(['sent']);
    // Sent now: nothing more goes to this round.
    expect(await next.participate(mfTask())).toMatchObject({ status: 'skipped', reason: 'already-contributed' });
    expect(working.posts()).toHaveLength(1);
  });

  it('does not send an unsent report to a later round: the next pass marks it expired, drops its bytes, and contributes anew', async () => {
    const failing = recordingAggregator({ failPosts: true });
    const { db, ledger, client } = await setup(failing);
    expect(await client.participate(mfTask())).toMatchObject({ status: 'failed' });
    const working = recordingAggregator({ tasks: [mfTask({ roundId: 'r-8' })] });
    const next = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers: new Map([['mf-items', createMfTaskHandler({ db, interactions: async () => visitorRows.map((item) => ({ item, weight: 1 })) })]]), fetch: working.fetch });
    expect(await next.participateAll()).toMatchObject([{ status: 'sent', round: 'r-8' }]);
    expect(Buffer.from(bodyOf(working.posts()[0]!)).equals(Buffer.from(bodyOf(failing.posts()[0]!)))).toBe(false);
    expect((await listReceipts(db)).map((r) => [r.round, r.status])).toEqual([['r-7', 'expired'], ['r-8', 'sent']]);
    expect(await ledger.pending()).toEqual([]);
    expect((await db.getAll('ledger')).map((e) => e.report.body)).toEqual([undefined, undefined]);
  });

  it('reports a server refusal (409 stale version) without retrying', async () => {
    const aggregator = recordingAggregator({ postStatus: 409 });
    const { client } = await setup(aggregator);
    expect(await client.participate(mfTask())).toMatchObject({ status: 'rejected', httpStatus: 409, code: 'stale_version' });
    expect(aggregator.posts()).toHaveLength(1);
  });

  it('sits out a round with no data, paying nothing', async () => {
    const aggregator = recordingAggregator();
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db) });
    const handlers = new Map([['mf-items', createMfTaskHandler({ db, interactions: async () => [] })]]);
    const client = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers, fetch: aggregator.fetch });
    expect(await client.participate(mfTask())).toMatchObject({ status: 'skipped', reason: 'no-data' });
    expect(aggregator.posts()).toHaveLength(0);
    expect(await listReceipts(db)).toEqual([]);
  });

  it('participateAll isolates a task that breaks before its charge: the others still contribute', async () => {
    const broken = mfTask({ task: 'broken', model: { name: 'mf-items', version: 3 }, roundId: 'r-9' });
    const aggregator = recordingAggregator({ tasks: [broken, mfTask()] });
    const { db, ledger } = await setup(aggregator);
    const handlers = new Map([
      ['broken', { train: async () => { throw new RangeError('model layout refused'); } }],
      ['mf-items', createMfTaskHandler({ db, interactions: async () => visitorRows.map((item) => ({ item, weight: 1 })) })],
    ]);
    const client = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers, fetch: aggregator.fetch });
    const results = await client.participateAll();
    expect(results.map((r) => `${r.task}:${r.status}`)).toEqual(['broken:error', 'mf-items:sent']);
    expect((await listReceipts(db)).map((r) => r.task)).toEqual(['mf-items']);
  });
});
