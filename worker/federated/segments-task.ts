/**
 * The 'segments' task on the device (issue 12 §1; server/strategies/kmeans.ts is the server's half,
 * core/models/kmeans.ts the math, core/models/segments-model.ts the model's layout).
 *
 * Each round the device computes its feature vector from the engine's profile
 * (worker/features/segment-inputs.ts: interest shares over the task's categories, frequency,
 * recency, weekend share, spend) and writes ONE block of the round's fixed-length upload:
 * - mean round (stage 0): [x, a, b·‖x‖²] in block 0;
 * - coreset round (stage 1): its delta to the released mean μ, clipped to the round's radius C, in
 *   the block of its hyperplane cell (public normals from the model's seed);
 * - Lloyd rounds: its delta to its nearest centroid, clipped to C, in that segment's block;
 * every block divided by C (the task's L2 bound is in radius units). The client privatizes it like
 * any update; the server sees a noised vector over all blocks.
 *
 * What it refuses: a task whose feature names (its labels) include one this device cannot compute
 * (a RangeError naming the feature: only 'interest:<category>' and the four activity features
 * exist here), or whose vector length is not the model's layout. A visitor with no event yet sits
 * the round out ('no-data': nothing to describe it with; it pays nothing).
 *
 * Locally (IndexedDB 'state', never sent): the task's feature names, and once a schedule has
 * finished, the visitor's segment (id, description, model version) against the latest released
 * centroids — `createSegmentSource` answers `inkling.segment()` from those. A visitor who never
 * took part (it arrived after the task stopped) reads the feature names from the release's header.
 */
import { ACTIVITY_FEATURES, describeSegment, encodeKmeansContribution, featureDimension, hyperplaneCellOf, hyperplaneNormals, kmeansLayout, meanLayout, nearestCentroid, populationMean, segmentFeatures, type SegmentFeatureSpec, type SegmentInputs } from '../../core/models/kmeans.js';
import { readSegmentsModel, SEGMENTS_TASK, segmentsShape, specFromFeatureNames, type SegmentsModel } from '../../core/models/segments-model.js';
import { decodeModel, type ModelBlob, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import type { SegmentView } from '../../core/protocol/engine-api.js';
import type { FederatedDb } from './db.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';
import { loadLatestModel, type ModelSource } from './model-cache.js';

/** IndexedDB 'state' keys. */
const SPEC_KEY = `${SEGMENTS_TASK}:features`;
const SEGMENT_KEY = `${SEGMENTS_TASK}:segment`;

export interface StoredSegment extends SegmentView {
  readonly modelVersion: number;
  readonly at: number;
}

export interface SegmentsTaskOptions {
  readonly db: FederatedDb;
  /** The engine's inputs now (worker/engine.ts segmentInputs); null: no event yet. */
  readonly inputs: () => Promise<SegmentInputs | null>;
  readonly now?: () => number;
}

/** The spec a task's labels describe; a RangeError names a feature this device cannot compute. */
export function segmentSpecOf(task: Pick<TaskDescriptor, 'task' | 'labels'>): SegmentFeatureSpec {
  if (task.labels === undefined) throw new RangeError(`task ${task.task}: a segments task lists its feature names as labels; got none`);
  try {
    const spec = specFromFeatureNames(task.labels, ACTIVITY_FEATURES);
    featureDimension(spec);
    return spec;
  } catch (error) {
    throw new RangeError(`task ${task.task}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The device's upload for the round the model's state names (see the header), vectorLength floats.
 * @example encodeSegmentsUpload(spec, model, x, task.vectorLength);
 */
export function encodeSegmentsUpload(model: SegmentsModel, x: Float64Array, vectorLength: number): Float32Array {
  const dims = x.length;
  const k = model.centroids.length;
  const { stage, radius, planes, seed } = model.state;
  const out = new Float32Array(vectorLength);
  let block: Float32Array;
  let scale = 1;
  if (stage === 0) {
    block = encodeKmeansContribution(meanLayout(dims), 0, x);
  } else {
    if (!(radius > 0 && radius <= 2)) throw new RangeError(`segments model: stage ${stage} needs a radius in (0, 2]; got ${radius}`);
    scale = 1 / radius;
    if (stage === 1) {
      if (!Number.isInteger(planes) || planes < 1) throw new RangeError(`segments model: the coreset round needs planes ≥ 1; got ${planes}`);
      const cells = 2 ** planes;
      const cell = hyperplaneCellOf(x, model.mean, hyperplaneNormals(dims, planes, seed));
      block = encodeKmeansContribution(kmeansLayout(cells, dims, radius), cell, x, model.mean);
    } else {
      const j = nearestCentroid(model.centroids, x);
      block = encodeKmeansContribution(kmeansLayout(k, dims, radius), j, x, model.centroids[j]);
    }
  }
  if (block.length > vectorLength) throw new RangeError(`task vectorLength ${vectorLength} is shorter than the round's ${block.length} values`);
  for (let i = 0; i < block.length; i++) out[i] = block[i]! * scale;
  return out;
}

/** The visitor's segment against a model's last released centroids, or null before the first release. */
export function segmentOfModel(spec: SegmentFeatureSpec, model: SegmentsModel, x: Float64Array): SegmentView | null {
  if (model.state.completed < 1) return null;
  const id = nearestCentroid(model.released, x);
  const description = describeSegment(spec, model.released[id]!, populationMean(model.released, model.releasedCounts));
  return { id, description };
}

function modelOf(blob: ModelBlob, dims: number): SegmentsModel {
  const { k, dims: modelDims } = segmentsShape(blob.header.tensors);
  if (modelDims !== dims) throw new RangeError(`segments model ${blob.header.name}@${blob.header.version} has ${modelDims} features; the task lists ${dims}`);
  return readSegmentsModel(k, dims, blob.data);
}

/** @example handlers.set('segments', createSegmentsTaskHandler({ db, inputs: () => engine.segmentInputs() })); */
export function createSegmentsTaskHandler(options: SegmentsTaskOptions): LocalTaskHandler {
  const now = options.now ?? Date.now;
  return {
    async train(task: TaskDescriptor, blob: ModelBlob): Promise<LocalOutcome> {
      const spec = segmentSpecOf(task);
      const model = modelOf(blob, featureDimension(spec));
      await options.db.put('state', [...(task.labels ?? [])], SPEC_KEY);
      const inputs = await options.inputs();
      if (inputs === null) return { kind: 'no-data' };
      const x = segmentFeatures(spec, inputs);
      const segment = segmentOfModel(spec, model, x);
      if (segment !== null) await options.db.put('state', { ...segment, modelVersion: blob.header.version, at: now() } satisfies StoredSegment, SEGMENT_KEY);
      return { kind: 'update', update: encodeSegmentsUpload(model, x, task.vectorLength), commit: async () => undefined };
    },
  };
}

/** How often a device asks for the newest release at most, while it holds none (or an old one). */
const RETRY_MS = 3_600_000;
const RELEASE_MAX_AGE_MS = 7 * 86_400_000;

export interface SegmentSource {
  /** The visitor's segment from the newest cached release and these inputs (stored as the device's segment), or null. */
  segment(inputs: SegmentInputs | null): Promise<SegmentView | null>;
  /** Fetches GET /v1/models/segments/latest when the cache has no release (hourly at most) or a week-old one. */
  refresh(): Promise<void>;
}

/**
 * `inkling.segment()` on the device: the newest cached 'segments' model that holds a release (a
 * schedule's last round ends the task's budget, so no open round would bring it: `refresh` fetches
 * it like the buy-intent prior), the task's feature names the device stored when it took part, and
 * the engine's inputs now. Null before a release, before the device has seen the task, or without
 * an event; otherwise the stored segment is updated and returned.
 */
export function createSegmentSource(db: FederatedDb, source: ModelSource): SegmentSource {
  const now = source.now ?? Date.now;
  let lastTry = Number.NEGATIVE_INFINITY;
  const newest = async () => {
    const stored = await db.getAllFromIndex('models', 'name', SEGMENTS_TASK);
    return stored.reduce<(typeof stored)[number] | undefined>((best, m) => (best === undefined || m.version > best.version ? m : best), undefined);
  };
  return {
    async segment(inputs) {
      const stored = await newest();
      if (inputs === null || stored === undefined) return null;
      const blob = decodeModel(stored.bytes);
      // The features as the task listed them when this device took part, else as the release names them.
      const kept = await db.get('state', SPEC_KEY);
      const labels = Array.isArray(kept) ? (kept as string[]) : blob.header.labels;
      if (labels === undefined) return null;
      const spec = segmentSpecOf({ task: SEGMENTS_TASK, labels });
      const model = modelOf(blob, featureDimension(spec));
      const segment = segmentOfModel(spec, model, segmentFeatures(spec, inputs));
      if (segment === null) return null;
      await db.put('state', { ...segment, modelVersion: stored.version, at: now() } satisfies StoredSegment, SEGMENT_KEY);
      return segment;
    },
    async refresh() {
      const stored = await newest();
      const released = stored !== undefined && modelReleased(stored.bytes);
      if (released && now() - stored.storedAt < RELEASE_MAX_AGE_MS) return;
      if (now() - lastTry < RETRY_MS) return;
      lastTry = now();
      await loadLatestModel(source, SEGMENTS_TASK);
    },
  };
}

function modelReleased(bytes: Uint8Array): boolean {
  const blob = decodeModel(bytes);
  const { k, dims } = segmentsShape(blob.header.tensors);
  return readSegmentsModel(k, dims, blob.data).state.completed >= 1;
}
