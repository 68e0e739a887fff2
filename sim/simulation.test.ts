/**
 * The simulator's pieces working together on a tiny subset: two real MovieLens users replayed
 * through the real engine, one federated round over real HTTP against a real in-process
 * aggregator (SQLite in a temp folder), and the devices' own scorer ranking the catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimAggregator, type SimAggregator } from './aggregator.js';
import { storefrontCatalogueIds } from './catalogue-source.js';
import { loadDataset, type Dataset } from './data.js';
import { ALS_TASK, federatedScores, fetchEpsilonSpent, fetchTask, POPULARITY_TASK, runFederation } from './federation.js';
import { replayPopulation, type Visitor } from './population.js';
import { seededRandom } from './random.js';
import { useNodeBackend } from './tfjs-node.js';

describe('a 2-device, 1-round simulation against a real aggregator', () => {
  let dataset: Dataset;
  let visitors: Visitor[];
  let server: SimAggregator;

  beforeAll(async () => {
    await useNodeBackend();
    dataset = loadDataset({ catalogueIds: storefrontCatalogueIds().ids, userIds: [1, 2] });
    visitors = await replayPopulation(dataset);
    server = await startSimAggregator({
      mfItems: dataset.catalogue.ids.length,
      epsilonBudget: 8,
      delta: 1e-6,
      centralNoiseMultiplier: 1,
      localNoiseMultiplier: 1,
      contributionsPerRound: 2,
      localSteps: 2,
      adminToken: 'a'.repeat(24),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('replays each history into the engine and reads back one positive per rated catalogue item', () => {
    for (const visitor of visitors) {
      const rated = new Set(visitor.user.train.map((t) => t.itemId).filter((id) => dataset.catalogue.indexOf.has(id)));
      expect(visitor.interactions.map((i) => dataset.catalogue.ids[i.item]).sort()).toEqual([...rated].sort());
    }
  });

  it('fills the popularity round, then one ALS round: fixed-size contributions, the version increments', async () => {
    expect(await fetchTask(server.url, ALS_TASK)).toBeUndefined(); // waits for the popularity release
    const popularity = await fetchTask(server.url, POPULARITY_TASK);
    expect(popularity?.vectorLength).toBe(dataset.catalogue.ids.length);
    const result = await runFederation({
      endpoint: server.url,
      runName: 'test',
      catalogue: dataset.catalogue,
      visitors,
      rounds: 1,
      devicesPerRound: 2,
      random: seededRandom(1),
    });
    expect(result.stoppedEarly).toBeNull();
    expect(result.beforeSent).toBe(2);
    const before = result.firstTask;
    expect(before?.rows).toHaveLength(200);
    expect(before?.vectorLength).toBe(36 + 200 * 8);
    expect(result.rounds).toEqual([{ roundId: before?.roundId, baseVersion: 1, sent: 2, skipped: {} }]);
    expect(result.finalVersion).toBe(2);
    const privacy = await fetchEpsilonSpent(server.url);
    expect(privacy.epsilon).toBeGreaterThan(0);
    expect(privacy.epsilon).toBeLessThanOrEqual(8);

    // Each device's receipt is in its own ledger, with the task's exact byte size.
    const expectedBytes = before?.expectedBytes;
    for (const visitor of visitors) {
      const device = await result.devices.get(visitor);
      const view = await device.privacy();
      expect(view.receipts.map((r) => r.bytes).sort()).toEqual([popularity?.expectedBytes, expectedBytes].sort());
    }

    const scores = await federatedScores(server.url, result.devices, dataset, visitors, result.finalVersion);
    // A score for every item the model has factors for (its rows); no opinion (NaN) on the others.
    const rows = new Set(before?.rows ?? []);
    for (const s of scores.values()) {
      expect(s.length).toBe(dataset.catalogue.ids.length);
      s.forEach((x, item) => expect(rows.has(item) ? Number.isFinite(x) : Number.isNaN(x), `item ${item}`).toBe(true));
    }
    await result.devices.close();
  });
});
