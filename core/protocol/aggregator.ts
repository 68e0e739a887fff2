/**
 * The aggregator wire protocol (/work/WIRE.md), shared by the server, the worker's federated
 * client and the simulator. Isomorphic: only DataView / Uint8Array / TextEncoder, no Node Buffer.
 *
 * Three binary/JSON shapes cross the wire:
 * - task descriptors (`GET /v1/tasks`), JSON;
 * - model blobs (`GET /v1/models/:name/:version`): [u32 LE headerLength][UTF-8 JSON header][f32 LE data];
 * - contributions (`POST /v1/rounds/:roundId/contributions`), to a single aggregator:
 *   'INK1' | 16-byte random id | u32 LE model version | u32 LE n | n × i32 LE (integer grid);
 *   to a leader (secure aggregation, the task names `secureAggregation`), the secret-shared INK2
 *   upload and the leader ↔ helper messages of ./secure-aggregation.ts.
 * Plus the JSON answers (`ContributionAccepted`, `ErrorBody`), the dashboard's `StatsResponse`
 * and the site owner's `QualityReport`.
 */

// ---------------------------------------------------------------------------------------------
// Tasks

/**
 * 'als': federated implicit ALS (core/models/als.ts): devices send item-side sufficient statistics
 * over the round's `rows`; the server solves the item factors.
 */
export type TaskKind = 'fedavg' | 'histogram' | 'kmeans' | 'als';

export interface TaskPrivacy {
  /**
   * User-level ε the site owner allows over all rounds of the task; the task stops there. For a
   * fixed-schedule task (`period` present) it is the budget of ONE period, renewed every period.
   */
  readonly epsilonBudget: number;
  readonly delta: number;
  /** User-level ε spent so far by the rounds already aggregated (composed by the accountant), all periods together. */
  readonly epsilonSpent: number;
  /** Fixed-schedule tasks ('daily-report'): the budget is per period and renews at each period's end. */
  readonly period?: PeriodPrivacy;
}

/**
 * A renewing per-period budget (server/strategies/budget.ts): the rounds open at some time in one
 * period together spend at most `epsilonBudget`; a device sends at most one report per round, so it
 * spends at most that much in the period. Over several periods the costs compose: N periods cost
 * each device up to N × the period's ρ (zCDP), which `epsilonSpent` reports.
 */
export interface PeriodPrivacy {
  /** The period's length in UTC days (core/models/daily-report.ts periodOf). */
  readonly days: number;
  /** ε of the rounds open at some time in the current period (at most epsilonBudget). */
  readonly epsilonSpent: number;
  /** ISO-8601: the current period's end, when the budget renews. */
  readonly renewsAt: string;
}

export interface TaskDescriptor {
  /** Task name, e.g. 'mf-items', 'propensity', 'category-histogram'. */
  readonly task: string;
  readonly kind: TaskKind;
  /** The global model this round trains on; contributions must name `model.version`. */
  readonly model: { readonly name: string; readonly version: number };
  readonly roundId: string;
  /** Number of int32 values in every contribution of this task. */
  readonly vectorLength: number;
  /** L2 bound of one device's update, in float units (before quantisation). */
  readonly clipNorm: number;
  /** Grid step: float value = integer × granularity. */
  readonly granularity: number;
  /** σ of the device-side discrete Gaussian, in GRID UNITS. */
  readonly localNoiseStddev: number;
  readonly localSteps: number;
  /** Device-side learning rate (the server learning rate is the server's business). */
  readonly learningRate: number;
  /** ISO-8601; after it the round closes with what it has (if ≥ minContributions). */
  readonly deadline: string;
  /** `contributionByteLength(vectorLength)`; a convenience for clients and proxies. */
  readonly expectedBytes: number;
  readonly minContributions: number;
  readonly maxContributions: number;
  readonly privacy: TaskPrivacy;
  /** Histogram tasks: the name of each bin (vector index i counts labels[i]). */
  readonly labels?: readonly string[];
  /**
   * ALS tasks: the catalogue rows (model rows, ascending, distinct) the statistics vector covers,
   * chosen by the server from a released DP popularity count (core/models/als.ts has the layout).
   */
  readonly rows?: readonly number[];
  /** The site owner's latest offline evaluation of this task's model against the baseline, if any. */
  readonly quality?: TaskQuality;
  /**
   * Present when this round is secret-shared between this server (the leader) and a helper
   * (./secure-aggregation.ts): devices send an INK2 upload, and `localNoiseStddev` is each
   * device's share of the noise the round's SUM needs (distributed discrete Gaussian, charged at
   * `minContributions`). Absent: the plain INK1 upload, protected by its local noise alone.
   */
  readonly secureAggregation?: SecureAggregationInfo;
}

export interface SecureAggregationInfo {
  /** The helper's origin (no trailing slash); its keys are at `${helper}/v1/hpke-config`. */
  readonly helper: string;
}

/**
 * The newest model version the site owner evaluated with both the model's series
 * (QUALITY_MODEL_SERIES) and the baseline's (QUALITY_BASELINE_SERIES) on one metric (hr@10
 * preferred). Devices stop using a model the owner found no better than the baseline.
 */
export interface TaskQuality {
  /** e.g. 'hr@10'. */
  readonly metric: string;
  /** Model version both values were measured at. */
  readonly version: number;
  /** The federated model's value (higher is better). */
  readonly model: number;
  /** The baseline's (popularity) value on the same held-out data. */
  readonly baseline: number;
}

/** Quality series that evaluate the model devices download ('federated' is the server's default series). */
export const QUALITY_MODEL_SERIES: readonly string[] = ['federated-dp', 'federated'];
export const QUALITY_BASELINE_SERIES = 'popularity';
/** The metric a comparison prefers when several were posted. */
export const QUALITY_PREFERRED_METRIC = 'hr@10';

/** Whether the comparison says the model is no better than the baseline (so devices should not use it). */
export function modelIsNoBetterThanBaseline(quality: TaskQuality): boolean {
  return quality.model <= quality.baseline;
}

/**
 * Validates a task descriptor's optional `quality` (input from the network); undefined when absent.
 * Throws a RangeError naming the field and the rule.
 */
export function parseTaskQuality(value: unknown, where = 'task.quality'): TaskQuality | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new RangeError(`${where} must be an object`);
  const { metric, version, model, baseline } = value as Record<string, unknown>;
  if (typeof metric !== 'string' || metric.length === 0 || metric.length > 64) throw new RangeError(`${where}.metric must be a non-empty string of at most 64 characters`);
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new RangeError(`${where}.version must be an integer ≥ 1; got ${String(version)}`);
  if (typeof model !== 'number' || !Number.isFinite(model)) throw new RangeError(`${where}.model must be a finite number; got ${String(model)}`);
  if (typeof baseline !== 'number' || !Number.isFinite(baseline)) throw new RangeError(`${where}.baseline must be a finite number; got ${String(baseline)}`);
  return { metric, version, model, baseline };
}

export interface TasksResponse {
  readonly tasks: readonly TaskDescriptor[];
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Every non-2xx answer of the aggregator has this body. */
export type ErrorCode =
  | 'bad_content_type'
  | 'body_too_large'
  | 'bad_magic'
  | 'bad_length'
  | 'bad_request'
  | 'stale_version'
  | 'norm_exceeded'
  | 'unknown_round'
  | 'round_closed'
  | 'budget_exhausted'
  | 'not_found'
  | 'method_not_allowed'
  /** The request head or body did not arrive within the server's timeout (408). */
  | 'request_timeout'
  /** The request head exceeds the server's limit (431). */
  | 'headers_too_large'
  | 'unauthorized'
  | 'forbidden_origin'
  /** Secure aggregation: the sealed helper share does not open under the named key and the upload's fields. */
  | 'bad_sealed_share'
  /** Secure aggregation: the upload names a helper key id the helper does not publish. */
  | 'unknown_key'
  /** Secure aggregation: the helper could not be reached; nothing was stored, the upload may be retried. */
  | 'helper_unavailable'
  /** Helper: a collect names contributions it does not hold, or too few. */
  | 'count_mismatch'
  /** Helper: the round was already collected over another set of contributions. */
  | 'already_collected'
  | 'internal';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** 202 answer to a contribution. `duplicate` is true when this id was already accepted. */
export interface ContributionAccepted {
  readonly accepted: true;
  readonly duplicate: boolean;
}

// ---------------------------------------------------------------------------------------------
// Contributions

/** ASCII 'INK1'. */
export const CONTRIBUTION_MAGIC = new Uint8Array([0x49, 0x4e, 0x4b, 0x31]);
export const CONTRIBUTION_ID_BYTES = 16;
export const CONTRIBUTION_HEADER_BYTES = 28;
export const CONTRIBUTION_CONTENT_TYPE = 'application/octet-stream';

export interface Contribution {
  /** 16 random bytes from crypto.getRandomValues, fresh per contribution (never an identifier of the device). */
  readonly id: Uint8Array;
  readonly modelVersion: number;
  /** The clipped, quantised, noised update on the integer grid. */
  readonly values: Int32Array;
}

/** Total byte size of a contribution of n values: 28 + 4n. */
export function contributionByteLength(vectorLength: number): number {
  if (!Number.isInteger(vectorLength) || vectorLength < 1 || vectorLength > 0x3fffffff) {
    throw new RangeError(`vectorLength must be an integer in [1, 2^30); got ${vectorLength}`);
  }
  return CONTRIBUTION_HEADER_BYTES + 4 * vectorLength;
}

/** 16 fresh random bytes for a contribution id. `random` must be a CSPRNG (crypto.getRandomValues). */
export function newContributionId(random: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  return random(new Uint8Array(CONTRIBUTION_ID_BYTES));
}

/**
 * @example
 * const body = encodeContribution({ id: newContributionId((b) => crypto.getRandomValues(b)), modelVersion: 3, values });
 * await fetch(`${endpoint}/v1/rounds/${roundId}/contributions`, { method: 'POST', body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } });
 */
export function encodeContribution(contribution: Contribution): Uint8Array<ArrayBuffer> {
  const { id, modelVersion, values } = contribution;
  if (!(id instanceof Uint8Array) || id.length !== CONTRIBUTION_ID_BYTES) {
    throw new RangeError(`contribution.id must be ${CONTRIBUTION_ID_BYTES} bytes`);
  }
  if (!Number.isInteger(modelVersion) || modelVersion < 1 || modelVersion > 0xffffffff) {
    throw new RangeError(`contribution.modelVersion must be an integer in [1, 2^32); got ${modelVersion}`);
  }
  if (!(values instanceof Int32Array)) throw new RangeError('contribution.values must be an Int32Array');
  const bytes = new Uint8Array(contributionByteLength(values.length));
  const view = new DataView(bytes.buffer);
  bytes.set(CONTRIBUTION_MAGIC, 0);
  bytes.set(id, 4);
  view.setUint32(20, modelVersion, true);
  view.setUint32(24, values.length, true);
  if (PLATFORM_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), CONTRIBUTION_HEADER_BYTES);
  } else {
    for (let i = 0; i < values.length; i++) view.setInt32(CONTRIBUTION_HEADER_BYTES + 4 * i, values[i]!, true);
  }
  return bytes;
}

/** Why a body is not a well-formed contribution (before any task-specific check). */
export type ContributionDecodeError =
  | { readonly code: 'bad_length'; readonly message: string }
  | { readonly code: 'bad_magic'; readonly message: string };

export type ContributionDecodeResult =
  | { readonly ok: true; readonly contribution: Contribution }
  | { readonly ok: false; readonly error: ContributionDecodeError };

/**
 * Parses a contribution body. `values` may be a view into `bytes` (no copy when aligned): do not
 * reuse the body's memory while the contribution is in use. Checks framing only (magic, header, that the declared length matches
 * the body and, when given, the task's `expectedLength`); the server checks version and norm.
 * Never throws on hostile input.
 */
export function decodeContribution(bytes: Uint8Array, expectedLength?: number): ContributionDecodeResult {
  if (bytes.length < CONTRIBUTION_HEADER_BYTES) {
    return fail('bad_length', `body is ${bytes.length} bytes; a contribution has a ${CONTRIBUTION_HEADER_BYTES}-byte header`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== CONTRIBUTION_MAGIC[i]) return fail('bad_magic', "body must start with the ASCII magic 'INK1'");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const modelVersion = view.getUint32(20, true);
  const n = view.getUint32(24, true);
  if (expectedLength !== undefined && n !== expectedLength) {
    return fail('bad_length', `vector length is ${n}; this task's vectors have exactly ${expectedLength} values`);
  }
  if (n < 1 || bytes.length !== CONTRIBUTION_HEADER_BYTES + 4 * n) {
    return fail('bad_length', `body is ${bytes.length} bytes; a vector of ${n} values needs exactly ${CONTRIBUTION_HEADER_BYTES + 4 * n}`);
  }
  const id = copyBytes(bytes, 4, 4 + CONTRIBUTION_ID_BYTES);
  let values: Int32Array;
  if (PLATFORM_LITTLE_ENDIAN && (bytes.byteOffset + CONTRIBUTION_HEADER_BYTES) % 4 === 0) {
    // Zero-copy: the wire is little-endian, as is this platform, and the values are aligned.
    values = new Int32Array(bytes.buffer, bytes.byteOffset + CONTRIBUTION_HEADER_BYTES, n);
  } else if (PLATFORM_LITTLE_ENDIAN) {
    values = new Int32Array(copyBytes(bytes, CONTRIBUTION_HEADER_BYTES, bytes.length).buffer);
  } else {
    values = new Int32Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getInt32(CONTRIBUTION_HEADER_BYTES + 4 * i, true);
  }
  return { ok: true, contribution: { id, modelVersion, values } };
}

/** Lower-case hex of a contribution id (how the server stores it). */
export function contributionIdHex(id: Uint8Array): string {
  let out = '';
  for (let i = 0; i < id.length; i++) out += id[i]!.toString(16).padStart(2, '0');
  return out;
}

function fail(code: ContributionDecodeError['code'], message: string): ContributionDecodeResult {
  return { ok: false, error: { code, message } };
}

/**
 * A fresh, exactly-sized copy of bytes[start, end). Not `bytes.slice()`: on a Node Buffer (a
 * Uint8Array subclass) slice is a view into a shared pool, whose `.buffer` is not ours.
 */
function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Model blobs

export const MODEL_CONTENT_TYPE = 'application/octet-stream';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface ModelHeader {
  readonly name: string;
  readonly version: number;
  readonly tensors: readonly TensorSpec[];
  readonly dtype: 'float32';
  /**
   * What the model's values mean, where only the task's labels say it (a segments model: its
   * feature names): a device that never saw the task's descriptor — a visitor arriving after the
   * task stopped — can still read the model. Optional; at most MAX_MODEL_LABELS.
   */
  readonly labels?: readonly string[];
}

/** Labels a model header may carry (each at most 200 characters). */
export const MAX_MODEL_LABELS = 4096;

export interface ModelBlob {
  readonly header: ModelHeader;
  /** All tensors concatenated in header order. */
  readonly data: Float32Array;
}

/** Number of floats described by a header's tensors. */
export function modelParameterCount(tensors: readonly TensorSpec[]): number {
  let total = 0;
  for (const t of tensors) {
    let size = 1;
    for (const d of t.shape) {
      if (!Number.isInteger(d) || d < 1) throw new RangeError(`tensor ${t.name}: shape entries must be positive integers; got ${d}`);
      size *= d;
    }
    total += size;
  }
  return total;
}

/**
 * The header is padded with spaces so that the float data starts 4-byte aligned (still valid JSON),
 * which lets little-endian readers view it without a copy.
 * @example
 * const bytes = encodeModel({ header: { name: 'mf-items', version: 1, tensors: [{ name: 'items', shape: [9742, 16] }], dtype: 'float32' }, data });
 */
export function encodeModel(blob: ModelBlob): Uint8Array<ArrayBuffer> {
  const { header, data } = blob;
  const count = modelParameterCount(header.tensors);
  if (data.length !== count) throw new RangeError(`model data has ${data.length} floats; its header describes ${count}`);
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (4 - ((4 + json.length) % 4)) % 4;
  if (padding > 0) {
    const padded = new Uint8Array(json.length + padding).fill(0x20);
    padded.set(json, 0);
    json = padded;
  }
  const bytes = new Uint8Array(4 + json.length + 4 * data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, json.length, true);
  bytes.set(json, 4);
  const dataOffset = 4 + json.length;
  if (PLATFORM_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataOffset);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(dataOffset + 4 * i, data[i]!, true);
  }
  return bytes;
}

/** Parses a model blob; throws a RangeError naming what is wrong. */
export function decodeModel(bytes: Uint8Array): ModelBlob {
  if (bytes.length < 4) throw new RangeError('model blob is shorter than its 4-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new RangeError(`model header length ${headerLength} exceeds the blob`);
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  const header = parseModelHeader(parsed);
  const count = modelParameterCount(header.tensors);
  const dataOffset = 4 + headerLength;
  if (bytes.length - dataOffset !== 4 * count) {
    throw new RangeError(`model data is ${bytes.length - dataOffset} bytes; header describes ${count} float32 values`);
  }
  let data: Float32Array;
  if (PLATFORM_LITTLE_ENDIAN) {
    data = new Float32Array(copyBytes(bytes, dataOffset, bytes.length).buffer);
  } else {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataOffset + 4 * i, true);
  }
  return { header, data };
}

function parseModelHeader(value: unknown): ModelHeader {
  if (typeof value !== 'object' || value === null) throw new RangeError('model header must be a JSON object');
  const { name, version, tensors, dtype, labels } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0) throw new RangeError('model header.name must be a non-empty string');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new RangeError('model header.version must be a positive integer');
  if (dtype !== 'float32') throw new RangeError("model header.dtype must be 'float32'");
  if (!Array.isArray(tensors)) throw new RangeError('model header.tensors must be an array');
  const specs: TensorSpec[] = tensors.map((t: unknown, i) => {
    if (typeof t !== 'object' || t === null) throw new RangeError(`model header.tensors[${i}] must be an object`);
    const { name: tName, shape } = t as Record<string, unknown>;
    if (typeof tName !== 'string') throw new RangeError(`model header.tensors[${i}].name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number')) {
      throw new RangeError(`model header.tensors[${i}].shape must be an array of numbers`);
    }
    return { name: tName, shape };
  });
  if (labels === undefined) return { name, version, tensors: specs, dtype };
  if (!Array.isArray(labels) || labels.length > MAX_MODEL_LABELS || !labels.every((l): l is string => typeof l === 'string' && l.length <= 200)) {
    throw new RangeError(`model header.labels must be an array of at most ${MAX_MODEL_LABELS} strings of at most 200 characters`);
  }
  return { name, version, tensors: specs, dtype, labels };
}

/** Strong ETag of an immutable model version. */
export function modelEtag(name: string, version: number): string {
  return `"${name}@${version}"`;
}

/** Answer of `GET /v1/models/:name/latest`. */
export interface LatestModelPointer {
  readonly name: string;
  readonly version: number;
  readonly url: string;
}

// ---------------------------------------------------------------------------------------------
// Quality reports (site owner's offline evaluation, `POST /v1/admin/quality`, Bearer admin token)

export interface QualityReport {
  readonly task: string;
  readonly version: number;
  /** e.g. 'hr@10', 'ndcg@10', 'auc'. */
  readonly metric: string;
  readonly value: number;
  /** Optional label of what was evaluated, e.g. 'federated-dp', 'popularity'. */
  readonly series?: string;
}

/**
 * A simulated owner's truth beside a DP release (`npm start`'s seeder knows it: it replayed the
 * devices): posted as quality reports with this metric, at the release's model version, one
 * series per released figure (`trueCountSeries`), so the dashboard can draw "what the true value
 * was" beside each estimate. A real site has no such report; the dashboard then shows none.
 */
export const TRUE_COUNT_METRIC = 'true-count';

/**
 * The series naming one released figure: 'segment.3' (a segment's size), 'funnel.viewed-product'
 * (devices at a stage or further), 'views.Sci-Fi' (product views of a category); null when the name
 * does not fit a series ([A-Za-z0-9@._-], at most 64 characters).
 * @example trueCountSeries('views', 'Film-Noir'); // 'views.Film-Noir'
 */
export function trueCountSeries(figure: 'segment' | 'funnel' | 'views', name: string | number): string | null {
  const series = `${figure}.${name}`;
  return /^[A-Za-z0-9@._-]{1,64}$/.test(series) ? series : null;
}

// ---------------------------------------------------------------------------------------------
// Stats (`GET /v1/stats`, what the dashboard draws)

export type RoundOutcome = 'open' | 'aggregated' | 'expired';

export interface RoundStats {
  readonly roundId: string;
  /** Model version the round trained on. */
  readonly baseVersion: number;
  /** Version it produced (aggregated rounds only). */
  readonly producedVersion: number | null;
  readonly contributions: number;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly outcome: RoundOutcome;
  /** Task ε after this round (composed over all aggregated rounds up to it). */
  readonly epsilonAfter: number | null;
  /**
   * Secure aggregation: SHA-256 (hex) of the round's released integer sum, leader's and helper's
   * shares combined, as little-endian int32 per coordinate: anyone holding the contributions can
   * check the sum was exact (npm run loadtest does). Null for other rounds.
   */
  readonly sumSha256: string | null;
}

export interface QualityPoint {
  readonly version: number;
  readonly metric: string;
  readonly series: string;
  readonly value: number;
  readonly at: string;
}

/** A DP histogram released by a round, with a ±stddev error bar per bin (the noise's, known exactly). */
export interface HistogramAggregate {
  readonly roundId: string;
  readonly labels: readonly string[];
  /** Noisy counts (float units), one per label, as released: unbiased, and below zero where noise outweighs a small count. */
  readonly values: readonly number[];
  /**
   * `values` post-processed (core/dp/postprocess.ts, free under DP): the nearest counts in L2 that
   * are ≥ 0 and add up to `contributions`. Biased (small bins up, large ones down), never
   * farther from the true counts than `values`; what a chart shows.
   */
  readonly projected: readonly number[];
  /** Standard deviation of each value's total noise (local + central), the error bar. */
  readonly stddev: number;
  readonly contributions: number;
}

export interface TaskStats {
  readonly task: string;
  readonly kind: TaskKind;
  readonly model: { readonly name: string; readonly version: number };
  /** 'budget_exhausted': the task opens no new rounds. */
  readonly status: 'open' | 'budget_exhausted';
  readonly privacy: TaskPrivacy & { readonly rhoSpent: number };
  readonly currentRound: RoundStats | null;
  /** Bytes one device uploads per contribution to this task (its latest round's size); null before any round. */
  readonly bytesPerContribution: number | null;
  /** Closed rounds, oldest first (the last 200 at most). */
  readonly rounds: readonly RoundStats[];
  readonly quality: readonly QualityPoint[];
  /** Histogram tasks: the latest released aggregates, oldest first. */
  readonly aggregates: readonly HistogramAggregate[];
}

export interface StatsResponse {
  readonly generatedAt: string;
  readonly totals: { readonly contributions: number; readonly roundsAggregated: number };
  readonly tasks: readonly TaskStats[];
}
