/**
 * The two-aggregator wire protocol (shape of the IETF DAP draft: a leader that devices talk to,
 * a helper that only the leader talks to, HPKE to the helper's published key, idempotent report
 * ids, batched leader → helper aggregation, aggregate shares collected at round close).
 * Isomorphic: DataView / Uint8Array / TextEncoder only.
 *
 * 1. Device → leader, `POST /v1/rounds/:roundId/contributions`, a *shared contribution*:
 *      'INK2' | id[16] | u32 modelVersion | u32 n | u8 keyId | u8 0 | u16 sealedLength
 *      | sealed seed (HPKE to the helper, ../secagg/hpke.ts) | zero padding to 4 bytes
 *      | n × u32 leader share                                             (all integers LE)
 *    The leader stores its share and the sealed seed (it cannot open it).
 * 2. Leader → helper, `POST /v1/helper/rounds/:roundId/shares` (Bearer peer token), JSON
 *    `HelperShareBatch`: the sealed seeds with what the helper needs to rebuild their AAD.
 *    Idempotent per contribution id; answered per share (`HelperShareAnswer`), BEFORE the leader
 *    commits its own half, so the leader keeps only contributions the helper holds too.
 * 3. Leader → helper at round close, `POST /v1/helper/rounds/:roundId/collect`, JSON
 *    `CollectRequest` {ids}: the EXACT contribution ids the leader summed. The helper answers its
 *    aggregate share over those ids (binary, below) only if it holds every one of them and they
 *    are at least its task's minimum (409 `count_mismatch` otherwise). Collect-once: the round is
 *    then closed at the helper (later shares refused); the same id set again gets the same answer
 *    (leader crash recovery), another set 409 `already_collected`.
 *      aggregate share: 'INKA' | u32 contributions | u32 n | n × u32
 * 4. Devices read the helper's keys from `GET /v1/hpke-config` on the helper (../secagg/hpke.ts).
 */

import type { StatsResponse } from './aggregator.js';

export const SHARED_CONTRIBUTION_MAGIC = new Uint8Array([0x49, 0x4e, 0x4b, 0x32]); // 'INK2'
export const AGGREGATE_SHARE_MAGIC = new Uint8Array([0x49, 0x4e, 0x4b, 0x41]); // 'INKA'
export const SHARED_HEADER_BYTES = 32;
export const SHARED_ID_BYTES = 16;
/** Sealed seeds longer than this are refused before any crypto (an X25519 one is 64 bytes). */
export const MAX_SEALED_BYTES = 512;
export const AGGREGATE_SHARE_CONTENT_TYPE = 'application/octet-stream';

export interface SharedContribution {
  readonly id: Uint8Array;
  readonly modelVersion: number;
  readonly keyId: number;
  /** HPKE(enc ‖ ct) of the helper's 16-byte seed. */
  readonly sealedSeed: Uint8Array;
  /** x − PRG(seed) mod 2^32. */
  readonly leaderShare: Uint32Array;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Byte size of a shared contribution of n values with a sealed seed of `sealedBytes`. */
export function sharedContributionByteLength(vectorLength: number, sealedBytes: number): number {
  return SHARED_HEADER_BYTES + pad4(sealedBytes) + 4 * vectorLength;
}

export function encodeSharedContribution(c: SharedContribution): Uint8Array<ArrayBuffer> {
  if (c.id.length !== SHARED_ID_BYTES) throw new RangeError(`contribution.id must be ${SHARED_ID_BYTES} bytes`);
  if (!Number.isInteger(c.modelVersion) || c.modelVersion < 1 || c.modelVersion > 0xffffffff) throw new RangeError(`contribution.modelVersion must be an integer in [1, 2^32); got ${c.modelVersion}`);
  if (!Number.isInteger(c.keyId) || c.keyId < 0 || c.keyId > 255) throw new RangeError(`contribution.keyId must be an integer in [0, 255]; got ${c.keyId}`);
  if (c.sealedSeed.length < 1 || c.sealedSeed.length > MAX_SEALED_BYTES) throw new RangeError(`contribution.sealedSeed must be 1 to ${MAX_SEALED_BYTES} bytes`);
  const n = c.leaderShare.length;
  const bytes = new Uint8Array(sharedContributionByteLength(n, c.sealedSeed.length));
  const view = new DataView(bytes.buffer);
  bytes.set(SHARED_CONTRIBUTION_MAGIC, 0);
  bytes.set(c.id, 4);
  view.setUint32(20, c.modelVersion, true);
  view.setUint32(24, n, true);
  view.setUint8(28, c.keyId);
  view.setUint16(30, c.sealedSeed.length, true);
  bytes.set(c.sealedSeed, SHARED_HEADER_BYTES);
  const offset = SHARED_HEADER_BYTES + pad4(c.sealedSeed.length);
  writeU32s(bytes, offset, c.leaderShare);
  return bytes;
}

export type SharedDecodeResult =
  | { readonly ok: true; readonly contribution: SharedContribution }
  | { readonly ok: false; readonly code: 'bad_magic' | 'bad_length'; readonly message: string };

/** Parses a shared contribution; framing only (the server checks round, version, key id). Never throws. */
export function decodeSharedContribution(bytes: Uint8Array, expectedLength?: number): SharedDecodeResult {
  if (bytes.length < SHARED_HEADER_BYTES) return { ok: false, code: 'bad_length', message: `body is ${bytes.length} bytes; a shared contribution has a ${SHARED_HEADER_BYTES}-byte header` };
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== SHARED_CONTRIBUTION_MAGIC[i]) return { ok: false, code: 'bad_magic', message: "body must start with the ASCII magic 'INK2' (a secret-shared contribution)" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const modelVersion = view.getUint32(20, true);
  const n = view.getUint32(24, true);
  const keyId = view.getUint8(28);
  const sealedLength = view.getUint16(30, true);
  if (view.getUint8(29) !== 0) return { ok: false, code: 'bad_length', message: 'byte 29 (reserved) must be 0' };
  if (expectedLength !== undefined && n !== expectedLength) return { ok: false, code: 'bad_length', message: `vector length is ${n}; this task's vectors have exactly ${expectedLength} values` };
  if (sealedLength < 1 || sealedLength > MAX_SEALED_BYTES) return { ok: false, code: 'bad_length', message: `sealed seed length ${sealedLength} must be in [1, ${MAX_SEALED_BYTES}]` };
  const total = sharedContributionByteLength(n, sealedLength);
  if (n < 1 || bytes.length !== total) return { ok: false, code: 'bad_length', message: `body is ${bytes.length} bytes; ${n} values with a ${sealedLength}-byte sealed seed need exactly ${total}` };
  const id = bytes.slice(4, 4 + SHARED_ID_BYTES);
  const sealedSeed = bytes.slice(SHARED_HEADER_BYTES, SHARED_HEADER_BYTES + sealedLength);
  const leaderShare = readU32s(bytes, SHARED_HEADER_BYTES + pad4(sealedLength), n);
  return { ok: true, contribution: { id: new Uint8Array(id), modelVersion, keyId, sealedSeed: new Uint8Array(sealedSeed), leaderShare } };
}

/**
 * What a sealed seed is bound to (HPKE AAD): 'INK2' | id | u32 version | u32 n | u8 keyId | roundId (UTF-8).
 * Both the device and the helper build it from the same fields.
 */
export function sealedSeedAad(fields: { readonly id: Uint8Array; readonly modelVersion: number; readonly vectorLength: number; readonly keyId: number; readonly roundId: string }): Uint8Array {
  const round = new TextEncoder().encode(fields.roundId);
  const out = new Uint8Array(4 + SHARED_ID_BYTES + 9 + round.length);
  const view = new DataView(out.buffer);
  out.set(SHARED_CONTRIBUTION_MAGIC, 0);
  out.set(fields.id, 4);
  view.setUint32(20, fields.modelVersion, true);
  view.setUint32(24, fields.vectorLength, true);
  view.setUint8(28, fields.keyId);
  out.set(round, 29);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Leader ↔ helper

export interface HelperShare {
  /** Contribution id, lower-case hex (32 characters). */
  readonly id: string;
  readonly keyId: number;
  /** The sealed seed, base64url. */
  readonly sealed: string;
}

export interface HelperShareBatch {
  readonly task: string;
  readonly modelVersion: number;
  readonly vectorLength: number;
  readonly shares: readonly HelperShare[];
}

/** The helper's verdict on one forwarded share. */
export type HelperShareResult =
  | { readonly id: string; readonly outcome: 'added' }
  /** Already held (a re-forward after a leader crash or a device retry): counts as held. */
  | { readonly id: string; readonly outcome: 'duplicate' }
  | { readonly id: string; readonly outcome: 'rejected'; readonly code: HelperShareRejection; readonly message: string };

export type HelperShareRejection = 'bad_sealed_share' | 'unknown_key';

/** 200 answer to a `HelperShareBatch`: one result per share, in the batch's order. */
export interface HelperShareAnswer {
  readonly results: readonly HelperShareResult[];
  /** Contributions the helper now holds for the round. */
  readonly contributions: number;
}

export interface CollectRequest {
  /** The contribution ids the leader summed (lower-case hex), each once. */
  readonly ids: readonly string[];
  readonly vectorLength: number;
}

export interface AggregateShare {
  readonly contributions: number;
  readonly values: Uint32Array;
}

export const MAX_SHARES_PER_BATCH = 1024;
/** A contribution id on the leader ↔ helper wire: 16 bytes as lower-case hex. */
const HEX_ID = /^[0-9a-f]{32}$/;

/** Validates a leader → helper batch; throws a RangeError naming the field and the rule. */
export function parseHelperShareBatch(value: unknown): HelperShareBatch {
  if (typeof value !== 'object' || value === null) throw new RangeError('batch must be a JSON object');
  const { task, modelVersion, vectorLength, shares } = value as Record<string, unknown>;
  if (typeof task !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(task)) throw new RangeError('batch.task must match [a-z0-9][a-z0-9-]{0,63}');
  if (typeof modelVersion !== 'number' || !Number.isInteger(modelVersion) || modelVersion < 1) throw new RangeError('batch.modelVersion must be an integer ≥ 1');
  if (typeof vectorLength !== 'number' || !Number.isInteger(vectorLength) || vectorLength < 1 || vectorLength > 2 ** 24) throw new RangeError('batch.vectorLength must be an integer in [1, 2^24]');
  if (!Array.isArray(shares) || shares.length === 0 || shares.length > MAX_SHARES_PER_BATCH) throw new RangeError(`batch.shares must be an array of 1 to ${MAX_SHARES_PER_BATCH} shares`);
  return {
    task,
    modelVersion,
    vectorLength,
    shares: shares.map((s: unknown, i) => {
      if (typeof s !== 'object' || s === null) throw new RangeError(`batch.shares[${i}] must be an object`);
      const { id, keyId, sealed } = s as Record<string, unknown>;
      if (typeof id !== 'string' || !HEX_ID.test(id)) throw new RangeError(`batch.shares[${i}].id must be 32 lower-case hex characters`);
      if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new RangeError(`batch.shares[${i}].keyId must be an integer in [0, 255]`);
      if (typeof sealed !== 'string' || sealed.length === 0 || sealed.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(sealed)) throw new RangeError(`batch.shares[${i}].sealed must be base64url of at most ${MAX_SEALED_BYTES} bytes`);
      return { id, keyId, sealed };
    }),
  };
}

/** Validates a collect request; throws a RangeError naming the field and the rule. */
export function parseCollectRequest(value: unknown, maxIds: number): CollectRequest {
  if (typeof value !== 'object' || value === null) throw new RangeError('collect request must be a JSON object');
  const { ids, vectorLength } = value as Record<string, unknown>;
  if (typeof vectorLength !== 'number' || !Number.isInteger(vectorLength) || vectorLength < 1 || vectorLength > 2 ** 24) throw new RangeError('collect.vectorLength must be an integer in [1, 2^24]');
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > maxIds) throw new RangeError(`collect.ids must be an array of 1 to ${maxIds} contribution ids`);
  const seen = new Set<string>();
  ids.forEach((id: unknown, i) => {
    if (typeof id !== 'string' || !HEX_ID.test(id)) throw new RangeError(`collect.ids[${i}] must be 32 lower-case hex characters`);
    if (seen.has(id)) throw new RangeError(`collect.ids[${i}] repeats ${id}; each contribution is summed once`);
    seen.add(id);
  });
  return { ids: ids as string[], vectorLength };
}

/** Validates the helper's answer to a batch (input from the network, read by the leader). */
export function parseHelperShareAnswer(value: unknown, batch: HelperShareBatch): HelperShareAnswer {
  if (typeof value !== 'object' || value === null) throw new RangeError('helper answer must be a JSON object');
  const { results, contributions } = value as Record<string, unknown>;
  if (typeof contributions !== 'number' || !Number.isInteger(contributions) || contributions < 0) throw new RangeError('helper answer.contributions must be an integer ≥ 0');
  if (!Array.isArray(results) || results.length !== batch.shares.length) throw new RangeError(`helper answer.results must hold one result per share (${batch.shares.length})`);
  return {
    contributions,
    results: results.map((r: unknown, i): HelperShareResult => {
      const where = `helper answer.results[${i}]`;
      if (typeof r !== 'object' || r === null) throw new RangeError(`${where} must be an object`);
      const { id, outcome, code, message } = r as Record<string, unknown>;
      if (id !== batch.shares[i]!.id) throw new RangeError(`${where}.id must be the batch's share ${i} (${batch.shares[i]!.id})`);
      if (outcome === 'added' || outcome === 'duplicate') return { id, outcome };
      if (outcome !== 'rejected') throw new RangeError(`${where}.outcome must be added, duplicate or rejected`);
      if (code !== 'bad_sealed_share' && code !== 'unknown_key') throw new RangeError(`${where}.code must be bad_sealed_share or unknown_key`);
      if (typeof message !== 'string') throw new RangeError(`${where}.message must be a string`);
      return { id, outcome, code, message: message.slice(0, 500) };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Stats of the helper (`GET /v1/stats` on the helper; the leader shows them in its own stats)

export interface HelperRoundStats {
  readonly roundId: string;
  readonly task: string;
  /** Shares held (opened and stored). */
  readonly shares: number;
  /** Contributions in the released aggregate share; null while the round is not collected. */
  readonly collected: number | null;
}

export interface HelperStatsResponse {
  readonly role: 'helper';
  readonly generatedAt: string;
  /** Published key ids, newest (the one devices seal to) first. */
  readonly keyIds: readonly number[];
  readonly totals: { readonly shares: number; readonly roundsCollected: number };
  /** The most recent rounds, newest first. */
  readonly rounds: readonly HelperRoundStats[];
}

/** A leader's `GET /v1/stats`: the aggregator's stats plus its view of the helper. */
export type LeaderStatsResponse = StatsResponse & { readonly helper: LeaderHelperView };

/** The `helper` section of the leader's `GET /v1/stats`: what it last heard from the helper. */
export interface LeaderHelperView {
  /** The helper's origin as devices reach it. */
  readonly url: string;
  readonly reachable: boolean;
  /** ISO-8601 time of the last attempt to reach it. */
  readonly checkedAt: string | null;
  /** Why it is not reachable, when it is not. */
  readonly problem: string | null;
  readonly keyIds: readonly number[];
  readonly rounds: readonly HelperRoundStats[];
}

export function encodeAggregateShare(share: AggregateShare): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(12 + 4 * share.values.length);
  const view = new DataView(bytes.buffer);
  bytes.set(AGGREGATE_SHARE_MAGIC, 0);
  view.setUint32(4, share.contributions, true);
  view.setUint32(8, share.values.length, true);
  writeU32s(bytes, 12, share.values);
  return bytes;
}

/** Parses an aggregate share; throws a RangeError when the bytes are not one of `vectorLength`. */
export function decodeAggregateShare(bytes: Uint8Array, vectorLength: number): AggregateShare {
  if (bytes.length < 12) throw new RangeError(`aggregate share is ${bytes.length} bytes; shorter than its 12-byte header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== AGGREGATE_SHARE_MAGIC[i]) throw new RangeError("aggregate share must start with 'INKA'");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const contributions = view.getUint32(4, true);
  const n = view.getUint32(8, true);
  if (n !== vectorLength || bytes.length !== 12 + 4 * n) throw new RangeError(`aggregate share holds ${n} values in ${bytes.length} bytes; expected ${vectorLength}`);
  return { contributions, values: readU32s(bytes, 12, n) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function writeU32s(bytes: Uint8Array, offset: number, values: Uint32Array): void {
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) view.setUint32(offset + 4 * i, values[i]!, true);
}

function readU32s(bytes: Uint8Array, offset: number, n: number): Uint32Array {
  if (LITTLE_ENDIAN) {
    const copy = new Uint8Array(4 * n);
    copy.set(bytes.subarray(offset, offset + 4 * n));
    return new Uint32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getUint32(offset + 4 * i, true);
  return out;
}
