import { describe, expect, it } from 'vitest';
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { createSeededRandomSourceForTestsOnly } from '../../core/dp/random.js';
import { featureDimension, nearestCentroid, segmentFeatures, weightedKmeans, type SegmentInputs } from '../../core/models/kmeans.js';
import { seededUniform } from '../../core/models/seeded-uniform.js';
import { readSegmentsModel, SCHEDULE_ROUNDS, SCHEDULE_SHARES, segmentsShape } from '../../core/models/segments-model.js';
import { decodeModel, type StatsResponse, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { encodeSegmentsUpload } from '../../worker/federated/segments-task.js';
import { createAggregator, type AggregatorConfig } from '../aggregator.js';
import { checkTasks, createDefaultTasks, createSegmentsTask, DEFAULT_TASKS, type TaskDefinition } from '../tasks.js';
import { contributionBody, honestValues, TEST_CONFIG } from '../testkit.js';
import { fetchHelperKey, listenHelper, PEER_TOKEN, sharedDevice } from '../secagg/testkit.js';
import { secureNoisePlan, withDistributedDp } from './distributed-dp.js';
import { createKmeans, stageOf } from './kmeans.js';
import type { ConfigureContext } from './strategy.js';

const categories = ['Drama', 'Comedy', 'Action', 'Thriller', 'Adventure', 'Romance'];
const spec = { categories };

/**
 * 4 kinds of visitor × `each`: frequent weekend Drama fans, occasional weekday Comedy fans, Action
 * buyers, lapsed Romance fans; each spread by a seeded uniform (test data, not privacy noise).
 */
function population(each: number, seed = 7): Float64Array[] {
  const u = seededUniform(seed);
  const other = (): { category: string; share: number } => ({ category: categories[Math.floor(u() * categories.length)]!, share: 0.25 * u() });
  const kinds: (() => SegmentInputs)[] = [
    () => ({ interests: [{ category: 'Drama', share: 0.4 + 0.35 * u() }, other()], events: 200 + 600 * u(), recencyDays: 3 * u(), weekendShare: 0.5 + 0.4 * u(), spend: 10 * u() }),
    () => ({ interests: [{ category: 'Comedy', share: 0.4 + 0.35 * u() }, other()], events: 2 + 15 * u(), recencyDays: 10 + 30 * u(), weekendShare: 0.2 * u(), spend: 0 }),
    () => ({ interests: [{ category: 'Action', share: 0.4 + 0.35 * u() }, other()], events: 30 + 80 * u(), recencyDays: 5 * u(), weekendShare: 0.2 + 0.3 * u(), spend: 100 + 600 * u() }),
    () => ({ interests: [{ category: 'Romance', share: 0.4 + 0.35 * u() }, other()], events: 10 + 40 * u(), recencyDays: 150 + 200 * u(), weekendShare: 0.2 + 0.3 * u(), spend: 5 * u() }),
  ];
  return kinds.flatMap((kind) => Array.from({ length: each }, () => segmentFeatures(spec, kind())));
}

function wcss(xs: readonly Float64Array[], centroids: readonly Float64Array[]): number {
  return xs.reduce((s, x) => {
    const c = centroids[nearestCentroid(centroids, x)]!;
    return s + x.reduce((t, v, i) => t + (v - c[i]!) ** 2, 0);
  }, 0);
}

/**
 * Runs the whole schedule through the real aggregator in-process, every device encoding as the
 * device does. 400 devices and 32 cells (the owner's `planes`: planesFor(400) says 4; with 16
 * cells two of these kinds share a cell on this seed and the coreset hands Lloyd a merged start).
 */
async function runSchedule(config: AggregatorConfig, task: TaskDefinition, xs: readonly Float64Array[], schedules = 1) {
  const agg = await createAggregator(config, { tasks: [task], timer: false, random: createSeededRandomSourceForTestsOnly(12) });
  try {
    const stages: number[] = [];
    const releases: ReturnType<typeof readSegmentsModel>[] = [];
    for (let round = 0; round < SCHEDULE_ROUNDS * schedules; round++) {
      const { tasks } = (await (await agg.app.request('/v1/tasks')).json()) as { tasks: TaskDescriptor[] };
      const d = tasks.find((t) => t.task === 'segments');
      if (d === undefined) throw new Error(`round ${round}: the segments task is not open`);
      expect(d.kind).toBe('kmeans');
      expect(d.labels).toEqual([...categories.map((c) => `interest:${c}`), 'frequency', 'recency', 'weekend', 'spend']);
      const blob = decodeModel((await agg.coordinator.modelBlob('segments', d.model.version))!);
      const { k, dims } = segmentsShape(blob.header.tensors);
      const model = readSegmentsModel(k, dims, blob.data);
      stages.push(model.state.stage);
      expect(model.state.stage).toBe(stageOf(d.model.version));
      for (const x of xs) {
        const upload = encodeSegmentsUpload(model, x, d.vectorLength);
        const res = await agg.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: contributionBody(d, honestValues(d, upload)), headers: { 'content-type': 'application/octet-stream' } });
        expect(res.status).toBe(202);
      }
      for (let i = 0; i < 200 && ((await agg.coordinator.latestVersion('segments')) ?? 1) === d.model.version; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await agg.coordinator.latestVersion('segments')).toBe(d.model.version + 1);
      if (stageOf(d.model.version) === SCHEDULE_ROUNDS - 1) {
        const released = decodeModel((await agg.coordinator.modelBlob('segments', d.model.version + 1))!);
        releases.push(readSegmentsModel(k, dims, released.data));
      }
    }
    const version = (await agg.coordinator.latestVersion('segments'))!;
    const blob = decodeModel((await agg.coordinator.modelBlob('segments', version))!);
    const { k, dims } = segmentsShape(blob.header.tensors);
    const stats = (await (await agg.app.request('/v1/stats')).json()) as StatsResponse;
    const { tasks } = (await (await agg.app.request('/v1/tasks')).json()) as { tasks: TaskDescriptor[] };
    return { stages, releases, model: readSegmentsModel(k, dims, blob.data), version, stats: stats.tasks.find((t) => t.task === 'segments')!, open: tasks.some((t) => t.task === 'segments') };
  } finally {
    await agg.close();
  }
}

const each = 100;
const xs = population(each);
const central = weightedKmeans(xs, xs.map(() => 1), 4, { restarts: 10, random: seededUniform(1) });

describe('segments task definition', () => {
  it('ships k 4 over six storefront genres, one upload length for every round', () => {
    const task = DEFAULT_TASKS.find((t) => t.task === 'segments')!;
    expect(task.kind).toBe('kmeans');
    expect(task.kmeans?.k).toBe(4);
    expect(featureDimension(task.kmeans!)).toBe(10);
    // max(k 4, 2^3 cells) blocks of d + 2.
    expect(task.labels).toHaveLength(10);
  });

  it('refuses k out of range and features it cannot use, naming the field', () => {
    expect(() => createSegmentsTask({ k: 1 })).toThrow(/task "segments": kmeans\.k must be an integer in \[2, 16\].*; got 1$/);
    expect(() => createSegmentsTask({ k: 17 })).toThrow(/kmeans\.k/);
    expect(() => createSegmentsTask({ k: 2.5 })).toThrow(/kmeans\.k/);
    expect(() => createSegmentsTask({ categories: [] })).toThrow(/kmeans\.categories/);
    expect(() => createSegmentsTask({ categories: Array.from({ length: 17 }, (_, i) => `c${i}`) })).toThrow(/kmeans\.categories/);
    expect(() => createSegmentsTask({ categories: ['Drama', 'Drama'] })).toThrow(/kmeans\.categories: must be distinct/);
    expect(() => createSegmentsTask({ planes: 11 })).toThrow(/kmeans\.planes/);
    const task = createSegmentsTask();
    expect(() => checkTasks([{ ...task, kmeans: { ...task.kmeans!, k: 40 } }])).toThrow(/task "segments": kmeans\.k/);
    expect(() => checkTasks([{ ...task, kmeans: undefined } as TaskDefinition])).toThrow(/needs kmeans settings/);
    expect(() => checkTasks([{ ...task, labels: ['interest:Drama'] }])).toThrow(/labels are its feature names/);
    // The owner's settings reach the default task list (server/main.ts passes --segments-k / --segments-categories).
    expect(createDefaultTasks({ segments: { k: 6, categories: ['Drama', 'Horror'] } }).find((t) => t.task === 'segments')!.model.tensors[2]!.shape).toEqual([6, 6]);
    expect(() => createDefaultTasks({ segments: { k: 40 } })).toThrow(/kmeans\.k/);
  });
});

describe('k-means strategy: the schedule', () => {
  it('names each stage and its share of ρ; the distributed-DP wrapper sizes each round by it and stops after the schedule', () => {
    const task = createSegmentsTask();
    const settings = { minContributions: 100, maxContributions: 100, roundMs: 1000, epsilonBudget: 2, delta: 1e-6 };
    const strategy = withDistributedDp(createKmeans(), { plannedRounds: 5 });
    const rhoBudget = zcdpRhoFor({ epsilon: 2, delta: 1e-6 });
    let weights: Float32Array = new Float32Array(readSegmentsModelLength(task));
    let spent = 0;
    const rhos: number[] = [];
    for (let version = 1; ; version++) {
      const context: ConfigureContext = { task, settings, modelVersion: version, now: 0, rhoSpent: spent, dependency: null };
      const plan = strategy.configure(context);
      if (plan.kind !== 'open') {
        expect(plan.kind).toBe('stop');
        break;
      }
      expect(plan.config.rhoFraction).toBe(SCHEDULE_SHARES[stageOf(version)]);
      expect(plan.config.vectorLength).toBe(8 * 12);
      const out = strategy.aggregate({ roundId: `r${version}`, task, config: plan.config, weights, sum: new Float64Array(plan.config.vectorLength), contributions: 100 });
      weights = out.weights;
      rhos.push(out.privacy!.rho);
      spent += out.privacy!.rho;
      expect(version).toBeLessThan(10);
    }
    expect(rhos).toHaveLength(SCHEDULE_ROUNDS);
    rhos.forEach((rho, i) => expect(rho / rhoBudget).toBeCloseTo(SCHEDULE_SHARES[i]!, 3));
    expect(spent).toBeLessThanOrEqual(rhoBudget * (1 + 1e-9));
  });

  it('--segments-schedules 2: each round asks for half its share, so the budget holds two releases (drift) and then stops', () => {
    const task = createSegmentsTask({ schedules: 2 });
    expect(task.plannedRounds).toBe(2 * SCHEDULE_ROUNDS);
    const settings = { minContributions: 100, maxContributions: 100, roundMs: 1000, epsilonBudget: 2, delta: 1e-6 };
    const strategy = withDistributedDp(createKmeans(), { plannedRounds: 5 });
    const rhoBudget = zcdpRhoFor({ epsilon: 2, delta: 1e-6 });
    let weights: Float32Array = new Float32Array(readSegmentsModelLength(task));
    let spent = 0;
    let releases = 0;
    const rhos: number[] = [];
    for (let version = 1; version < 20; version++) {
      const plan = strategy.configure({ task, settings, modelVersion: version, now: 0, rhoSpent: spent, dependency: null });
      if (plan.kind !== 'open') break;
      expect(plan.config.rhoFraction).toBeCloseTo(SCHEDULE_SHARES[stageOf(version)]! / 2, 12);
      const out = strategy.aggregate({ roundId: `r${version}`, task, config: plan.config, weights, sum: new Float64Array(plan.config.vectorLength), contributions: 100 });
      weights = out.weights;
      if (out.release !== null) releases++;
      rhos.push(out.privacy!.rho);
      spent += out.privacy!.rho;
    }
    expect(rhos).toHaveLength(2 * SCHEDULE_ROUNDS);
    expect(releases).toBe(2);
    rhos.forEach((rho, i) => expect(rho / rhoBudget).toBeCloseTo(SCHEDULE_SHARES[i % SCHEDULE_ROUNDS]! / 2, 3));
    expect(spent).toBeLessThanOrEqual(rhoBudget * (1 + 1e-9));
    expect(() => createSegmentsTask({ schedules: 0 })).toThrow(/task "segments": kmeans\.schedules must be an integer in \[1, 10\]/);
    expect(() => createSegmentsTask({ schedules: 1.5 })).toThrow(/kmeans\.schedules/);
  });

  it('no DP: mean → coreset → Lloyd × 2 through the aggregator finds the four kinds (WCSS within 5 % of centralized k-means); a second schedule keeps the ids', async () => {
    const task = { ...createSegmentsTask({ planes: 5 }), localNoiseMultiplier: 0 };
    const run = await runSchedule({ ...TEST_CONFIG, centralNoiseMultiplier: 0, minContributions: xs.length, maxContributions: xs.length }, task, xs, 2);
    expect(run.stages).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(run.version).toBe(9);
    expect(run.model.state.completed).toBe(2);
    // The second schedule's coreset (another k-means++ draw: seed + completed) is matched to the first release: each kind keeps its id.
    const [first, second] = run.releases;
    for (let kind = 0; kind < 4; kind++) expect(nearestCentroid(second!.released, xs[kind * each]!)).toBe(nearestCentroid(first!.released, xs[kind * each]!));
    expect(run.model.state.stage).toBe(0);
    expect(wcss(xs, run.model.released)).toBeLessThanOrEqual(1.05 * central.wcss);
    // Each kind of visitor lands in its own segment, and the release counts them.
    const ids = [0, 1, 2, 3].map((kind) => nearestCentroid(run.model.released, xs[kind * each]!));
    expect(new Set(ids).size).toBe(4);
    run.model.releasedCounts.forEach((c) => expect(c).toBeCloseTo(each, 3));
    // /v1/stats: the sizes labelled "<id>: <description>", for the dashboard.
    const aggregate = run.stats.aggregates.at(-1)!;
    expect(aggregate.labels).toHaveLength(4);
    expect(aggregate.labels[ids[0]!]).toMatch(/^\d: .*Drama/);
    expect(aggregate.labels[ids[1]!]).toMatch(/Comedy/);
    expect(aggregate.labels[ids[2]!]).toMatch(/Action.*buyers/);
    expect(aggregate.labels[ids[3]!]).toMatch(/Romance.*lapsed/);
    // Without DP nothing stops the task: the next schedule opens.
    expect(run.open).toBe(true);
  });

  it('central DP (ε 8 for the task): the schedule spends its budget in 4 rounds and still finds the kinds (WCSS within 30 %)', async () => {
    const task = { ...createSegmentsTask({ planes: 5 }), localNoiseMultiplier: 0 };
    const run = await runSchedule({ ...TEST_CONFIG, centralNoiseMultiplier: 1, epsilonBudget: 8, minContributions: xs.length, maxContributions: xs.length }, task, xs);
    expect(run.stages).toEqual([0, 1, 2, 3]);
    expect(run.model.state.completed).toBe(1);
    // Noise per centroid coordinate ≈ σC√(1/n) with σ ≈ 1.6 (radius units) and n = 30: ~0.3 C; the
    // noise source is seeded, so this is one fixed draw, not a rate.
    expect(wcss(xs, run.model.released)).toBeLessThanOrEqual(1.3 * central.wcss);
    const rhoBudget = zcdpRhoFor({ epsilon: 8, delta: 1e-6 });
    expect(run.stats.privacy.rhoSpent).toBeLessThanOrEqual(rhoBudget * (1 + 1e-9));
    expect(run.stats.privacy.rhoSpent).toBeGreaterThan(0.99 * rhoBudget);
    // The budget is spent: no fifth round.
    expect(run.open).toBe(false);
  });
});

function readSegmentsModelLength(task: TaskDefinition): number {
  return task.model.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

describe('k-means through leader and helper (secure aggregation, distributed DP)', () => {
  it('sizes each round\'s device noise for its share of ρ, releases the schedule, and spends exactly the task\'s budget', async () => {
    const n = 100;
    const devices = population(n / 4, 11);
    const task = createSegmentsTask({ planes: 4 });
    const helper = await listenHelper([task], { minContributions: n, maxContributions: n });
    const leader = await createAggregator(
      { ...TEST_CONFIG, minContributions: n, maxContributions: n, epsilonBudget: 8, role: { kind: 'leader', helperUrl: helper.url, helperPublicUrl: 'https://helper.example', peerToken: PEER_TOKEN } },
      { tasks: [task], timer: false },
    );
    try {
      const key = await fetchHelperKey(helper.url);
      for (let round = 0; round < SCHEDULE_ROUNDS; round++) {
        const { tasks } = (await (await leader.app.request('/v1/tasks')).json()) as { tasks: TaskDescriptor[] };
        const d = tasks.find((t) => t.task === 'segments')!;
        expect(d.secureAggregation).toBeDefined();
        const plan = secureNoisePlan('segments', { clipNorm: d.clipNorm, granularity: d.granularity, vectorLength: d.vectorLength, minContributions: n, epsilonBudget: 8, delta: 1e-6, plannedRounds: SCHEDULE_ROUNDS, rhoFraction: SCHEDULE_SHARES[round]! });
        expect(d.localNoiseStddev).toBeCloseTo(plan.sigma, 6);
        const blob = decodeModel((await leader.coordinator.modelBlob('segments', d.model.version))!);
        const { k, dims } = segmentsShape(blob.header.tensors);
        const model = readSegmentsModel(k, dims, blob.data);
        for (const x of devices) {
          const upload = await sharedDevice(d, encodeSegmentsUpload(model, x, d.vectorLength), key);
          const res = await leader.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: upload.body, headers: { 'content-type': 'application/octet-stream' } });
          expect(res.status).toBe(202);
        }
        for (let i = 0; i < 400 && (await leader.coordinator.latestVersion('segments')) === d.model.version; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await leader.coordinator.latestVersion('segments')).toBe(d.model.version + 1);
      }
      const stats = (await (await leader.app.request('/v1/stats')).json()) as StatsResponse;
      const segments = stats.tasks.find((t) => t.task === 'segments')!;
      const rhoBudget = zcdpRhoFor({ epsilon: 8, delta: 1e-6 });
      // Each round closed with exactly the minimum it was sized for: the four shares add up to the budget.
      expect(segments.privacy.rhoSpent / rhoBudget).toBeCloseTo(1, 6);
      expect(segments.aggregates.at(-1)!.labels).toHaveLength(4);
      const { tasks } = (await (await leader.app.request('/v1/tasks')).json()) as { tasks: TaskDescriptor[] };
      expect(tasks.some((t) => t.task === 'segments')).toBe(false);
      const blob = decodeModel((await leader.coordinator.modelBlob('segments', 5))!);
      const { k, dims } = segmentsShape(blob.header.tensors);
      expect(readSegmentsModel(k, dims, blob.data).state.completed).toBe(1);
    } finally {
      await leader.close();
      await helper.close();
    }
  });
});
