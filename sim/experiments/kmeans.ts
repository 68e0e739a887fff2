/**
 * Federated DP k-means segments against centralized k-means (issue 12 §1), on ml-latest-small (671
 * devices) and MovieTweetings 2013 (21,081 devices), every user a device.
 *
 * Each user's feature vector is core/models/kmeans.ts `segmentFeatures` of what the engine would
 * hold at the data set's last timestamp: long-term interest shares (worker/features/interests.ts,
 * the engine's 365-day half-life) over the data set's 6 most common genres, the number of events,
 * days since the last one, the share on Saturday/Sunday (UTC), spend 0 (neither data set has
 * purchases).
 *
 *   centralized   k-means++ and Lloyd to convergence on the true features, best of 10 restarts
 *   federated     the task as designed (core/models/kmeans.ts): the mean round, the coreset round
 *                 over hyperplane cells through the released mean, R DP Lloyd rounds, every radius
 *                 planned from released numbers; without noise ("no DP") and with the Gaussian
 *                 noise each round's sum carries for ε per task over all rounds (zCDP ρ split by
 *                 --shares; δ 1e-6, the server's default)
 *   floor         one DP Lloyd round with the whole ρ, started from the centralized optimum (radius
 *                 by the same rule from the true rms): what the noise alone costs, whatever the start
 *
 * The score is WCSS on the TRUE features: each user assigned to the nearest released centroid,
 * Σ‖x − c‖² over users, divided by the centralized WCSS at the same k.
 *
 *   node --import tsx sim/experiments/kmeans.ts [--dataset ml|mt|both] [--k 4,8] [--eps 0.5,1,2] [--seeds 20]
 *     [--shares 0.1,0.3,0.3,0.3] [--radius auto|0.1] [--coreset-radius auto|0.2] [--signal-scale 50] [--max-multiple 2.5]
 *     [--planes auto|5] [--cells planes|grid] [--versions 1] [--categories 6] [--json]
 */
import {
  centroidsFromSums,
  coresetCentroids,
  describeSegment,
  encodeKmeansContribution,
  featureDimension,
  featureNames,
  hyperplaneCellOf,
  hyperplaneNormals,
  kmeansClipNorm,
  kmeansLayout,
  kmeansVectorLength,
  matchSegments,
  meanLayout,
  minimumCount,
  nearestCentroid,
  planesFor,
  planRadius,
  populationFromSums,
  populationMean,
  segmentFeatures,
  squaredDistance,
  weightedKmeans,
  ACTIVITY_WEIGHT,
  RADIUS_SIGNAL_SCALE,
  RADIUS_MAX_MULTIPLE,
  type KmeansLayout,
  type SegmentFeatureSpec,
} from '../../core/models/kmeans.js';
import { addInterest, interestShares, type InterestTable } from '../../worker/features/interests.js';
import { DEFAULT_HALF_LIVES } from '../../worker/features/tuning.js';
import { formatSegments } from '../report.js';
import { compareSegments, type SegmentsComparison } from '../segments.js';
import { flags, gaussian, num, rhoForEpsilon, seeded, type Rng } from './common.js';
import { loadMovieLensSequences, loadMovieTweetingsSequences, type SequenceDataset } from './sequences.js';

const DAY = 86_400_000;
export const DELTA = 1e-6;

export interface KmeansOptions {
  /** Shares of the task's ρ per round, in order: the mean round, the coreset round, then one per DP Lloyd round. */
  readonly shares: readonly number[];
  /** Radius of the Lloyd rounds and of the coreset round: 'auto' (planRadius) or a fixed number. */
  readonly radius: number | 'auto';
  readonly coresetRadius: number | 'auto';
  /** planRadius's signal scale R0 and largest multiple of the rms distance. */
  readonly signalScale: number;
  readonly maxMultiple: number;
  /** Coreset cells: 'planes' (2^planes hyperplane cells through the released mean) or 'grid' (top interest × 2 frequency tiers). */
  readonly cells: 'planes' | 'grid';
  /** 'auto': planesFor(released device count). */
  readonly planes: number | 'auto';
  /**
   * Task versions run one after the other, each spending ε again: version 1 the whole schedule,
   * each later one only the Lloyd rounds (their shares scaled up to the whole ρ), warm-started
   * from the previous version's centroids, ids kept by matchSegments.
   */
  readonly versions: number;
}

export const KMEANS_DEFAULTS: KmeansOptions = { shares: [0.1, 0.3, 0.3, 0.3], radius: 'auto', coresetRadius: 'auto', signalScale: RADIUS_SIGNAL_SCALE, maxMultiple: RADIUS_MAX_MULTIPLE, cells: 'planes', planes: 'auto', versions: 1 };

/** The alternative public cells measured against the hyperplanes: top listed interest (or none) × frequency below/above 0.5. */
function gridCellOf(spec: SegmentFeatureSpec, x: ArrayLike<number>): number {
  const m = spec.categories.length;
  let top = m;
  let best = 0;
  for (let j = 0; j < m; j++) if (x[j]! > best) [top, best] = [j, x[j]!];
  return top * 2 + (x[m]! / ACTIVITY_WEIGHT >= 0.5 ? 1 : 0);
}

export interface SegmentData {
  readonly name: string;
  readonly spec: SegmentFeatureSpec;
  readonly features: readonly Float64Array[];
}

/** Every user's feature vector as the engine would give it at the data set's last event; the top `categories` genres. */
export function segmentData(data: SequenceDataset, categories: number): SegmentData {
  let now = 0;
  for (const u of data.users) for (const s of u.steps) now = Math.max(now, s.at);
  const profiles = data.users.map((u) => {
    const table: InterestTable = {};
    let weekend = 0;
    for (const s of u.steps) {
      addInterest(table, s.categories.map((c) => data.vocabulary[c]!), 1, s.at, DEFAULT_HALF_LIVES);
      const day = new Date(s.at).getUTCDay();
      if (day === 0 || day === 6) weekend++;
    }
    const shares = interestShares(table, now, DEFAULT_HALF_LIVES, 0).map((s) => ({ category: s.category, share: s.longTerm }));
    const last = u.steps.length === 0 ? null : u.steps[u.steps.length - 1]!.at;
    return { shares, events: u.steps.length, recencyDays: last === null ? null : (now - last) / DAY, weekendShare: u.steps.length === 0 ? null : weekend / u.steps.length };
  });
  const mass = new Map<string, number>();
  for (const p of profiles) for (const s of p.shares) mass.set(s.category, (mass.get(s.category) ?? 0) + s.share);
  const top = [...mass.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, categories).map(([c]) => c);
  const spec: SegmentFeatureSpec = { categories: top };
  const features = profiles.map((p) => {
    // Shares add up to 1 up to rounding; normalise the rounding away (the core rejects > 1 + 1e-6).
    const total = p.shares.reduce((a, s) => a + s.share, 0);
    const interests = total > 1 ? p.shares.map((s) => ({ ...s, share: s.share / total })) : p.shares;
    return segmentFeatures(spec, { interests, events: p.events, recencyDays: p.recencyDays, weekendShare: p.weekendShare, spend: 0 });
  });
  return { name: data.name, spec, features };
}

export function wcss(features: readonly Float64Array[], centroids: readonly Float64Array[]): number {
  let s = 0;
  for (const x of features) s += squaredDistance(centroids[nearestCentroid(centroids, x)]!, x);
  return s;
}

export function centralized(data: SegmentData, k: number, restarts = 10, seed = 1): { centroids: Float64Array[]; wcss: number } {
  const random = seeded(seed);
  return weightedKmeans(data.features, data.features.map(() => 1), k, { restarts, random });
}

/** One released round: Σ of every device's encoded contribution plus N(0, σ²) per value. */
function releasedSum(layout: KmeansLayout, blockOf: (x: Float64Array) => number, anchors: readonly Float64Array[], features: readonly Float64Array[], sigma: number, rng: Rng): Float64Array {
  const sum = new Float64Array(kmeansVectorLength(layout));
  for (const x of features) {
    const block = blockOf(x);
    const v = encodeKmeansContribution(layout, block, x, anchors[block]);
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) sum[i]! += v[i]!;
  }
  if (sigma > 0) for (let i = 0; i < sum.length; i++) sum[i]! += sigma * gaussian(rng);
  return sum;
}

export interface FederatedRun {
  readonly centroids: Float64Array[];
  readonly counts: number[];
  /** WCSS on the true features after the coreset init and after each Lloyd round. */
  readonly trace: number[];
  /** σ of each round's sum (0 without DP). */
  readonly sigmas: number[];
  /** The radius of the coreset round and of each Lloyd round. */
  readonly radii: number[];
  readonly planes: number;
  /** The centroids the last Lloyd round assigned devices to (what its released counts count), in the released ids' order. */
  readonly anchors: Float64Array[];
  /** σ of each released count of the last round (its sum's σ over the count weight). */
  readonly countStddev: number;
}

/** A fixed public seed of the task: the hyperplane normals every device and the server share. */
export const PLANES_SEED = 20_261_212;

/**
 * The federated task, in-process (ε null: no noise): the mean round (raw features, C = 1), the
 * coreset round over hyperplane cells through the released mean, R DP Lloyd rounds; every radius,
 * the number of cells and the noise-dominated threshold from released quantities and the plan only.
 */
export function federatedKmeans(data: SegmentData, k: number, epsilon: number | null, seed: number, options: KmeansOptions): FederatedRun {
  const rng = seeded(seed);
  const spec = data.spec;
  const dims = featureDimension(spec);
  const rho = epsilon === null ? Infinity : rhoForEpsilon(epsilon, DELTA);
  const total = options.shares.reduce((a, b) => a + b, 0);
  if (options.shares.length < 3 || Math.abs(total - 1) > 1e-9) throw new RangeError(`shares: the mean, the coreset and each Lloyd round's share of ρ, adding up to 1; got ${options.shares.join(',')}`);
  const [meanShare, coresetShare, ...lloydShares] = options.shares as [number, number, ...number[]];
  // A round with share s: ρ_r = s·ρ and σ = Δ/√(2ρ_r) (zCDP of the Gaussian mechanism; the rounds' ρ add up).
  const noisePerSensitivity = (share: number) => (epsilon === null ? 0 : 1 / Math.sqrt(2 * share * rho));
  const sigmaOf = (layout: KmeansLayout, share: number) => kmeansClipNorm(layout) * noisePerSensitivity(share);
  const sigmas: number[] = [];
  const radii: number[] = [];
  const trace: number[] = [];

  const mLayout = meanLayout(dims);
  const mSigma = sigmaOf(mLayout, meanShare);
  sigmas.push(mSigma);
  const origin = new Float64Array(dims);
  const population = populationFromSums(spec, releasedSum(mLayout, () => 0, [origin], data.features, mSigma, rng), mSigma);
  if (population === null) throw new Error('the mean round was noise-dominated');
  // z = σ/C of a round at this share (the layout's Δ is C·√(1 + κ² + κ_s²)).
  const noisePerRadius = (share: number) => kmeansClipNorm(kmeansLayout(1, dims, 1)) * noisePerSensitivity(share);
  const plan = (meanSquare: number, share: number) => planRadius({ meanSquare, devices: population.devices, dims, noisePerRadius: noisePerRadius(share), signalScale: options.signalScale, maxMultiple: options.maxMultiple });

  const planes = options.planes === 'auto' ? planesFor(population.devices) : options.planes;
  const normals = hyperplaneNormals(dims, planes, PLANES_SEED);
  const cells = options.cells === 'grid' ? (spec.categories.length + 1) * 2 : 2 ** planes;
  const cellOfDevice = (x: Float64Array) => (options.cells === 'grid' ? gridCellOf(spec, x) : hyperplaneCellOf(x, population.mean, normals));
  const cRadius = options.coresetRadius === 'auto' ? plan(population.meanSquare, coresetShare) : options.coresetRadius;
  radii.push(cRadius);
  const cLayout = kmeansLayout(cells, dims, cRadius);
  const cSigma = sigmaOf(cLayout, coresetShare);
  sigmas.push(cSigma);
  const anchors = Array.from({ length: cells }, () => population.mean);
  const coreset = coresetCentroids(spec, cLayout, releasedSum(cLayout, cellOfDevice, anchors, data.features, cSigma, rng), anchors, k, { minCount: minimumCount(cSigma, cLayout.countWeight), seed });
  let centroids = coreset.centroids;
  // Planned once from the coreset's estimate: a later round's spread is measured inside its own
  // clip (≤ C²), so re-planning from it with a multiple < 1 would shrink C round after round.
  const meanSquare = coreset.meanSquare ?? population.meanSquare;
  trace.push(wcss(data.features, centroids));

  let counts: number[] = [];
  let lastAnchors: Float64Array[] = centroids;
  let countStddev = 0;
  const lloydTotal = lloydShares.reduce((a, b) => a + b, 0);
  for (let version = 1; version <= options.versions; version++) {
    const start = centroids;
    for (const lloydShare of lloydShares) {
      const share = version === 1 ? lloydShare : lloydShare / lloydTotal;
      const radius = options.radius === 'auto' ? plan(meanSquare, share) : options.radius;
      radii.push(radius);
      const layout = kmeansLayout(k, dims, radius);
      const sigma = sigmaOf(layout, share);
      sigmas.push(sigma);
      const current = centroids;
      lastAnchors = current;
      countStddev = sigma / layout.countWeight;
      const sum = releasedSum(layout, (x) => nearestCentroid(current, x), current, data.features, sigma, rng);
      const update = centroidsFromSums(spec, layout, sum, current, minimumCount(sigma, layout.countWeight));
      centroids = update.centroids;
      counts = update.counts;
      trace.push(wcss(data.features, centroids));
    }
    // A version's ids follow the previous version's (Lloyd keeps the order; the match is what a server does across versions).
    if (version > 1) {
      const matched = matchSegments(start, centroids);
      counts = matched.order.map((j) => counts[j]!);
      lastAnchors = matched.order.map((j) => lastAnchors[j]!);
      centroids = matched.centroids;
    }
  }
  return { centroids, counts, trace, sigmas, radii, planes, anchors: lastAnchors, countStddev };
}

interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export interface KmeansRow {
  readonly k: number;
  /** null: federated without noise. */
  readonly epsilon: number | null;
  readonly centralWcss: number;
  /** WCSS of the released centroids ÷ central WCSS, over the seeds. */
  readonly ratio: Spread;
  readonly wcss: Spread;
  /** Seeds within the target ratio. */
  readonly withinTarget: number;
  /** Mean ratio after the coreset and after each Lloyd round. */
  readonly trace: readonly number[];
  /** Seed 1's σ of each round's sum (mean, coreset, Lloyd…) and radius (coreset, Lloyd…). */
  readonly sigmas: readonly number[];
  readonly radii: readonly number[];
  readonly planes: number;
  /** Mean ratio of one DP round from the centralized optimum with the whole ρ (null without DP). */
  readonly floor: number | null;
}

export interface KmeansReport {
  readonly dataset: string;
  readonly devices: number;
  readonly features: readonly string[];
  readonly seeds: number;
  readonly target: number;
  /** ε per task is converted to ρ at this δ. */
  readonly delta: number;
  readonly options: KmeansOptions;
  readonly rows: readonly KmeansRow[];
  /**
   * Seed 1's segments at the first k and the largest ε beside the truth of the same devices, as the
   * simulator prints a release (sim/segments.ts compareSegments); null without a DP row.
   */
  readonly segments: SegmentsComparison | null;
  /** The ε of `segments`. */
  readonly segmentsEpsilon: number | null;
}

/** One DP Lloyd round from the centralized optimum with the whole ρ: the noise's own cost. */
export function noiseFloor(data: SegmentData, central: readonly Float64Array[], epsilon: number, seed: number): number {
  const rng = seeded(seed);
  const dims = featureDimension(data.spec);
  const k = central.length;
  const noisePerSensitivity = 1 / Math.sqrt(2 * rhoForEpsilon(epsilon, DELTA));
  const radius = planRadius({ meanSquare: wcss(data.features, central) / data.features.length, devices: data.features.length, dims, noisePerRadius: kmeansClipNorm(kmeansLayout(1, dims, 1)) * noisePerSensitivity });
  const layout = kmeansLayout(k, dims, radius);
  const sigma = kmeansClipNorm(layout) * noisePerSensitivity;
  const sum = releasedSum(layout, (x) => nearestCentroid(central, x), central, data.features, sigma, rng);
  return wcss(data.features, centroidsFromSums(data.spec, layout, sum, central, minimumCount(sigma, layout.countWeight)).centroids);
}

export function kmeansReport(data: SegmentData, ks: readonly number[], epsilons: readonly number[], seeds: number, target: number, options: KmeansOptions, log: (line: string) => void = () => {}): KmeansReport {
  const rows: KmeansRow[] = [];
  let segments: SegmentsComparison | null = null;
  let segmentsEpsilon: number | null = null;
  for (const k of ks) {
    const central = centralized(data, k);
    log(`${data.name}: k ${k}: centralized WCSS ${central.wcss.toFixed(2)} (${(central.wcss / data.features.length).toFixed(4)} per device)`);
    for (const epsilon of [null, ...epsilons]) {
      const runs = Array.from({ length: seeds }, (_, s) => federatedKmeans(data, k, epsilon, s + 1, options));
      const values = runs.map((r) => r.trace[r.trace.length - 1]!);
      const ratios = values.map((v) => v / central.wcss);
      const trace = runs[0]!.trace.map((_, i) => spread(runs.map((r) => r.trace[i]! / central.wcss)).mean);
      const floor = epsilon === null ? null : spread(Array.from({ length: seeds }, (_, s) => noiseFloor(data, central.centroids, epsilon, s + 1) / central.wcss)).mean;
      const row: KmeansRow = { k, epsilon, centralWcss: central.wcss, ratio: spread(ratios), wcss: spread(values), withinTarget: ratios.filter((r) => r <= 1 + target).length, trace, sigmas: runs[0]!.sigmas, radii: runs[0]!.radii, planes: runs[0]!.planes, floor };
      rows.push(row);
      log(`${data.name}: k ${k} ${epsilon === null ? 'no DP' : `ε ${epsilon}`}: ratio ${row.ratio.mean.toFixed(4)} ± ${row.ratio.sd.toFixed(4)} (coreset → Lloyd rounds: ${trace.map((t) => t.toFixed(3)).join(' → ')}; floor ${floor?.toFixed(4) ?? '–'}); σ ${row.sigmas.map((v) => v.toFixed(2)).join(', ')}; C ${row.radii.map((r) => r.toFixed(3)).join(', ')}; ${row.planes} planes`);
      if (epsilon !== null && epsilon === Math.max(...epsilons) && k === ks[0]) {
        const run = runs[0]!;
        const population = populationMean(run.centroids, run.counts);
        segmentsEpsilon = epsilon;
        segments = compareSegments({
          dataset: data.name, release: 1, roundId: `in-process, seed 1, k ${k}`, version: null, features: featureNames(data.spec), spec: data.spec,
          vectors: data.features, anchors: run.anchors, released: run.centroids, counts: run.counts,
          descriptions: run.centroids.map((c) => describeSegment(data.spec, c, population)), stddev: run.countStddev, contributions: data.features.length, central,
        });
      }
    }
  }
  return { dataset: data.name, devices: data.features.length, features: featureNames(data.spec), seeds, target, delta: DELTA, options, rows, segments, segmentsEpsilon };
}

function printReport(report: KmeansReport): void {
  const pct = (v: number) => `${v >= 1 ? '+' : ''}${(100 * (v - 1)).toFixed(1)} %`;
  console.log(`\n${report.dataset}: ${report.devices} devices; features ${report.features.join(', ')}; ${report.seeds} seeds; target ≤ +${Math.round(100 * report.target)} %`);
  console.log('| k | ε | central WCSS | federated WCSS, mean ± sd | vs central: mean (min, max) | seeds within target | after coreset → each Lloyd round | floor: 1 round from the optimum | σ per round | C per round |');
  console.log('|---:|---|---:|---:|---:|---:|---|---:|---|---|');
  for (const r of report.rows) {
    console.log(`| ${r.k} | ${r.epsilon === null ? 'no DP' : r.epsilon} | ${r.centralWcss.toFixed(2)} | ${r.wcss.mean.toFixed(2)} ± ${r.wcss.sd.toFixed(2)} | ${pct(r.ratio.mean)} (${pct(r.ratio.min)}, ${pct(r.ratio.max)}) | ${r.withinTarget}/${report.seeds} | ${r.trace.map(pct).join(' → ')} | ${r.floor === null ? '–' : pct(r.floor)} | ${r.sigmas.map((v) => v.toFixed(2)).join(', ')} | ${r.radii.map((v) => v.toFixed(3)).join(', ')} |`);
  }
  if (report.segments !== null) console.log(`\n${formatSegments(report.segments, `ε ${report.segmentsEpsilon} for the task, δ ${report.delta}, the task's rounds in-process`)}`);
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const which = f.dataset ?? 'both';
  const list = (key: string, fallback: number[]) => (f[key] === undefined ? fallback : f[key]!.split(',').map(Number));
  const d = KMEANS_DEFAULTS;
  const auto = (key: string, fallback: number | 'auto') => (f[key] === undefined ? fallback : f[key] === 'auto' ? 'auto' : Number(f[key]));
  const options: KmeansOptions = {
    shares: list('shares', [...d.shares]),
    radius: auto('radius', d.radius),
    coresetRadius: auto('coreset-radius', d.coresetRadius),
    signalScale: num(f, 'signal-scale', d.signalScale),
    maxMultiple: num(f, 'max-multiple', d.maxMultiple),
    cells: f.cells === 'grid' ? 'grid' : d.cells,
    planes: auto('planes', d.planes),
    versions: num(f, 'versions', d.versions),
  };
  const ks = list('k', [4, 8]);
  const epsilons = list('eps', [0.5, 1, 2]);
  const seeds = num(f, 'seeds', 20);
  const categories = num(f, 'categories', 6);
  const json = f.json === 'true';
  const log = json ? () => {} : (line: string) => console.error(line);
  const reports: KmeansReport[] = [];
  if (which === 'ml' || which === 'both') reports.push(kmeansReport(segmentData(loadMovieLensSequences(), categories), ks, epsilons, seeds, 0.15, options, log));
  if (which === 'mt' || which === 'both') reports.push(kmeansReport(segmentData(loadMovieTweetingsSequences(), categories), ks, epsilons, seeds, 0.05, options, log));
  if (json) console.log(JSON.stringify(reports, null, 2));
  else reports.forEach(printReport);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
