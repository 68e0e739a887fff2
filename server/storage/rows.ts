/**
 * What the SQLite and PostgreSQL stores read and write alike: a round's row and its stored vectors
 * (int32 contributions and the float64 sum, in the platform's byte order, little-endian wherever
 * Node runs in practice).
 */
import type { RoundOutcome } from '../../core/protocol/aggregator.js';
import type { RoundRecord } from './storage.js';

/** Round columns without the sum and the release (reading a 1.2 MB sum per request would dominate). */
export const ROUND_COLUMNS = `round_id, task, base_version, outcome, vector_length, contributions, opened_at, deadline, closed_at, frozen_at,
  produced_version, rho, epsilon_after, config_json, sum_sha256`;

export interface RoundRow {
  round_id: string;
  task: string;
  base_version: number;
  outcome: RoundOutcome;
  vector_length: number;
  contributions: number;
  opened_at: number;
  deadline: number;
  closed_at: number | null;
  frozen_at: number | null;
  produced_version: number | null;
  rho: number | null;
  epsilon_after: number | null;
  config_json: string;
  sum_sha256: string | null;
}

export function toRoundRecord(row: RoundRow): RoundRecord {
  return {
    roundId: row.round_id,
    task: row.task,
    baseVersion: row.base_version,
    outcome: row.outcome,
    vectorLength: row.vector_length,
    contributions: row.contributions,
    openedAt: row.opened_at,
    deadline: row.deadline,
    closedAt: row.closed_at,
    frozenAt: row.frozen_at,
    producedVersion: row.produced_version,
    rho: row.rho,
    epsilonAfter: row.epsilon_after,
    configJson: row.config_json,
    sumDigest: row.sum_sha256,
  };
}

/** sum += values, element-wise. A small monomorphic function V8 optimises well (a closure did not). */
export function addInto(sum: Float64Array, values: Int32Array): void {
  const n = values.length;
  for (let i = 0; i < n; i++) sum[i] = sum[i]! + values[i]!;
}

/** A round's stored float64 sum, or zeros when it has none yet. */
export function storedSum(blob: Uint8Array | null, vectorLength: number): Float64Array {
  return blob === null ? new Float64Array(vectorLength) : new Float64Array(alignedCopy(blob, 8));
}

/** sum += the stored int32 vector `bytes`. */
export function addStoredVector(sum: Float64Array, bytes: Uint8Array, roundId: string): void {
  if (bytes.byteLength !== 4 * sum.length) throw new RangeError(`round ${roundId} sums ${sum.length} values; a stored vector has ${bytes.byteLength} bytes`);
  addInto(sum, new Int32Array(alignedCopy(bytes, 4)));
}

/** A Node Buffer over a typed array's bytes, without a copy (both drivers bind Buffers as binary blobs). */
export function asBuffer(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** A copy of the bytes in a fresh ArrayBuffer (stored blobs may be unaligned slices of a larger buffer). */
function alignedCopy(bytes: Uint8Array, elementSize: number): ArrayBuffer {
  if (bytes.byteLength % elementSize !== 0) throw new RangeError(`stored blob of ${bytes.byteLength} bytes is not a multiple of ${elementSize}`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}
