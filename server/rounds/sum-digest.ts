/**
 * The digest a secure round's close records (RoundStats.sumSha256): SHA-256 over the released
 * integer sum (leader's and helper's aggregate shares combined, centred), little-endian int32 per
 * coordinate. Publishing it is post-processing of that sum, which carries the devices' distributed
 * noise and is released anyway (the new model is computed from it). It lets whoever holds the
 * contributions (the load test, an auditor) check that the sum counted each exactly once.
 * @example sumDigest(Float64Array.of(3, -1)) === sumDigest(Float64Array.of(3, -1)) // 64 hex digits
 */
import { createHash } from 'node:crypto';

export function sumDigest(sum: Float64Array): string {
  const bytes = new Uint8Array(4 * sum.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < sum.length; i++) {
    const v = sum[i]!;
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new RangeError(`sum[${i}] = ${v} is not an int32; a secure round's sum is`);
    view.setInt32(4 * i, v, true);
  }
  return createHash('sha256').update(bytes).digest('hex');
}
