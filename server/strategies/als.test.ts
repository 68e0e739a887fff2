import { describe, expect, it } from 'vitest';
import { alsVectorLength, solveAlsItems } from '../../core/models/als.js';
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { contributionByteLength, decodeModel, type StatsResponse, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { createAggregator } from '../aggregator.js';
import { ALS_ROUNDS, createAlsTask, createPopularityTask, type TaskDefinition } from '../tasks.js';
import { contributionBody, honestValues, TEST_CONFIG } from '../testkit.js';
import { createAls, topRows } from './als.js';
import { withDistributedDp } from './distributed-dp.js';
import { createHistogram } from './histogram.js';
import type { ConfigureContext, RoundSettings } from './strategy.js';

const nItems = 6;
const settings: RoundSettings = { minContributions: 100, maxContributions: 100, roundMs: 1000, epsilonBudget: 8, delta: 1e-6 };
const als = createAlsTask(nItems, { dim: 2, topK: 3, lambda: 1, lambdaDp: 5 });
const popularity = createPopularityTask(nItems);

function context(task: TaskDefinition, dependency: Float32Array | null, rhoSpent = 0): ConfigureContext {
  return { task, settings, modelVersion: 1, now: 0, rhoSpent, dependency };
}

describe('ALS strategy', () => {
  it('waits for the popularity release, then covers its top K rows', () => {
    const strategy = createAls({ extraRidge: 0 });
    expect(strategy.configure(context(als, null)).kind).toBe('wait');
    const plan = strategy.configure(context(als, Float32Array.from([5, -1, 9, 5, 0.5, 7])));
    if (plan.kind !== 'open') throw new Error('expected an open round');
    expect(plan.config.rows).toEqual([2, 5, 0].sort((a, b) => a - b)); // 9, 7, then 5 (row 0 before row 3)
    expect(plan.config.vectorLength).toBe(alsVectorLength(2, 3));
    expect(plan.config.popularity).toEqual([5, 0, 9, 5, 0.5, 7]);
    expect(topRows([1, 1, 1], 5)).toEqual([0, 1, 2]);
  });

  it('solves the rows from the decoded sum and publishes factors (zero elsewhere) with the popularity', () => {
    const strategy = createAls({ extraRidge: 5 });
    const plan = strategy.configure(context(als, Float32Array.from([5, 0, 9, 5, 0, 7])));
    if (plan.kind !== 'open') throw new Error('expected an open round');
    const floats = [0.5, 0.1, 0.4, 0.9, 0.2, 0, 0, 0.3, 0.6];
    const g = plan.config.granularity;
    const sum = Float64Array.from(floats, (v) => Math.round(v / g));
    const out = strategy.aggregate({ roundId: 'r', task: als, config: plan.config, weights: new Float32Array(nItems * 3), sum, contributions: 4 });
    const expected = solveAlsItems({ sum: Float64Array.from(sum, (v) => v * g), dim: 2, rows: 3, lambda: 6 });
    const rows = plan.config.rows!;
    for (let item = 0; item < nItems; item++) {
      const r = rows.indexOf(item);
      const v = Array.from(out.weights.subarray(item * 2, item * 2 + 2));
      expect(v).toEqual(r < 0 ? [0, 0] : Array.from(expected.subarray(r * 2, r * 2 + 2)));
    }
    expect(Array.from(out.weights.subarray(nItems * 2))).toEqual([5, 0, 9, 5, 0, 7]);
  });

  it('keeps popularity + ALS within one budget under secure aggregation: 1 popularity round, then the planned ALS rounds', () => {
    const rhoBudget = zcdpRhoFor({ epsilon: settings.epsilonBudget, delta: settings.delta });
    let total = 0;
    const run = (task: TaskDefinition, inner: ReturnType<typeof createAls>, dependency: Float32Array | null): number => {
      const strategy = withDistributedDp(inner, { plannedRounds: 3 });
      let spent = 0;
      let rounds = 0;
      for (;;) {
        const plan = strategy.configure(context(task, dependency, spent));
        if (plan.kind !== 'open') {
          expect(plan.kind).toBe('stop');
          break;
        }
        const sum = new Float64Array(plan.config.vectorLength);
        const out = strategy.aggregate({ roundId: `r${rounds}`, task, config: plan.config, weights: new Float32Array(nItems * 3), sum, contributions: 100 });
        spent += out.privacy!.rho;
        rounds++;
        expect(rounds).toBeLessThan(10);
      }
      total += spent;
      return rounds;
    };
    expect(run(popularity, createHistogram(), null)).toBe(1);
    // The ALS task plans its share over its own ALS_ROUNDS (2), whatever the server's default (3 here).
    expect(run(als, createAls({ extraRidge: 5 }), Float32Array.from([5, 0, 9, 5, 0, 7]))).toBe(ALS_ROUNDS);
    expect(total).toBeLessThanOrEqual(rhoBudget * (1 + 1e-9));
    expect(total).toBeGreaterThan(0.99 * rhoBudget);
  });
});

describe('ALS through the aggregator (plain path)', () => {
  it('opens ALS after the popularity round, advertises its rows, and reports the combined ε', async () => {
    const agg = await createAggregator({ ...TEST_CONFIG, minContributions: 2, maxContributions: 2 }, { tasks: [popularity, als], timer: false });
    try {
      const tasks = async (): Promise<TaskDescriptor[]> => ((await (await agg.app.request('/v1/tasks')).json()) as { tasks: TaskDescriptor[] }).tasks;
      expect((await tasks()).map((t) => t.task)).toEqual(['item-popularity']);
      const p = (await tasks())[0]!;
      const post = (d: TaskDescriptor, update: number[]) => agg.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: contributionBody(d, honestValues(d, update)), headers: { 'content-type': 'application/octet-stream' } });
      const s = 1 / Math.sqrt(2);
      expect((await post(p, [s, 0, s, 0, 0, 0])).status).toBe(202);
      expect((await post(p, [0, 0, s, 0, 0, s])).status).toBe(202);
      await new Promise((resolve) => setImmediate(resolve));
      const open = await tasks();
      const a = open.find((t) => t.task === 'als-items');
      expect(a).toBeDefined();
      expect(a!.kind).toBe('als');
      expect(a!.rows).toHaveLength(3);
      expect(a!.vectorLength).toBe(alsVectorLength(2, 3));
      expect(a!.expectedBytes).toBe(contributionByteLength(alsVectorLength(2, 3)));
      const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
      const rhoOf = (task: string) => stats.tasks.find((t) => t.task === task)!.privacy.rhoSpent;
      // Nothing spent by ALS yet: its ε is the popularity round's.
      expect(rhoOf('als-items')).toBe(rhoOf('item-popularity'));
      const update = new Array(a!.vectorLength).fill(0);
      update[0] = 0.5;
      expect((await post(a!, update)).status).toBe(202);
      expect((await post(a!, update)).status).toBe(202);
      await new Promise((resolve) => setImmediate(resolve));
      const after = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
      const als2 = after.tasks.find((t) => t.task === 'als-items')!;
      expect(als2.model.version).toBe(2);
      expect(als2.privacy.rhoSpent).toBeGreaterThan(after.tasks.find((t) => t.task === 'item-popularity')!.privacy.rhoSpent);
      const blob = decodeModel((await agg.coordinator.modelBlob('als-items', 2))!);
      expect(blob.header.tensors.map((t) => t.name)).toEqual(['item_factors', 'item_popularity']);
    } finally {
      await agg.close();
    }
  });
});
