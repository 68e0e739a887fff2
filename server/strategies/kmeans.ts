/**
 * Federated DP k-means segments, the server's half (issue 12 §1; the math and its references are
 * in core/models/kmeans.ts, the measurements in sim/experiments/README.md "Segments"). One task
 * runs a schedule of SCHEDULE_ROUNDS rounds, one model version each:
 *
 *   version 1 → mean round → 2 → coreset round → 3 → Lloyd round → 4 → Lloyd round → 5 (segments)
 *
 * and, if the task's budget allows another (the DP wrappers stop it otherwise), the schedule
 * starts again with a mean round, its segment ids matched to the last release (matchSegments).
 * The owner's `schedules` (KmeansSettings) plans the task's ρ over that many releases: each round
 * asks for SCHEDULE_SHARES[stage] / schedules of it (stageRhoFraction).
 * - configure: the round's stage is (modelVersion − 1) mod SCHEDULE_ROUNDS (each aggregated round
 *   produces exactly one version); every round has the task's one upload length and L2 bound
 *   (core/models/segments-model.ts), and names its fraction of the task's ρ (SCHEDULE_SHARES) so
 *   the DP wrappers size its noise as the simulator did.
 * - aggregate: the released sum (noise included) × the round's radius is post-processed with
 *   core/models/kmeans.ts alone (populationFromSums, coresetCentroids, centroidsFromSums,
 *   planRadius, matchSegments, describeSegment), and the new model publishes what devices need for
 *   the next round: the anchor μ, the number of hyperplanes and their seed, the centroids and the
 *   next radius. After the last Lloyd round the centroids become the release devices assign
 *   themselves to, and the round's release (for /v1/stats and the dashboard) is the segments'
 *   noised sizes labelled "<id>: <description>".
 * No I/O; randomness only through the task's public seed (k-means++ on the coreset is
 * post-processing).
 */
import {
  centroidsFromSums,
  coresetCentroids,
  describeSegment,
  featureDimension,
  kmeansLayout,
  matchSegments,
  meanLayout,
  minimumCount,
  planRadius,
  populationFromSums,
  populationMean,
  projectFeatures,
  PRIOR_MEAN_SQUARE,
  type Centroids,
  type SegmentFeatureSpec,
} from '../../core/models/kmeans.js';
import { readSegmentsModel, SCHEDULE_ROUNDS, SCHEDULE_SHARES, segmentsShape, writeSegmentsModel, type SegmentsModel } from '../../core/models/segments-model.js';
import { releasedNoiseStddev } from '../privacy/round-privacy.js';
import type { TaskDefinition } from '../tasks.js';
import { baseRoundConfig } from './client-config.js';
import type { AggregateInput, AggregateOutput, ConfigureContext, HistogramRelease, RoundPlan, Strategy } from './strategy.js';

/** The stage a round of this model version runs (0 mean, 1 coreset, 2… Lloyd). */
export function stageOf(modelVersion: number): number {
  if (!Number.isInteger(modelVersion) || modelVersion < 1) throw new RangeError(`modelVersion must be an integer ≥ 1; got ${modelVersion}`);
  return (modelVersion - 1) % SCHEDULE_ROUNDS;
}

function settingsOf(task: TaskDefinition): { spec: SegmentFeatureSpec; k: number; planes: number; seed: number; schedules: number } {
  const s = task.kmeans;
  if (s === undefined) throw new RangeError(`task ${task.task}: a kmeans task needs kmeans settings`);
  return { spec: { categories: s.categories }, k: s.k, planes: s.planes, seed: s.seed, schedules: s.schedules ?? 1 };
}

/** A stage's fraction of the task's ρ: its schedule share, the task's ε planned over `schedules` releases. */
export function stageRhoFraction(stage: number, schedules: number): number {
  return SCHEDULE_SHARES[stage]! / schedules;
}

/** A segment's label on the dashboard: "<id>: <description>". */
export function segmentLabel(id: number, description: string): string {
  return `${id}: ${description}`;
}

/** The released segments in words: the centroids against their count-weighted population mean. */
export function describeSegments(spec: SegmentFeatureSpec, centroids: Centroids, counts: readonly number[]): string[] {
  const population = populationMean(centroids, counts);
  return centroids.map((c) => describeSegment(spec, c, population));
}

export function createKmeans(): Strategy {
  return {
    configure(context: ConfigureContext): RoundPlan {
      const { schedules } = settingsOf(context.task);
      const stage = stageOf(context.modelVersion);
      return { kind: 'open', config: { ...baseRoundConfig(context), rhoFraction: stageRhoFraction(stage, schedules) } };
    },
    aggregate(input: AggregateInput): AggregateOutput {
      const { task, config, sum, contributions, weights } = input;
      if (contributions < 1) throw new RangeError('contributions must be ≥ 1 to aggregate');
      const { spec, k, planes, seed, schedules } = settingsOf(task);
      const dims = featureDimension(spec);
      const shape = segmentsShape(task.model.tensors);
      if (shape.k !== k || shape.dims !== dims) throw new RangeError(`task ${task.task}: the model is k ${shape.k}, d ${shape.dims}; the settings say k ${k}, d ${dims}`);
      if (sum.length !== config.vectorLength) throw new RangeError(`round ${input.roundId}: the sum has ${sum.length} values; the round has ${config.vectorLength}`);
      const model = readSegmentsModel(k, dims, weights);
      const stage = model.state.stage;
      const fraction = config.rhoFraction ?? stageRhoFraction(stage, schedules);
      // The round's radius: what its devices read from the model it trained on (the mean round's is 1).
      const radius = stage === 0 ? 1 : model.state.radius;
      if (!(radius > 0)) throw new RangeError(`round ${input.roundId}: stage ${stage} needs a radius > 0 in the model; got ${radius}`);
      // Back to float units and out of radius units: the released sum and its noise σ per value.
      const released = Float64Array.from(sum, (v) => v * config.granularity * radius);
      // σ of the released sum per radius unit, then in float units.
      const scaledSigma = releasedNoiseStddev(config, contributions);
      const sigma = scaledSigma * radius;
      // The next round's noise per unit radius (planRadius's z): σ ∝ 1/√ρ_round as the wrappers size it.
      const noisePerRadius = (nextStage: number): number => scaledSigma * Math.sqrt(fraction / stageRhoFraction(nextStage, schedules));
      const plan = (meanSquare: number, devices: number, nextStage: number): number => planRadius({ meanSquare, devices, dims, noisePerRadius: noisePerRadius(nextStage) });
      const slice = (blocks: number): Float64Array => released.subarray(0, blocks * (dims + 2));
      let next: SegmentsModel;
      let release: HistogramRelease | null = null;
      if (stage === 0) {
        const population = populationFromSums(spec, slice(1), sigma);
        // Noise-dominated (too few devices for the noise): the schedule goes on from the noisy
        // mean anyway, projected onto the domain, with the public prior's spread (post-processing).
        const count = Math.max(1, released[dims]! / meanLayout(dims).countWeight);
        const mean = population?.mean ?? projectFeatures(spec, Array.from(released.subarray(0, dims), (v) => v / count));
        const devices = population?.devices ?? count;
        const meanSquare = population?.meanSquare ?? PRIOR_MEAN_SQUARE;
        next = { ...model, mean, state: { ...model.state, stage: 1, radius: plan(meanSquare, devices, 1), planes, devices, meanSquare, seed } };
      } else if (stage === 1) {
        const cells = 2 ** model.state.planes;
        const layout = kmeansLayout(cells, dims, radius);
        const anchors = Array.from({ length: cells }, () => model.mean);
        const coreset = coresetCentroids(spec, layout, slice(cells), anchors, k, { minCount: minimumCount(sigma, layout.countWeight), seed: model.state.seed + model.state.completed });
        // Ids follow the last release when there is one (a later schedule): the nearest centroids keep their ids.
        const centroids = model.state.completed >= 1 ? matchSegments(model.released, coreset.centroids).centroids : coreset.centroids;
        const meanSquare = coreset.meanSquare ?? model.state.meanSquare;
        next = { ...model, centroids, counts: centroids.map(() => 0), state: { ...model.state, stage: 2, radius: plan(meanSquare, model.state.devices, 2), meanSquare } };
      } else {
        const layout = kmeansLayout(k, dims, radius);
        const update = centroidsFromSums(spec, layout, slice(k), model.centroids, minimumCount(sigma, layout.countWeight));
        const last = stage === SCHEDULE_ROUNDS - 1;
        if (!last) {
          // The radius is planned once from the coreset's estimate (a later round's spread is measured inside its own clip).
          next = { ...model, centroids: update.centroids, counts: update.counts, state: { ...model.state, stage: stage + 1, radius: plan(model.state.meanSquare, model.state.devices, stage + 1) } };
        } else {
          next = {
            ...model,
            centroids: update.centroids,
            counts: update.counts,
            released: update.centroids,
            releasedCounts: update.counts,
            state: { ...model.state, stage: 0, radius: 1, completed: model.state.completed + 1 },
          };
          const descriptions = describeSegments(spec, update.centroids, update.counts);
          release = {
            kind: 'histogram',
            labels: descriptions.map((d, id) => segmentLabel(id, d)),
            values: update.counts,
            // A count is the count slot's sum over a = κC: its noise is σ/a.
            stddev: sigma / layout.countWeight,
            contributions,
          };
        }
      }
      return { weights: writeSegmentsModel(next), release, privacy: null };
    },
  };
}
