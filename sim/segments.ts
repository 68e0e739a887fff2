/**
 * The owner's segments (the 'segments' task: federated DP k-means, server/strategies/kmeans.ts),
 * filled by the simulated devices and checked against the truth of the same devices.
 *
 * Each simulated device takes part exactly as a browser does: worker/federated/segments-task.ts
 * computes its feature vector from the replayed engine (worker/features/segment-inputs.ts via
 * `engine.segmentInputs()`, wired in sim/federation.ts DevicePool) and uploads its one block through
 * the same client and secure-aggregation path as the category histogram. One schedule is the mean
 * round, the coreset round and two Lloyd rounds; its release is the last Lloyd round's noised count
 * per segment, labelled "<id>: <description>".
 *
 * Beside each release (`compareSegments`), computed from the senders' true feature vectors:
 * - truth: how many senders were nearest each segment's anchor in that round, i.e. exactly what the
 *   noised count estimates (released − truth is the DP noise, σ as the server states it);
 * - now in it: how many senders are nearest the RELEASED centroid (what `inkling.segment()` answers);
 * - centralized: the sizes of centralized k-means at the same k on the same vectors (best of 10
 *   restarts, sim/experiments/kmeans.ts `centralized`), each cluster matched to a released segment
 *   by the Hungarian match the server uses across versions (matchSegments);
 * - WCSS of the released centroids against centralized k-means' (the experiment's score).
 */
import { matchSegments, nearestCentroid, segmentFeatures, type SegmentFeatureSpec } from '../core/models/kmeans.js';
import { readSegmentsModel, SCHEDULE_ROUNDS, SEGMENTS_TASK, segmentsShape, type SegmentsModel } from '../core/models/segments-model.js';
import { decodeModel, type HistogramAggregate } from '../core/protocol/aggregator.js';
import { segmentSpecOf } from '../worker/federated/segments-task.js';
import { latestAggregate } from './category-histogram.js';
import { centralized, wcss } from './experiments/kmeans.js';
import { fetchTask, fillHistogramRound, waitForRoundClose, type DevicePool } from './federation.js';
import type { Visitor } from './population.js';
import type { SeededRandom } from './random.js';

export interface SegmentRow {
  readonly id: number;
  readonly description: string;
  /** The noised size as released. */
  readonly released: number;
  /** What that size counts, without noise: the round's senders nearest this segment's anchor. */
  readonly truth: number;
  /** Senders nearest the released centroid: the segment each device now reports. */
  readonly nowIn: number;
  /** Size of the centralized k-means cluster matched to this segment. */
  readonly central: number;
}

export interface SegmentsComparison {
  readonly dataset: string;
  /** 1 for the first schedule's release, 2 for the next… */
  readonly release: number;
  readonly roundId: string;
  /** The model version the release produced (null in the in-process experiment). */
  readonly version: number | null;
  readonly contributions: number;
  readonly features: readonly string[];
  /** σ of each released size. */
  readonly stddev: number;
  readonly rows: readonly SegmentRow[];
  /** max over segments of |released − truth|. */
  readonly maxError: number;
  /** WCSS on the senders' true vectors: the released centroids, centralized k-means, their ratio. */
  readonly wcss: { readonly federated: number; readonly central: number; readonly ratio: number };
}

export interface SegmentsTruthInput {
  readonly dataset: string;
  readonly release: number;
  readonly roundId: string;
  readonly version: number | null;
  readonly features: readonly string[];
  readonly spec: SegmentFeatureSpec;
  /** The senders' true feature vectors. */
  readonly vectors: readonly Float64Array[];
  /** The centroids the release's round assigned devices to (its anchors). */
  readonly anchors: readonly Float64Array[];
  /** The released centroids. */
  readonly released: readonly Float64Array[];
  readonly counts: readonly number[];
  readonly descriptions: readonly string[];
  readonly stddev: number;
  readonly contributions: number;
  /** Centralized k-means on `vectors` when the caller has it already (else computed here). */
  readonly central?: { readonly centroids: readonly Float64Array[]; readonly wcss: number };
}

/** A release beside the truth of the same devices (see the header). */
export function compareSegments(input: SegmentsTruthInput): SegmentsComparison {
  const k = input.released.length;
  if (input.anchors.length !== k || input.counts.length !== k || input.descriptions.length !== k) {
    throw new RangeError(`a release of ${k} segments needs ${k} anchors, counts and descriptions; got ${input.anchors.length}, ${input.counts.length}, ${input.descriptions.length}`);
  }
  if (input.vectors.length < k) throw new RangeError(`vectors: centralized k-means at k ${k} needs ≥ ${k} devices; got ${input.vectors.length}`);
  const sizes = (centroids: readonly Float64Array[]): number[] => {
    const out = centroids.map(() => 0);
    for (const x of input.vectors) out[nearestCentroid(centroids, x)]!++;
    return out;
  };
  const truth = sizes(input.anchors);
  const nowIn = sizes(input.released);
  const central = input.central ?? centralized({ name: input.dataset, spec: input.spec, features: input.vectors }, k);
  const centralSizes = sizes(central.centroids);
  const { order } = matchSegments(input.released, central.centroids);
  const rows = input.released.map((_, j): SegmentRow => ({ id: j, description: input.descriptions[j]!, released: input.counts[j]!, truth: truth[j]!, nowIn: nowIn[j]!, central: centralSizes[order[j]!]! }));
  const federated = wcss(input.vectors, input.released);
  return {
    dataset: input.dataset,
    release: input.release,
    roundId: input.roundId,
    version: input.version,
    contributions: input.contributions,
    features: input.features,
    stddev: input.stddev,
    rows,
    maxError: Math.max(...rows.map((r) => Math.abs(r.released - r.truth))),
    wcss: { federated, central: central.wcss, ratio: central.wcss > 0 ? federated / central.wcss : Number.NaN },
  };
}

async function fetchSegmentsModel(endpoint: string, version: number): Promise<SegmentsModel> {
  const response = await fetch(`${endpoint}/v1/models/${SEGMENTS_TASK}/${version}`);
  if (!response.ok) throw new Error(`GET ${endpoint}/v1/models/${SEGMENTS_TASK}/${version} answered ${response.status}`);
  const blob = decodeModel(new Uint8Array(await response.arrayBuffer()));
  const { k, dims } = segmentsShape(blob.header.tensors);
  return readSegmentsModel(k, dims, blob.data);
}

/** "<id>: <description>" (server/strategies/kmeans.ts segmentLabel) → the description. */
function descriptionOf(label: string): string {
  const at = label.indexOf(': ');
  return at < 0 ? label : label.slice(at + 2);
}

export interface SegmentsRun {
  readonly comparisons: readonly SegmentsComparison[];
  /** Rounds the devices filled. */
  readonly rounds: number;
  /** Why it stopped before `releases`, if it did. */
  readonly stoppedEarly: string | null;
}

export interface SegmentsRunOptions {
  readonly dataset: string;
  /** Releases (whole schedules) to fill. */
  readonly releases: number;
  readonly random: SeededRandom;
  readonly log?: (line: string) => void;
}

/**
 * Fills the segments task's rounds with `visitors` (a shuffled sample per round, until each is full)
 * until `releases` schedules have been released, comparing each release with the truth. A release
 * that counts devices other than these (a real visitor of `npm start`'s shop) is not compared.
 */
export async function runSegments(endpoint: string, pool: DevicePool, visitors: readonly Visitor[], options: SegmentsRunOptions): Promise<SegmentsRun> {
  const comparisons: SegmentsComparison[] = [];
  let rounds = 0;
  let releasesSeen = 0;
  while (releasesSeen < options.releases) {
    const task = await fetchTask(endpoint, SEGMENTS_TASK);
    if (task === undefined) return { comparisons, rounds, stoppedEarly: `no open ${SEGMENTS_TASK} round after ${rounds} rounds (stopped at its ε budget?)` };
    const spec = segmentSpecOf(task);
    const model = await fetchSegmentsModel(endpoint, task.model.version);
    const stage = model.state.stage;
    // Why devices sat a round out, by reason (the first device's words for each).
    const skipped = new Map<string, { n: number; example: string }>();
    const senders = await fillHistogramRound(endpoint, pool, visitors, SEGMENTS_TASK, options.random, (why) => {
      const reason = why.split(':')[0]!;
      const seen = skipped.get(reason);
      skipped.set(reason, { n: (seen?.n ?? 0) + 1, example: seen?.example ?? why });
    });
    if (senders.length < task.minContributions) {
      const reasons = [...skipped.values()].map(({ n, example }) => `${n} × ${example}`).join('; ');
      return { comparisons, rounds, stoppedEarly: `round ${task.roundId}: only ${senders.length} devices could contribute (the round needs ${task.minContributions}); skipped: ${reasons || 'none'}` };
    }
    rounds++;
    await waitForRoundClose(endpoint, SEGMENTS_TASK, task.roundId, Math.max(0, Date.parse(task.deadline) - Date.now()) + 30_000);
    options.log?.(`${SEGMENTS_TASK} round ${rounds} (stage ${stage === 0 ? 'mean' : stage === 1 ? 'coreset' : `Lloyd ${stage - 1}`}): ${senders.length} devices → v${task.model.version + 1}`);
    if (stage !== SCHEDULE_ROUNDS - 1) continue;
    releasesSeen++;
    const aggregate: HistogramAggregate | undefined = await latestAggregate(endpoint, SEGMENTS_TASK);
    if (aggregate === undefined || aggregate.roundId !== task.roundId) {
      options.log?.(`${SEGMENTS_TASK}: round ${task.roundId} closed without a release in /v1/stats; not compared`);
      continue;
    }
    if (aggregate.contributions !== senders.length) {
      options.log?.(`${SEGMENTS_TASK}: round ${task.roundId} released ${aggregate.contributions} contributions, not these ${senders.length} devices' alone; not compared`);
      continue;
    }
    const released = await fetchSegmentsModel(endpoint, task.model.version + 1);
    const vectors: Float64Array[] = [];
    for (const visitor of senders) {
      const inputs = await visitor.engine.segmentInputs();
      if (inputs !== null) vectors.push(segmentFeatures(spec, inputs));
    }
    comparisons.push(compareSegments({
      dataset: options.dataset, release: releasesSeen, roundId: task.roundId, version: task.model.version + 1,
      features: task.labels ?? [], spec, vectors, anchors: model.centroids, released: released.released,
      counts: aggregate.values, descriptions: aggregate.labels.map(descriptionOf), stddev: aggregate.stddev, contributions: aggregate.contributions,
    }));
  }
  return { comparisons, rounds, stoppedEarly: null };
}
