/**
 * `npm run simulate -- --clients N --rounds R [--epsilon E] [--server URL]`: the whole federated
 * loop on MovieLens ml-latest-small, in Node, with the code the browser runs.
 *
 * 1. Each of N users becomes a device: an on-device engine (worker/engine.ts over fake-indexeddb)
 *    fed the first 80 % of the user's ratings in time order; the last 20 % are held out.
 * 2. Baselines on the same training data: popularity, and the same ALS code (worker/models/als.ts,
 *    core/models/als.ts) run centrally on everything.
 * 3. Two federated runs against a REAL aggregator over HTTP (server/aggregator.ts on SQLite, in
 *    this process unless --server is given): without DP, and with DP at ε (δ = 1e−6) through a
 *    leader and a helper. Each run is what ships: one round of the item-popularity histogram, then
 *    the ALS rounds over its top 200 items. Devices solve, privatize, charge their ledger and
 *    upload through worker/federated's client; the reported ε is both tasks' combined.
 * 4. Full-ranking HR@10 / NDCG@10 for every method, printed as ONE markdown table on stdout with
 *    the issue's targets; progress goes to stderr; quality is posted to the DP server's dashboard.
 * 5. The dashboard's DP aggregate: one round of the category histogram (each device's top genre)
 *    on its own leader + helper, printed beside the true histogram of the same devices, with the
 *    error in σ and as a total variation distance (sim/category-histogram.ts); `--json` has it too.
 * 6. The owner's segments: the 'segments' task (federated DP k-means) on its own leader + helper,
 *    two releases of its ε planned over SETTINGS.segments.schedules, every device in every round; each
 *    release printed beside the truth of the same devices and centralized k-means (sim/segments.ts).
 * 7. The owner's funnel and views per category: every visitor comes back today and views its
 *    held-out films, then one period of the 'daily-report' task on its own leader + helper, decoded
 *    beside the same devices' noiseless reports (sim/daily-report.ts). Last: it adds to the profiles.
 *
 * `--seed-server URL` (what `npm start` spawns): only step 1 and federated rounds against URL, so
 * the first visitor of the storefront gets a learned model; quality posted every few rounds; then
 * the category histogram's round, the segments' schedules and today's daily report, each logged
 * beside the truth.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs, USAGE, type SimulateOptions } from './args.js';
import { startSimAggregator, type SimAggregator } from './aggregator.js';
import { centralAlsQuality } from './baselines/central-als.js';
import { ALS_SETTINGS } from '../server/tasks.js';
import { popularityScorer } from './baselines/popularity.js';
import { storefrontCatalogueIds } from './catalogue-source.js';
import { catalogueCategories, loadDataset, type Dataset } from './data.js';
import { ALS_TASK, DevicePool, fetchEpsilonSpent, fetchTask, federatedScores, POPULARITY_TASK, precomputedScorer, runFederation, type FederationProgress, type FederationResult } from './federation.js';
import { CATEGORY_TASK, runCategoryHistogram, topCategories, type CategoryHistogramRun } from './category-histogram.js';
import { runSegments, type SegmentsRun } from './segments.js';
import { runReports, type ReportRun } from './daily-report.js';
import { SEGMENTS_TASK } from '../core/models/segments-model.js';
import { MOVIELENS_GENRES } from '../server/tasks.js';
import { evaluateRanking, type RankingQuality } from './metrics.js';
import type { TaskDescriptor } from '../core/protocol/aggregator.js';
import { replayPopulation, type Visitor } from './population.js';
import { createProgress } from './progress.js';
import { postRankingQuality, postTrueCounts } from './quality.js';
import { simulateMovieTweetings } from './movietweetings.js';
import { seededRandom, shuffled } from './random.js';
import { evaluationJson, formatEvaluation, formatHistogram, formatReport, formatSegments, TARGETS, type Evaluation, type MethodResult } from './report.js';
import { useNodeBackend } from './tfjs-node.js';

/** What `--json` names the data set. */
const DATASET_NAME = 'ml-latest-small';


/** The knobs of a run that are not command-line flags, in one place with their reasons. */
export const SETTINGS = {
  seed: 20_261_123,
  /** The ALS the aggregator runs (server/tasks.ts ALS_SETTINGS): dim 8, top 200, λ 1 (+5 under DP). */
  als: ALS_SETTINGS,
  /** Iterations of the converged centralized reference (8 inits: 2 it. 0.512, 3 it. 0.527, 5 it. 0.530, 10 it. 0.529 mean HR@10). */
  centralConvergedIterations: 10,
  /** MF embedding size (the MF task, kept for comparisons; not what ships). */
  dim: 16,
  /**
   * Centralized MF: trainLocal's loss is a batch MEAN, so one pair moves an item row by only
   * lr/32; measured on the 2,588-item catalogue (HR@10): lr 0.05 ≈ lr 0.3 ≈ popularity (0.38),
   * lr 1 × 20 epochs 0.451, lr 3 × 10 epochs 0.454. Then on all 671 users (popularity 0.378), from
   * lr 3 × 10 epochs, l2 0.001: 0.464; l2 1e−4: 0.516; l2 0: 0.528 (the penalty on touched rows,
   * applied at every step of a heavy user, shrank exactly the items they like); with l2 0: 20 epochs
   * 0.521, dim 32 0.512, 2 negatives 0.522 (all within the ±0.02 standard error of 670 users).
   */
  central: { epochs: 10, learningRate: 3, batchSize: 32, maxStepsPerUser: 20, l2: 0 },
  /**
   * The MF task's device and server learning rates are the server's defaults (server/tasks.ts:
   * lr 1, η 10, tuned here without DP; see sim/README.md), the same for every federated run so the
   * runs differ only by their noise.
   */
  /** No-DP run: local noise 1e−4 Δ (negligible; the ledger cannot account an infinite ρ), no central noise. */
  noDp: { localNoiseMultiplier: 1e-4, centralNoiseMultiplier: 0 },
  /**
   * DP run on in-process servers: what ships. A leader and a helper (secure aggregation); each
   * device adds its share of the noise the round's sum needs, calibrated by the leader from the ε
   * budget over `--rounds` planned rounds (the multipliers below are unused in that mode).
   */
  dp: { localNoiseMultiplier: 1, centralNoiseMultiplier: 0 },
  /** Seeding: evaluate on this many users every `qualityEvery` rounds (cheap enough to chart). */
  seedQualityUsers: 100,
  seedQualityEvery: 2,
  /**
   * The category histogram (the dashboard's DP aggregate) as `npm start` releases it: leader +
   * helper, the task's own ε (--epsilon) planned over the server's default 5 rounds
   * (server/config.ts --planned-rounds), one round with every device that has a top genre.
   */
  histogram: { plannedRounds: 5 },
  /**
   * The segments task: two releases (two k-means schedules, 8 rounds), so the dashboard draws the
   * segments' drift, with the task's ε planned over THREE schedules (`npm start`: --segments-schedules 3).
   * Over two, the eighth round is refused by every device's own ledger: ε 8 is ρ 1.05 at δ 1e−6 and
   * a device pays at most ρ 1 per task per 7 days (core/dp/ledger.ts), so a device that took part
   * in the first seven rounds (every device, at 500–671 a round) had ρ 0.105 left against the
   * 0.158 asked (measured). Over three, the two releases cost a device ρ 0.70.
   */
  segments: { releases: 2, schedules: 3 },
} as const;

const log = (message: string): void => {
  process.stderr.write(`[simulate] ${message}\n`);
};

function quiet(): void {
  // tfjs greets Node users with a banner recommending tfjs-node on stdout; keep stdout for the table.
  const original = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && (args[0].includes('tfjs-node') || args[0].startsWith('====='))) return;
    original(...args);
  };
}

async function prepare(options: SimulateOptions, maxUsers: number): Promise<{ dataset: Dataset; visitors: Visitor[] }> {
  const source = storefrontCatalogueIds();
  const dataset = loadDataset({ catalogueIds: source.ids, maxUsers });
  const backend = await useNodeBackend();
  log(`${dataset.users.length} users, ${dataset.catalogue.ids.length} catalogue items (${source.from}), tfjs backend ${backend}`);
  const progress = createProgress({ label: 'replaying histories', total: dataset.users.length, silent: options.quiet });
  const visitors = await replayPopulation(dataset, () => progress.tick());
  progress.done();
  return { dataset, visitors };
}

function federationProgress(label: string, total: number, options: SimulateOptions): (event: FederationProgress) => void {
  const progress = createProgress({ label, total, silent: options.quiet });
  return (event) => {
    // The total counts contributions sent; a device that skipped (out of budget) only refreshes the line.
    if (event.kind === 'contribution') progress.tick(event.status === 'sent' ? 1 : 0, `round ${event.round}`);
    else progress.tick(0, `round ${event.round} → v${event.version}, ε ${formatEpsilon(event.epsilonSpent)}`);
  };
}

/**
 * Why the DP row looks the way it does, in numbers: the noise the averaged update of one round
 * carries against the clip bound that caps every device's signal. With secure aggregation the
 * sum carries n devices' shares, √n·σ_l per coordinate; without it each device's full local noise.
 */
function describeNoise(task: TaskDescriptor, devices: number): string {
  const localFloat = task.localNoiseStddev * task.granularity;
  const sumFloat = Math.sqrt(devices) * localFloat;
  const perCoordinate = sumFloat / devices;
  const norm = perCoordinate * Math.sqrt(task.vectorLength);
  const how = task.secureAggregation
    ? `secure aggregation (leader + helper ${task.secureAggregation.helper}): ${devices} devices each add σ_l = ${localFloat.toFixed(4)} per coordinate, their share of the sum's σ = ${sumFloat.toFixed(3)}`
    : `one aggregator: ${devices} devices each add σ_l = ${localFloat.toFixed(4)} per coordinate (local noise)`;
  return [
    `Noise in one DP round, ${how};`,
    `the averaged update carries σ = ${perCoordinate.toFixed(5)} per coordinate, an L2 norm of ${norm.toFixed(3)} over ${task.vectorLength} coordinates,`,
    `against a signal whose norm is at most the clip bound C = ${task.clipNorm}: signal-to-noise ≤ ${(task.clipNorm / norm).toFixed(3)}.`,
  ].join('\n');
}

function formatEpsilon(epsilon: number): string {
  return epsilon > 1e6 ? '∞' : epsilon.toFixed(2);
}

async function evaluateFederated(label: string, endpoint: string, result: FederationResult, dataset: Dataset, visitors: readonly Visitor[], options: SimulateOptions): Promise<RankingQuality> {
  const progress = createProgress({ label, total: visitors.filter((v) => v.user.heldOut.length > 0).length, silent: options.quiet });
  const scores = await federatedScores(endpoint, result.devices, dataset, visitors, result.finalVersion, () => progress.tick(), result.task);
  progress.done();
  return evaluateRanking(dataset, precomputedScorer(scores, dataset.catalogue.ids.length));
}

async function simulate(options: SimulateOptions): Promise<number> {
  const started = Date.now();
  const { dataset, visitors } = await prepare(options, options.clients);
  const nItems = dataset.catalogue.ids.length;
  const interactions = visitors.map((v) => v.interactions);

  const popularity = evaluateRanking(dataset, popularityScorer(dataset));

  // Centralized ALS: the same code, every user, exact sums, as many iterations as federated rounds
  // (the table's reference); and trained to convergence, which the notes print beside it, so a
  // short federated schedule cannot flatter the ratio unseen.
  const centralQuality = centralAlsQuality(dataset, interactions, nItems, options.rounds);
  const convergedQuality = centralAlsQuality(dataset, interactions, nItems, SETTINGS.centralConvergedIterations);

  const devicesPerRound = options.perRound;
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');

  // Federated without DP: always an in-process aggregator configured without noise.
  const itemCategories = catalogueCategories(dataset.catalogue);
  const plain = await startSimAggregator({ mfItems: nItems, itemCategories, epsilonBudget: 100, delta: TARGETS.delta, contributionsPerRound: devicesPerRound, adminToken, ...SETTINGS.noDp });
  let federated: RankingQuality;
  try {
    const run = await runFederation({
      endpoint: plain.url, runName: 'no-dp', catalogue: dataset.catalogue, visitors, rounds: options.rounds, devicesPerRound,
      budgets: { rhoPerTask: Number.POSITIVE_INFINITY, rhoPerSite: Number.POSITIVE_INFINITY, rhoGlobal: Number.POSITIVE_INFINITY },
      random: seededRandom(SETTINGS.seed + 1), onProgress: federationProgress('federated ALS, no DP', options.rounds * devicesPerRound, options),
    });
    if (run.stoppedEarly) log(`no-DP run stopped early: ${run.stoppedEarly}`);
    federated = await evaluateFederated('evaluating (no DP)', plain.url, run, dataset, visitors, options);
    await run.devices.close();
  } finally {
    await plain.close();
  }

  // Federated with DP: the given server, else an in-process one at --epsilon.
  let own: SimAggregator | null = null;
  const endpoint = options.server ?? (own = await startSimAggregator({
    mfItems: nItems, itemCategories, epsilonBudget: options.epsilon, delta: TARGETS.delta, contributionsPerRound: devicesPerRound, adminToken, ...SETTINGS.dp,
    secure: { plannedRounds: options.rounds },
  })).url;
  let federatedDp: RankingQuality;
  let dpRun: FederationResult;
  let noiseNote = '';
  try {
    if (!(await fetchTask(endpoint, POPULARITY_TASK)) && !(await fetchTask(endpoint, ALS_TASK))) throw new Error(`${endpoint} has no open ${POPULARITY_TASK} or ${ALS_TASK} round`);
    dpRun = await runFederation({
      endpoint, runName: 'dp', catalogue: dataset.catalogue, visitors, rounds: options.rounds, devicesPerRound,
      random: seededRandom(SETTINGS.seed + 2), onProgress: federationProgress(`federated ALS, DP ε ≤ ${options.epsilon}`, options.rounds * devicesPerRound, options),
    });
    if (dpRun.stoppedEarly) log(`DP run stopped early: ${dpRun.stoppedEarly}`);
    log(`DP run: ${dpRun.beforeSent} devices sent to ${POPULARITY_TASK}, then ${dpRun.rounds.length} ${ALS_TASK} rounds`);
    const task = dpRun.firstTask;
    if (task) noiseNote = describeNoise(task, Math.min(devicesPerRound, task.maxContributions));
    federatedDp = await evaluateFederated('evaluating (DP)', endpoint, dpRun, dataset, visitors, options);
    await dpRun.devices.close();
    if (options.adminToken !== null || own !== null) {
      await postRankingQuality(endpoint, adminToken, dpRun.finalVersion, 'federated-dp', federatedDp);
      await postRankingQuality(endpoint, adminToken, dpRun.finalVersion, 'centralized', centralQuality);
      await postRankingQuality(endpoint, adminToken, dpRun.finalVersion, 'popularity', popularity);
    }
  } finally {
    await own?.close();
  }

  const histogram = await measureCategoryHistogram(dataset, visitors, adminToken, options);
  const segments = await measureSegments(dataset, visitors, adminToken, options);
  // Last: today's visit adds the held-out films to every profile.
  const reports = await measureReports(dataset, visitors, adminToken, options);

  const rows = (method: string, quality: RankingQuality, privacy: string): MethodResult => ({ method, quality, privacy });
  const dpRounds = dpRun.rounds.length;
  const dpSent = dpRun.rounds.reduce((s, r) => s + r.sent, 0);
  const als = `ALS light, dim ${SETTINGS.als.dim}, top ${SETTINGS.als.topK}`;
  const evaluation: Evaluation = {
    popularity: rows('popularity', popularity, 'counts only'),
    central: rows(`centralized ${als} (same code)`, centralQuality, 'none: all data on one server'),
    federated: rows(`federated ${als}, no DP (1 popularity + ${options.rounds} rounds × ${devicesPerRound})`, federated, 'raw statistics seen by the server'),
    federatedDp: rows(`federated ${als}, DP, leader + helper (1 popularity + ${dpRounds} rounds, ${dpRun.beforeSent + dpSent} contributions)`, federatedDp, `ε = ${formatEpsilon(dpRun.epsilonSpent)} (popularity + ALS), δ = ${dpRun.delta}`),
    epsilonSpent: dpRun.epsilonSpent,
    delta: dpRun.delta,
  };
  const converged = `Centralized ALS trained to convergence (${SETTINGS.centralConvergedIterations} iterations, same code and init): HR@10 ${convergedQuality.hitRate.toFixed(4)}; federated DP is ${(federatedDp.hitRate / convergedQuality.hitRate).toFixed(3)} × that.`;
  process.stdout.write(`\n${formatEvaluation(evaluation)}\n\n${converged}\n\n${noiseNote}\n\n`);
  if (histogram.kind === 'compared') process.stdout.write(`${formatHistogram(histogram.comparison, histogram.privacy)}\n\n`);
  else log(`${CATEGORY_TASK}: not compared (${histogram.senders} devices sent): ${histogram.reason}`);
  for (const comparison of segments.comparisons) process.stdout.write(`${formatSegments(comparison, segments.privacy)}\n\n`);
  if (segments.stoppedEarly !== null) log(`${SEGMENTS_TASK}: stopped early: ${segments.stoppedEarly}`);
  for (const { run, privacy } of reports) {
    if (run.kind === 'compared') process.stdout.write(`${formatReport(run.comparison, privacy)}\n\n`);
    else log(`${run.task}: not compared (${run.senders} devices reported): ${run.reason}`);
  }
  if (options.json !== null) {
    const compared = reports.flatMap(({ run }) => (run.kind === 'compared' ? [run.comparison] : []));
    writeFileSync(options.json, `${JSON.stringify(evaluationJson(DATASET_NAME, evaluation, histogram.kind === 'compared' ? histogram.comparison : undefined, segments.comparisons, compared), null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s (${visitors.length} devices, ${options.rounds} rounds, ${devicesPerRound} devices per round)`);
  return 0;
}

/**
 * The dashboard's DP histogram beside the truth: one round of the category histogram on its own
 * in-process leader + helper (SETTINGS.histogram), every device with a top genre taking part.
 */
async function measureCategoryHistogram(dataset: Dataset, visitors: readonly Visitor[], adminToken: string, options: SimulateOptions): Promise<CategoryHistogramRun & { readonly privacy: string }> {
  const tops = await topCategories(visitors);
  const eligible = visitors.filter((_, i) => MOVIELENS_GENRES.includes(tops[i] ?? ''));
  if (eligible.length < 2) return { kind: 'not-compared', senders: 0, reason: `${eligible.length} device(s) with a top genre; a secure round needs 2`, privacy: '' };
  const server = await startSimAggregator({
    model: 'category-histogram', mfItems: dataset.catalogue.ids.length, epsilonBudget: options.epsilon, delta: TARGETS.delta,
    contributionsPerRound: eligible.length, adminToken, localNoiseMultiplier: 1, centralNoiseMultiplier: 0,
    secure: { plannedRounds: SETTINGS.histogram.plannedRounds },
  });
  const pool = new DevicePool(server.url, 'histogram', dataset.catalogue, undefined);
  try {
    const run = await runCategoryHistogram(server.url, pool, eligible, seededRandom(SETTINGS.seed + 6));
    const spent = await fetchEpsilonSpent(server.url, CATEGORY_TASK);
    return { ...run, privacy: `ε = ${formatEpsilon(spent.epsilon)}, δ = ${spent.delta}, leader + helper` };
  } finally {
    await pool.close();
    await server.close();
  }
}

/**
 * The owner's segments beside the truth: the 'segments' task alone on its own in-process leader +
 * helper, its ε (--epsilon) planned over SETTINGS.segments.schedules schedules of which the devices
 * fill SETTINGS.segments.releases, every device in every round (each round costs its planned share).
 */
async function measureSegments(dataset: Dataset, visitors: readonly Visitor[], adminToken: string, options: SimulateOptions): Promise<SegmentsRun & { readonly privacy: string }> {
  const server = await startSimAggregator({
    model: 'segments', segmentSchedules: SETTINGS.segments.schedules, mfItems: dataset.catalogue.ids.length, epsilonBudget: options.epsilon, delta: TARGETS.delta,
    contributionsPerRound: visitors.length, adminToken, localNoiseMultiplier: 1, centralNoiseMultiplier: 0,
    secure: { plannedRounds: SETTINGS.histogram.plannedRounds },
  });
  const pool = new DevicePool(server.url, 'segments', dataset.catalogue, undefined);
  try {
    const run = await runSegments(server.url, pool, visitors, { dataset: DATASET_NAME, releases: SETTINGS.segments.releases, random: seededRandom(SETTINGS.seed + 7), log: options.quiet ? undefined : log });
    const spent = await fetchEpsilonSpent(server.url, SEGMENTS_TASK);
    return { ...run, privacy: `ε = ${formatEpsilon(spent.epsilon)} for ${run.comparisons.length} releases, δ = ${spent.delta}, leader + helper` };
  } finally {
    await pool.close();
    await server.close();
  }
}

/**
 * The owner's funnel and per-category counts beside the truth: today's visit, then one period of
 * each fixed-schedule report ('daily-report', 'monthly-report') alone on their own in-process
 * leader + helper (each task's own ε per period), every device reporting.
 */
async function measureReports(dataset: Dataset, visitors: readonly Visitor[], adminToken: string, options: SimulateOptions): Promise<{ readonly run: ReportRun; readonly privacy: string }[]> {
  const server = await startSimAggregator({
    model: 'reports', mfItems: dataset.catalogue.ids.length, epsilonBudget: options.epsilon, delta: TARGETS.delta,
    contributionsPerRound: visitors.length, adminToken, localNoiseMultiplier: 1, centralNoiseMultiplier: 0,
    secure: { plannedRounds: SETTINGS.histogram.plannedRounds },
  });
  const pool = new DevicePool(server.url, 'reports', dataset.catalogue, undefined);
  try {
    const { runs } = await runReports(server.url, pool, visitors, dataset.catalogue, seededRandom(SETTINGS.seed + 8));
    const out = [];
    for (const run of runs) out.push({ run, privacy: await reportPrivacy(server.url, run) });
    return out;
  } finally {
    await pool.close();
    await server.close();
  }
}

/** "ε … for the period" of a report task's release, as /v1/stats accounts it. */
async function reportPrivacy(endpoint: string, run: ReportRun): Promise<string> {
  const task = run.kind === 'compared' ? run.comparison.task : run.task;
  const spent = await fetchEpsilonSpent(endpoint, task);
  return `ε = ${formatEpsilon(spent.epsilon)} for the period, δ = ${spent.delta}, leader + helper`;
}

/** Seeding for `npm start`: rounds against the given server, quality posted as it learns. */
async function seed(options: SimulateOptions, endpoint: string): Promise<number> {
  const started = Date.now();
  const { dataset, visitors } = await prepare(options, options.clients);
  const task = (await fetchTask(endpoint, ALS_TASK)) ?? (await fetchTask(endpoint, POPULARITY_TASK));
  if (!task) {
    log(`${endpoint} has no open ${ALS_TASK} or ${POPULARITY_TASK} round (already trained to its ε budget?); nothing to seed`);
    return 0;
  }
  const sample = shuffled(visitors.filter((v) => v.user.heldOut.length > 0), seededRandom(SETTINGS.seed)).slice(0, SETTINGS.seedQualityUsers);
  const sampleDataset: Dataset = { catalogue: dataset.catalogue, users: sample.map((v) => v.user) };
  const popularity = evaluateRanking(sampleDataset, popularityScorer(dataset));
  const perRound = Math.min(options.perRound, task.maxContributions);
  const onProgress = federationProgress('seeding', options.rounds * perRound, options);
  const pool = new DevicePool(endpoint, 'seed', dataset.catalogue, undefined);
  let lastRound = 0;
  // Quality over versions for the dashboard: the site owner's held-out evaluation on a sample.
  const postQualityOf = async (version: number): Promise<void> => {
    if (!options.adminToken) return;
    const quality = evaluateRanking(sampleDataset, precomputedScorer(await federatedScores(endpoint, pool, dataset, sample, version), dataset.catalogue.ids.length));
    await postRankingQuality(endpoint, options.adminToken, version, 'federated-dp', quality);
    await postRankingQuality(endpoint, options.adminToken, version, 'popularity', popularity);
    log(`model v${version}: HR@10 ${quality.hitRate.toFixed(3)} (popularity ${popularity.hitRate.toFixed(3)}) on ${quality.users} held-out users, posted to the dashboard`);
  };
  const result = await runFederation({
    endpoint, runName: 'seed', catalogue: dataset.catalogue, visitors, rounds: options.rounds, devicesPerRound: perRound,
    random: seededRandom(SETTINGS.seed + 3), pool,
    onProgress: (event) => {
      onProgress(event);
      if (event.kind === 'round') {
        lastRound = event.round;
        log(`round ${event.round}: ${event.sent} contributions → model v${event.version}, ε so far ${formatEpsilon(event.epsilonSpent)}`);
      }
    },
    afterRound: async (round, version) => {
      if (round % SETTINGS.seedQualityEvery === 0 && round < options.rounds) await postQualityOf(version);
    },
  });
  if (result.stoppedEarly) log(`seeding stopped early: ${result.stoppedEarly}`);
  await postQualityOf(result.finalVersion);
  // The dashboard's DP aggregate: one round of the category histogram from the same devices, beside the truth.
  const histogram = await runCategoryHistogram(endpoint, pool, visitors, seededRandom(SETTINGS.seed + 5), 30_000);
  if (histogram.kind === 'compared') {
    log(`${CATEGORY_TASK}: ${histogram.comparison.contributions} devices sent their top category (privatized on the device); what the dashboard shows beside the truth:\n${formatHistogram(histogram.comparison, 'as released')}`);
  } else {
    log(`${CATEGORY_TASK}: ${histogram.senders} devices sent their top category (privatized on the device); not compared: ${histogram.reason}`);
  }
  // The owner's segments: whole k-means schedules from the same devices, each release beside the truth.
  const segments = await runSegments(endpoint, pool, visitors, { dataset: DATASET_NAME, releases: SETTINGS.segments.releases, random: seededRandom(SETTINGS.seed + 7), log });
  const segmentsPrivacy = `ε so far ${formatEpsilon((await fetchEpsilonSpent(endpoint, SEGMENTS_TASK)).epsilon)} (the task's, after ${segments.rounds} rounds)`;
  for (const comparison of segments.comparisons) {
    log(`${SEGMENTS_TASK}: what the dashboard shows beside the truth:\n${formatSegments(comparison, segmentsPrivacy)}`);
    // The dashboard draws each size's true count beside it (the simulator knows it; a real site does not).
    if (options.adminToken && comparison.version !== null) {
      await postTrueCounts(endpoint, options.adminToken, SEGMENTS_TASK, comparison.version, comparison.rows.map((r) => ({ figure: 'segment' as const, name: r.id, truth: r.truth })));
    }
  }
  if (segments.stoppedEarly !== null) log(`${SEGMENTS_TASK}: stopped early: ${segments.stoppedEarly}`);
  // The funnel and category cards: the simulated visitors come back today, then every one sends each report.
  const reports = await runReports(endpoint, pool, visitors, dataset.catalogue, seededRandom(SETTINGS.seed + 8));
  log(`the simulated visitors viewed ${reports.viewsToday} films today`);
  for (const run of reports.runs) {
    if (run.kind !== 'compared') {
      log(`${run.task}: not compared (${run.senders} devices reported): ${run.reason}`);
      continue;
    }
    const c = run.comparison;
    log(`${c.task}: what the dashboard shows beside the truth:\n${formatReport(c, await reportPrivacy(endpoint, run))}`);
    if (options.adminToken) {
      // The release is the task's newest version (its period's budget is spent: no round after it).
      const { version } = await fetchEpsilonSpent(endpoint, c.task);
      const figures = [...c.funnel.map((r) => ({ figure: 'funnel' as const, name: r.label, truth: r.truth })), ...c.views.map((r) => ({ figure: 'views' as const, name: r.label, truth: r.truth }))];
      await postTrueCounts(endpoint, options.adminToken, c.task, version, figures);
    }
  }
  await result.devices.close();
  log(`seeding done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${lastRound} rounds, model v${result.finalVersion}, ε ${formatEpsilon(result.epsilonSpent)}`);
  return 0;
}

async function main(): Promise<void> {
  quiet();
  let options: SimulateOptions;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  const code = options.seedServer
    ? await seed(options, options.seedServer)
    : options.dataset === 'movietweetings'
      ? await simulateMovieTweetings(options, log)
      : await simulate(options);
  process.exit(code);
}

main().catch((error: unknown) => {
  process.stderr.write(`[simulate] failed: ${error instanceof Error ? (error.stack ?? error.message).slice(0, 2000) : String(error)}\n`);
  process.exit(1);
});
