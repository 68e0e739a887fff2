import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, encodeContribution, modelParameterCount, type StatsResponse, type TaskDescriptor, type TasksResponse } from '../core/protocol/aggregator.js';
import { createAggregator } from './aggregator.js';
import type { CoordinatorEvent } from './rounds/coordinator.js';
import { initialWeights } from './models/initial-weights.js';
import { modelEvaluationLabels } from '../core/models/model-evaluation.js';
import { ALS_INIT_NORM, checkTasks, createAlsTask, createDailyReportTask, createDefaultTasks, createMfTask, createPopularityTask, createModelEvaluationTask, createMonthlyReportTask, MOVIELENS_GENRES, PROPENSITY_INITIAL_BIAS, REPORTS_EPSILON_PER_DAY, selectTasks, uploadLength } from './tasks.js';
import { zcdpRhoFor } from '../core/dp/calibrate.js';
import { zcdpToEpsilon } from '../core/dp/accountant/zcdp.js';
import { contributionBody, fedavgTask, honestValues, randomId, TEST_CONFIG } from './testkit.js';

describe('selectTasks (--tasks: sharding by task)', () => {
  const all = createDefaultTasks();
  it('runs every task without a list, the listed ones (in the server\'s order: a dependency first) with one', () => {
    expect(selectTasks(all).map((t) => t.task)).toEqual(all.map((t) => t.task));
    expect(selectTasks(all, ['als-items', 'item-popularity']).map((t) => t.task)).toEqual(['item-popularity', 'als-items']);
  });
  it('refuses a name it does not run, and a task without the histogram it depends on, naming them', () => {
    expect(() => selectTasks(all, ['item-popularity', 'mf-items'])).toThrow(/--tasks: "mf-items" is not one of this server's tasks \(item-popularity, als-items/);
    expect(() => selectTasks(all, ['als-items'])).toThrow(/--tasks: als-items picks its rows from item-popularity's release; list both on the same server/);
  });
});

describe('task definitions', () => {
  it('sizes the defaults as the device models lay them out: ALS and its popularity histogram ship, MF does not', () => {
    const tasks = createDefaultTasks({ mfItems: 300 });
    expect(tasks.slice(0, 5).map((t) => t.task)).toEqual(['item-popularity', 'als-items', 'propensity', 'category-histogram', 'next-event']);
    const [popularity, als, propensity, histogram, nextEvent] = tasks;
    // core/models/next-event.ts over 19 genres, embed 8, hidden 16; its labels are the vocabulary.
    expect(modelParameterCount(nextEvent!.model.tensors)).toBe(2132);
    expect(nextEvent!.labels).toHaveLength(19);
    expect(initialWeights(nextEvent!)).toHaveLength(2132);
    expect(modelParameterCount(popularity!.model.tensors)).toBe(300); // one count per catalogue row
    expect(modelParameterCount(als!.model.tensors)).toBe(300 * 8 + 300); // item_factors [nItems, 8] + item_popularity [nItems]
    expect(uploadLength(als!)).toBe(36 + 200 * 8); // 1,636 floats: u uᵀ triangle + top 200 rows × dim
    expect(uploadLength(createDefaultTasks({ mfItems: 50 })[1]!)).toBe(36 + 50 * 8); // K ≤ the catalogue
    expect((als!.budgetShare ?? 1) + (popularity!.budgetShare ?? 1)).toBeCloseTo(1, 12);
    expect(modelParameterCount(propensity!.model.tensors)).toBe(9); // PROPENSITY_FEATURE_COUNT
    expect(histogram!.labels).toHaveLength(modelParameterCount(histogram!.model.tensors));
    expect(() => checkTasks(createDefaultTasks())).not.toThrow();
    expect(modelParameterCount(createMfTask({ mfItems: 100 }).model.tensors)).toBe(100 * 17); // still available: nItems × (dim + 1)
    expect(() => checkTasks([createMfTask(), ...createDefaultTasks()])).not.toThrow();
  });

  it('initialises weights deterministically: seeded normal embeddings, the propensity prior, zeros elsewhere', () => {
    const mf = createMfTask({ mfItems: 50 });
    const [, als, propensity] = createDefaultTasks({ mfItems: 50 });
    const a = initialWeights(mf);
    expect(Array.from(a)).toEqual(Array.from(initialWeights(mf)));
    const embeddings = a.subarray(0, 50 * 16);
    const sd = Math.sqrt(embeddings.reduce((s, v) => s + v * v, 0) / embeddings.length);
    expect(sd).toBeGreaterThan(0.07); // N(0, 0.1²) over 800 values: sd within ±30 % (> 8 standard errors)
    expect(sd).toBeLessThan(0.13);
    expect(a.subarray(50 * 16).every((v) => v === 0)).toBe(true); // item_bias
    const w = initialWeights(als!);
    expect(w.subarray(0, 50 * 8).some((v) => v !== 0)).toBe(true); // item_factors: seeded normal
    expect(w.subarray(50 * 8).every((v) => v === 0)).toBe(true); // item_popularity: zero until the first ALS release
    const p = initialWeights(propensity!);
    expect(Array.from(p.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(p[8]).toBeCloseTo(PROPENSITY_INITIAL_BIAS, 6);
  });

  it('starts the ALS factors from the catalogue\'s categories when it lists them (rows of norm ALS_INIT_NORM), and says so of a list of the wrong length', () => {
    // Ten genres fill all 8 directions (core/models/category-factors.ts).
    const itemCategories = Array.from({ length: 50 }, (_, i) => [MOVIELENS_GENRES[i % 10]!]);
    const als = createDefaultTasks({ mfItems: 50, itemCategories })[1]!;
    expect(als.init.kind).toBe('categories');
    const w = initialWeights(als);
    expect(Array.from(w)).toEqual(Array.from(initialWeights(als)));
    expect(Math.hypot(...w.subarray(0, 8))).toBeCloseTo(ALS_INIT_NORM, 6);
    expect(Array.from(w.subarray(0, 8))).toEqual(Array.from(w.subarray(80, 88))); // items 0 and 10: one genre, one row
    expect(Array.from(w.subarray(0, 8))).not.toEqual(Array.from(w.subarray(8, 16)));
    expect(w.subarray(50 * 8).every((v) => v === 0)).toBe(true); // item_popularity: zero until the first ALS release
    expect(() => createDefaultTasks({ mfItems: 50, itemCategories: itemCategories.slice(1) })).toThrow(/itemCategories has 49 entries; the catalogue has 50 items/);
  });

  it('refuses ALS tasks without their settings or popularity histogram, and shares that exceed one budget', () => {
    const [popularity, als] = createDefaultTasks({ mfItems: 300 });
    expect(() => checkTasks([als!])).toThrow(/dependsOn must name a histogram task/);
    expect(() => checkTasks([popularity!, { ...als!, als: undefined }])).toThrow(/needs als settings/);
    expect(() => checkTasks([popularity!, { ...als!, budgetShare: 1 }])).toThrow(/exceeds the one budget/);
    expect(() => checkTasks([{ ...popularity!, model: { name: 'item-popularity', tensors: [{ name: 'counts', shape: [299] }] } }, als!])).toThrow(/one bin per item/);
  });

  it('refuses bad task lists by name', () => {
    expect(() => checkTasks([fedavgTask('Bad Name', 2)])).toThrow(/task must match/);
    expect(() => checkTasks([fedavgTask('a', 2), fedavgTask('a', 2)])).toThrow(/unique/);
    expect(() => checkTasks([fedavgTask('a', 2, { clipNorm: 0 })])).toThrow(/clipNorm/);
    expect(() => checkTasks([{ ...fedavgTask('h', 3), kind: 'histogram', labels: ['x'] }])).toThrow(/one label per value/);
  });

  it('ships the model-evaluation task after next-event, and refuses one devices could not fill', () => {
    const tasks = createDefaultTasks({ mfItems: 300 });
    const names = tasks.map((t) => t.task);
    expect(names.indexOf('model-evaluation')).toBeGreaterThan(names.indexOf('next-event')); // a device adopts a version, then scores it
    const evaluation = createModelEvaluationTask();
    expect(evaluation.labels).toEqual(modelEvaluationLabels());
    expect(modelParameterCount(evaluation.model.tensors)).toBe(168);
    expect(() => checkTasks([evaluation])).not.toThrow();
    expect(() => checkTasks([{ ...evaluation, kind: 'fedavg' }])).toThrow(/"model-evaluation": kind must be 'histogram'/);
    expect(() => checkTasks([{ ...evaluation, labels: [...evaluation.labels!.slice(1), 'spare'] }])).toThrow(/labels must include .*missing "v0 held-out"/);
    expect(() => checkTasks([{ ...evaluation, clipNorm: 1 }])).toThrow(/clipNorm must be ≥ 30/);
  });

  it('closes unreleased a round opened for an earlier upload layout of its task (an upgrade), keeping its uploads, and opens one on the new layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-layout-'));
    try {
      const dbPath = join(dir, 'a.sqlite');
      const config = { ...TEST_CONFIG, dbPath, minContributions: 2, maxContributions: 2 };
      // Same model shape (6 items × (2 + 1)), ALS over the top 3 rows, then (after the "upgrade") the top 2.
      const tasksWith = (topK: number) => [createPopularityTask(6), createAlsTask(6, { dim: 2, topK, lambda: 1, lambdaDp: 5 })];
      const open = async (agg: Awaited<ReturnType<typeof createAggregator>>) => ((await (await agg.app.request('/v1/tasks')).json()) as TasksResponse).tasks;
      const post = (agg: Awaited<ReturnType<typeof createAggregator>>, d: TaskDescriptor, update: number[]) => agg.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: contributionBody(d, honestValues(d, update)), headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } });
      const before = await createAggregator(config, { tasks: tasksWith(3), timer: false });
      const popularity = (await open(before))[0]!;
      for (let k = 0; k < 2; k++) expect((await post(before, popularity, [0.5, 0.5, 0.5, 0.5, 0, 0])).status).toBe(202);
      await new Promise((resolve) => setImmediate(resolve));
      const oldRound = (await open(before)).find((t) => t.task === 'als-items')!;
      expect(oldRound.vectorLength).toBe(3 + 3 * 2);
      expect((await post(before, oldRound, new Array(oldRound.vectorLength).fill(0.1))).status).toBe(202);
      await before.close();

      const events: CoordinatorEvent[] = [];
      const after = await createAggregator(config, { tasks: tasksWith(2), timer: false, onEvent: (e) => events.push(e) });
      try {
        expect(events.find((e) => e.kind === 'round_abandoned')).toEqual({ kind: 'round_abandoned', task: 'als-items', roundId: oldRound.roundId, contributions: 1, storedLength: 9, length: 7 });
        const next = (await open(after)).find((t) => t.task === 'als-items')!;
        expect(next.roundId).not.toBe(oldRound.roundId);
        expect(next.vectorLength).toBe(3 + 2 * 2);
        expect(next.model.version).toBe(oldRound.model.version);
        // The old round's upload is still stored (closed, not deleted), and no ρ was charged for it.
        const stats = (await (await after.app.request('/v1/stats')).json()) as StatsResponse;
        const als = stats.tasks.find((t) => t.task === 'als-items')!;
        expect(als.privacy.rhoSpent).toBe(stats.tasks.find((t) => t.task === 'item-popularity')!.privacy.rhoSpent);
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database made for another model shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-shape-'));
    try {
      const dbPath = join(dir, 'a.sqlite');
      await (await createAggregator({ ...TEST_CONFIG, dbPath }, { tasks: [fedavgTask('t', 4)], timer: false })).close();
      await expect(createAggregator({ ...TEST_CONFIG, dbPath }, { tasks: [fedavgTask('t', 5)], timer: false })).rejects.toThrow(/w\[4\].*w\[5\].*fresh --db/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the 'daily-report' task (issue 12 §2)", () => {
  it('is a histogram of the report layout: labels name every value, clipNorm is the exact bound, a round lasts a period', () => {
    const t = createDailyReportTask();
    expect(t.kind).toBe('histogram');
    // The funnel, a search per genre, [visited, bought] per segment; the per-category counts are the 28-day report's.
    expect(modelParameterCount(t.model.tensors)).toBe(4 + 19 + 2 * 4);
    expect(t.labels?.slice(0, 2)).toEqual(['funnel:visited', 'funnel:viewed-product']);
    expect(t.clipNorm).toBeCloseTo(Math.sqrt(1 + 2 + 2), 12);
    expect(t.roundSeconds).toBe(86_400);
    expect(createDailyReportTask({ periodDays: 7 }).roundSeconds).toBe(7 * 86_400);
    expect(checkTasks([t])).toEqual([t]);
    expect(t).toMatchObject({ plannedRounds: 1, periodDays: 1 });
  });

  it('the 28-day report carries views, carts and buys per category under the caps of its period', () => {
    const m = createMonthlyReportTask();
    expect(m).toMatchObject({ task: 'monthly-report', periodDays: 28, roundSeconds: 28 * 86_400, plannedRounds: 1 });
    expect(modelParameterCount(m.model.tensors)).toBe(3 * 19 + 4);
    expect(m.labels?.slice(0, 2)).toEqual(['views:Action', 'views:Adventure']);
    expect(m.clipNorm).toBeCloseTo(Math.sqrt(8 * 16 ** 2 + 4 * 2 ** 2 + 4 * 2 ** 2 + 1), 12);
    expect(checkTasks([m])).toEqual([m]);
    // A device clips with the caps of the period the task advertises: a clipNorm under them is refused.
    expect(() => checkTasks([{ ...m, clipNorm: createDailyReportTask({ categories: MOVIELENS_GENRES, searchTerms: [], segments: 0 }).clipNorm }])).toThrow(/clipNorm must be ≥ 45\.6/);
    expect(() => checkTasks([{ ...m, periodDays: undefined }])).toThrow(/task "monthly-report": a fixed-schedule report needs periodDays/);
  });

  it('the two reports together spend at most ε 1 per device per day, in zCDP ρ over any whole 28 days', () => {
    const delta = 1e-6;
    const rhoDay = zcdpRhoFor({ epsilon: REPORTS_EPSILON_PER_DAY, delta });
    const reports = createDefaultTasks().filter((t) => t.periodDays !== undefined);
    expect(reports.map((t) => t.task)).toEqual(['daily-report', 'monthly-report']);
    const perDay = reports.reduce((sum, t) => sum + zcdpRhoFor({ epsilon: t.epsilonBudget!, delta }) / t.periodDays!, 0);
    expect(perDay).toBeLessThanOrEqual(rhoDay);
    expect(perDay).toBeGreaterThan(rhoDay * (1 - 1e-3));
    // Half each, rounded down to 4 decimals: the daily report's ε 0.6905 a day, the 28-day report's ε 4.2104 per period (at δ 10⁻⁶).
    expect(reports.map((t) => t.epsilonBudget)).toEqual([0.6905, 4.2104]);
    expect(reports[0]!.epsilonBudget).toBeCloseTo(zcdpToEpsilon(rhoDay / 2, delta).epsilon, 3);
    expect(reports[1]!.epsilonBudget).toBeCloseTo(zcdpToEpsilon(14 * rhoDay, delta).epsilon, 3);
  });

  it('ships last in the default list, with one conversion slot per segment of the segments task', () => {
    const tasks = createDefaultTasks({ mfItems: 300, segments: { k: 6 } });
    expect(tasks.map((x) => x.task).slice(-3)).toEqual(['segments', 'daily-report', 'monthly-report']);
    expect(tasks.at(-2)!.labels!.filter((l) => /^segment:\d+:visited$/.test(l))).toHaveLength(6);
    expect(() => checkTasks(tasks)).not.toThrow();
  });

  it('refuses a bad configuration naming the field', () => {
    expect(() => createDailyReportTask({ periodDays: 0 })).toThrow(/task "daily-report": periodDays must be an integer in \[1, 28\]/);
    expect(() => createMonthlyReportTask({ categories: ['Drama', 'Drama'] })).toThrow(/task "monthly-report": spec\.categories\[1\] must be unique/);
    expect(() => createDailyReportTask({ epsilonPerPeriod: 0 })).toThrow(/task "daily-report": epsilonPerPeriod must be a positive finite number/);
    const t = createDailyReportTask({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0 });
    expect(() => checkTasks([{ ...t, clipNorm: 1 }])).toThrow(/clipNorm must be ≥ /);
    expect(() => checkTasks([{ ...t, labels: [...t.labels!.slice(0, -1), 'funnel:paid'] }])).toThrow(/labels\[9\] must be "funnel:bought"/);
  });

  it("a round is a UTC day closing at its end; a report for the closed day is refused naming it, the day's reports kept", async () => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const agg = await createAggregator({ ...TEST_CONFIG }, { tasks: [createDailyReportTask()], clock: () => now, timer: false });
    try {
      const tasks = async (): Promise<TaskDescriptor> => ((await (await agg.app.request('/v1/tasks')).json()) as TasksResponse).tasks.find((x) => x.task === 'daily-report')!;
      const post = (d: TaskDescriptor, roundId = d.roundId): Promise<Response> =>
        Promise.resolve(agg.app.request(`/v1/rounds/${roundId}/contributions`, { method: 'POST', body: contributionBody(d, honestValues(d, new Float32Array(d.vectorLength))), headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } }));
      const day = await tasks();
      expect(day.deadline).toBe('2026-11-24T00:00:00.000Z');
      for (let i = 0; i < 2; i++) expect((await post(day)).status).toBe(202);
      now = Date.parse('2026-11-24T00:00:01Z');
      await agg.coordinator.tick();
      const next = await tasks();
      expect(next.roundId).not.toBe(day.roundId);
      expect(next.deadline).toBe('2026-11-25T00:00:00.000Z');
      const late = await post(day);
      expect(late.status).toBe(409);
      expect(await late.json()).toMatchObject({ error: { code: 'round_closed', message: `report for period 2026-11-23 is for a closed period (round ${day.roundId}); the open period is 2026-11-24 (round ${next.roundId})` } });
      const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
      const rounds = stats.tasks.find((t) => t.task === 'daily-report')!.rounds;
      expect(rounds.find((r) => r.roundId === day.roundId)?.contributions).toBe(2);
    } finally {
      await agg.close();
    }
  });

  it('a report of the wrong size, or over the bound, is refused naming the length or the bound; what was stored stays and is released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-daily-'));
    const agg = await createAggregator({ ...TEST_CONFIG, dbPath: join(dir, 'db.sqlite') }, { tasks: [createDailyReportTask()], timer: false });
    try {
      const list = (await (await agg.app.request('/v1/tasks')).json()) as TasksResponse;
      const d = list.tasks.find((x) => x.task === 'daily-report')!;
      expect(d.vectorLength).toBe(31);
      const send = (body: Uint8Array): Promise<Response> => Promise.resolve(agg.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } }));
      // One good report first: it must survive every refusal below.
      expect((await send(contributionBody(d, honestValues(d, new Float32Array(d.vectorLength))))).status).toBe(202);
      const short = await send(encodeContribution({ id: randomId(), modelVersion: d.model.version, values: new Int32Array(30) }));
      expect(short.status).toBe(400);
      expect(await short.json()).toMatchObject({ error: { code: 'bad_length', message: expect.stringContaining('exactly 31') } });
      const long = await send(encodeContribution({ id: randomId(), modelVersion: d.model.version, values: new Int32Array(32) }));
      expect(long.status).toBe(413);
      // This server's only task: the read limit is its report's size, refused before the body is kept.
      expect(await long.json()).toMatchObject({ error: { code: 'body_too_large', message: `body exceeds the largest contribution (${28 + 4 * 31} bytes)` } });
      // A report no device could make: 100,000 visits (the encoder writes a one-hot funnel stage;
      // the check allows the clip bound plus rounding plus the device noise's tail).
      const inflated = new Float32Array(d.vectorLength);
      inflated[0] = 100_000;
      const over = await send(contributionBody(d, Int32Array.from(inflated, (v) => Math.round(v / d.granularity))));
      expect(over.status).toBe(422);
      expect(await over.json()).toMatchObject({ error: { code: 'norm_exceeded', message: expect.stringMatching(/^L2 norm 10000000\.0 exceeds the bound [\d.]+ grid steps \(clip 2\.23\d*\/0\.01 \+ rounding \+ local-noise allowance\)$/) } });
      const after = (await (await agg.app.request('/v1/tasks')).json()) as TasksResponse;
      expect(after.tasks.find((x) => x.task === 'daily-report')?.roundId).toBe(d.roundId);
      // Below its minimum of 2, the round holds exactly the good report; one more and it releases both.
      expect((await send(contributionBody(d, honestValues(d, new Float32Array(d.vectorLength))))).status).toBe(202);
      expect(await agg.coordinator.closeRound('daily-report')).toBe(true);
      const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
      expect(stats.tasks.find((t) => t.task === 'daily-report')!.aggregates[0]!.contributions).toBe(2);
    } finally {
      await agg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
