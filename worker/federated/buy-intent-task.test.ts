/**
 * The 'buy-intent' task end to end in process: devices send their evidence to the real aggregator
 * (its Hono app as `fetch`), the one round releases, the task stops, and a device that fetches the
 * latest release reads the population prior from it.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { BUY_INTENT_TASK, buyIntentTensors, fitBuyIntentPriors, type CategoryEvidence } from '../../core/models/buy-intent.js';
import { decodeModel, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../../server/aggregator.js';
import { checkTasks, createBuyIntentTask, createDefaultTasks } from '../../server/tasks.js';
import { TEST_CONFIG } from '../../server/testkit.js';
import { createBuyIntentTaskHandler } from './buy-intent-task.js';
import { createFederatedDevice, type FederatedDevice } from './device.js';

const endpoint = 'http://aggregator.test';
const CATEGORIES = ['Drama', 'Comedy', 'Horror'];
let aggregator: Aggregator | undefined;
const devices: FederatedDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await aggregator?.close();
  aggregator = undefined;
});

async function device(name: string, evidence: CategoryEvidence[]): Promise<FederatedDevice> {
  const agg = aggregator!;
  const created = await createFederatedDevice({
    endpoint,
    site: 'shop-1',
    dbName: name,
    indexedDB: new IDBFactory(),
    fetch: async (url, init) => agg.app.request(url, init),
    interactions: async () => [],
    intentEvidence: async () => evidence,
  });
  devices.push(created);
  return created;
}

describe('the buy-intent task', () => {
  it('ships as one single round of 200 devices, L2 ≤ 1, with no dashboard labels', () => {
    const task = createDefaultTasks().find((t) => t.task === BUY_INTENT_TASK)!;
    expect(task).toMatchObject({ kind: 'histogram', clipNorm: 1, plannedRounds: 1, minContributions: 200, maxContributions: 200 });
    expect(task.labels).toBeUndefined();
    expect(task.model.tensors.map((t) => t.name)).toContain('Sci-Fi');
    expect(() => checkTasks([createBuyIntentTask(CATEGORIES)])).not.toThrow();
  });

  it('the handler reads the categories from the model and sends nothing without evidence', async () => {
    const model = { header: { name: BUY_INTENT_TASK, version: 1, tensors: buyIntentTensors(CATEGORIES), dtype: 'float32' as const }, data: new Float32Array(12) };
    const task = { task: BUY_INTENT_TASK, vectorLength: 12 } as TaskDescriptor;
    const outcome = await createBuyIntentTaskHandler({ evidence: async () => [{ category: 'Comedy', engagements: 2, buys: 1 }] }).train(task, model);
    if (outcome.kind !== 'update') throw new Error('expected an update');
    expect(Array.from(outcome.update.subarray(4, 8))).toEqual([0.5, 0.25, 0.125, 0.25]);
    expect(await createBuyIntentTaskHandler({ evidence: async () => [] }).train(task, model)).toEqual({ kind: 'no-data' });
    await expect(createBuyIntentTaskHandler({ evidence: async () => [] }).train(task, { ...model, header: { ...model.header, tensors: [{ name: 'counts', shape: [12] }] } })).rejects.toThrow(/tensors\[0\] \(counts\)/);
  });

  it('devices contribute to the round; a device that took no part fetches the release and fits the prior from it', async () => {
    // Three devices, each with its local noise (σ = the clip bound per value): this checks the plumbing; the fit's accuracy is core/models/buy-intent.test.ts's.
    const task = { ...createBuyIntentTask(CATEGORIES), minContributions: 3, maxContributions: 3 };
    aggregator = await createAggregator({ ...TEST_CONFIG, centralNoiseMultiplier: 0 }, { tasks: [task], timer: false });
    const population = await Promise.all([
      device('a', [{ category: 'Drama', engagements: 10, buys: 2 }, { category: 'Comedy', engagements: 4, buys: 0 }]),
      device('b', [{ category: 'Drama', engagements: 5, buys: 1 }]),
      device('c', [{ category: 'Comedy', engagements: 3, buys: 3 }]),
    ]);
    // Before any release: the documented default prior.
    expect(await population[0]!.intentPriors()).toMatchObject({ source: 'default', version: null });
    for (const d of population) expect((await d.client.participateAll()).map((r) => `${r.task}:${r.status}`)).toEqual([`${BUY_INTENT_TASK}:sent`]);
    const listed = (await (await aggregator.app.request(`${endpoint}/v1/tasks`)).json()) as TasksResponse;
    expect(listed.tasks.map((t) => t.model.version)).not.toContain(1);

    const late = await device('late', []);
    expect((await late.intentPriors()).source).toBe('default');
    await late.refreshIntentPriors();
    const [release] = await late.db.getAllFromIndex('models', 'name', BUY_INTENT_TASK);
    expect(release!.version).toBe(2);
    // Whatever the noise drew (a sum this small can also read as "no information", the default):
    // the prior is the fit of the release the device holds.
    expect(await late.intentPriors()).toEqual(fitBuyIntentPriors(CATEGORIES, decodeModel(release!.bytes).data, 2));
    // Asked again within the hour: no second GET.
    let gets = 0;
    const counting = await createFederatedDevice({ endpoint, site: 'shop-1', dbName: 'counting', indexedDB: new IDBFactory(), interactions: async () => [], fetch: async (url, init) => (gets++, aggregator!.app.request(url, init)) });
    devices.push(counting);
    await counting.refreshIntentPriors();
    await counting.refreshIntentPriors();
    expect(gets).toBe(2); // the 302 pointer and the version it names
  });
});
