/**
 * The helper aggregator's logic (no HTTP: ./helper-app.ts). It knows the same task definitions as
 * the leader, holds the HPKE private keys, opens each sealed seed the leader forwards, keeps the
 * seeds, and at round close releases ONE aggregate share, Σ PRG(seed) mod 2^32, over exactly the
 * contribution ids the leader summed.
 *
 * What it refuses, and why:
 * - a share whose seed does not open under the named key and the upload's fields (round, id,
 *   version, length: the HPKE AAD) → bad_sealed_share; a key id it does not hold → unknown_key;
 * - shares for a round already collected → round_closed (its sum is released);
 * - a collect naming an id it does not hold, or fewer ids than the task's minimum (its OWN
 *   configuration: a helper must not release an aggregate share of a tiny batch) → count_mismatch;
 * - a second collect of a round over ANOTHER id set → already_collected. Without this a malicious
 *   leader could collect {A, B, x} and then {A, B} and subtract the two sums to learn x alone (a
 *   differencing attack). The identical set is answered again with the stored share, so a leader
 *   that crashed after collecting can still close its round.
 */
import type { ErrorCode } from '../../core/protocol/aggregator.js';
import type { AggregateShare, CollectRequest, HelperShareAnswer, HelperShareBatch, HelperShareResult, HelperStatsResponse } from '../../core/protocol/secure-aggregation.js';
import { fromBase64Url, generateHpkeKeyPair, type HpkeConfigList, type HpkeOpener } from '../../core/secagg/hpke.js';
import { addInto, reduceSum } from '../../core/secagg/ring.js';
import { helperShareOf, openHelperSeed } from '../../core/secagg/upload.js';
import type { TaskDefinition } from '../tasks.js';
import { uploadLength } from '../tasks.js';
import { idSetHash, type HelperStorage, type NewShare, type StoredKey } from './helper-storage.js';
import { createNodeHpkeOpener } from './hpke-open-node.js';

/** Keys kept for opening after a rotation (uploads sealed to an older key still in flight). */
const KEYS_KEPT = 4;
/** Seed expansions in flight together at collect (each allocates 4n bytes). */
const EXPAND_CONCURRENCY = 8;
/** Rounds listed in the helper's stats. */
const STATS_ROUNDS = 20;
/**
 * Instances of the helper sharing one database rotate keys for each other: each rereads the key
 * table at most this often when asked for its keys, and at most once a second for an upload
 * sealed to an id it does not hold yet.
 */
const KEYS_MAX_AGE_MS = 30_000;
const UNKNOWN_KEY_RELOAD_MS = 1000;

export type HelperRefusal = { readonly kind: 'refused'; readonly status: 400 | 404 | 409; readonly code: ErrorCode; readonly message: string };
export type SharesOutcome = { readonly kind: 'ok'; readonly answer: HelperShareAnswer } | HelperRefusal;
export type CollectOutcome = { readonly kind: 'ok'; readonly share: AggregateShare } | HelperRefusal;

export interface HelperOptions {
  readonly storage: HelperStorage;
  readonly tasks: readonly TaskDefinition[];
  /** The server-wide minimum, unless a task overrides it (same rule as the leader's). */
  readonly minContributions: number;
  readonly rotateKey?: boolean;
  readonly clock?: () => number;
}

const refuse = (status: HelperRefusal['status'], code: ErrorCode, message: string): HelperRefusal => ({ kind: 'refused', status, code, message });

export class HelperService {
  private readonly tasks: ReadonlyMap<string, TaskDefinition>;
  private readonly clock: () => number;
  private openers = new Map<number, HpkeOpener>();
  private configList: HpkeConfigList = { configs: [] };
  private keysLoadedAt = -Infinity;
  /** Shares opened since start and the time spent (stats: opens/s). */
  opened = 0;

  private constructor(private readonly options: HelperOptions) {
    this.tasks = new Map(options.tasks.map((t) => [t.task, t]));
    this.clock = options.clock ?? Date.now;
  }

  /** Loads its keys (making the first one on first start, or a new one with rotateKey). */
  static async create(options: HelperOptions): Promise<HelperService> {
    const service = new HelperService(options);
    const keys = await options.storage.keys();
    if (keys.length === 0 || options.rotateKey === true) await service.rotateKey(keys);
    else await service.loadKeys();
    return service;
  }

  /**
   * Publishes a fresh key first; keeps the KEYS_KEPT − 1 newest older ones for opening. The new id
   * follows the newest of `seen`, the list that decided a key was needed: read again here, a helper
   * starting beside another would find the other's first key and publish a second one.
   */
  async rotateKey(seen?: readonly StoredKey[]): Promise<number> {
    const keys = seen ?? (await this.options.storage.keys());
    const id = keys.length === 0 ? 1 : (keys[0]!.pair.config.id + 1) % 256;
    const pair = await generateHpkeKeyPair(id);
    // Refused when another instance sharing the store made key `id` at the same moment (two
    // instances starting together): its key stands, and both load it below.
    if (await this.options.storage.putKey(pair, this.clock())) {
      for (const old of (await this.options.storage.keys()).slice(KEYS_KEPT)) await this.options.storage.dropKey(old.pair.config.id);
    }
    await this.loadKeys();
    return this.keyIds()[0]!;
  }

  /** `GET /v1/hpke-config`: newest first (devices seal to the first); reread from the store when stale. */
  async hpkeConfig(): Promise<HpkeConfigList> {
    if (this.clock() - this.keysLoadedAt > KEYS_MAX_AGE_MS) await this.loadKeys();
    return this.configList;
  }

  keyIds(): number[] {
    return this.configList.configs.map((c) => c.id);
  }

  /**
   * Opens and stores one batch. Opens run concurrently (X25519 opens overlap in WebCrypto); the
   * seeds are stored in ONE transaction, so the answer is durable when it is sent.
   */
  async addShares(roundId: string, batch: HelperShareBatch): Promise<SharesOutcome> {
    const task = this.tasks.get(batch.task);
    if (task === undefined) return refuse(404, 'not_found', `batch.task ${JSON.stringify(batch.task)} is not a task this helper runs (${[...this.tasks.keys()].join(', ')})`);
    const vectorLength = uploadLength(task);
    if (batch.vectorLength !== vectorLength) return refuse(400, 'bad_length', `batch.vectorLength ${batch.vectorLength} must be task ${task.task}'s ${vectorLength}`);
    const known = await this.options.storage.getRound(roundId);
    if (known?.collectedAt != null) return refuse(409, 'round_closed', `round ${roundId} was already collected; it takes no more shares`);

    // An id this instance does not hold may be a key another instance has just made.
    if (batch.shares.some((share) => !this.openers.has(share.keyId)) && this.clock() - this.keysLoadedAt > UNKNOWN_KEY_RELOAD_MS) await this.loadKeys();
    const opened = await Promise.all(batch.shares.map(async (share): Promise<{ id: Uint8Array; seed: Uint8Array } | HelperShareResult> => {
      const opener = this.openers.get(share.keyId);
      if (opener === undefined) {
        return { id: share.id, outcome: 'rejected', code: 'unknown_key', message: `key id ${share.keyId} is not one of this helper's keys (${this.keyIds().join(', ')}); fetch /v1/hpke-config again` };
      }
      const id = hexToBytes(share.id);
      const seed = await openHelperSeed(opener, { id, modelVersion: batch.modelVersion, vectorLength, keyId: share.keyId, roundId, sealed: fromBase64Url(share.sealed) });
      this.opened++;
      if (seed === null) {
        return { id: share.id, outcome: 'rejected', code: 'bad_sealed_share', message: `the sealed seed of ${share.id} does not open under key ${share.keyId} with this upload's round, id, model version and length (HPKE AAD); it was altered, moved or sealed to another key` };
      }
      return { id, seed };
    }));
    const toStore: NewShare[] = [];
    for (const o of opened) if (!('outcome' in o)) toStore.push(o);
    let added: readonly boolean[] = [];
    let shares = known?.shares ?? 0;
    if (toStore.length > 0) {
      const stored = await this.options.storage.addShares(roundId, { task: task.task, vectorLength, modelVersion: batch.modelVersion, now: this.clock() }, toStore);
      switch (stored.kind) {
        case 'stored':
          added = stored.added;
          shares = stored.shares;
          break;
        case 'collected':
          return refuse(409, 'round_closed', `round ${roundId} was collected while this batch was opened; it takes no more shares`);
        case 'mismatch':
          return refuse(400, 'bad_request', stored.message);
        default: {
          const unreachable: never = stored;
          throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
        }
      }
    }
    let next = 0;
    const results = opened.map((o, i): HelperShareResult => {
      if ('outcome' in o) return o;
      const id = batch.shares[i]!.id;
      return added[next++] === true ? { id, outcome: 'added' } : { id, outcome: 'duplicate' };
    });
    return { kind: 'ok', answer: { results, contributions: shares } };
  }

  /** The aggregate share over exactly `request.ids`, at most once per round (see the file comment). */
  async collect(roundId: string, request: CollectRequest): Promise<CollectOutcome> {
    const storage = this.options.storage;
    const round = await storage.getRound(roundId);
    if (round === undefined) return refuse(409, 'count_mismatch', `round ${roundId}: the helper holds none of the ${request.ids.length} contributions named; ${request.ids.length} are missing`);
    if (request.vectorLength !== round.vectorLength) return refuse(400, 'bad_length', `collect.vectorLength ${request.vectorLength} must be round ${roundId}'s ${round.vectorLength}`);
    const ids = request.ids.map(hexToBytes);
    const hash = idSetHash(ids);
    const previous = checkCollected(roundId, round, hash);
    if (previous !== null) return previous;
    const task = this.tasks.get(round.task);
    const minimum = task?.minContributions ?? this.options.minContributions;
    if (ids.length < minimum) {
      return refuse(409, 'count_mismatch', `round ${roundId}: ${ids.length} contributions named; task ${round.task} releases an aggregate share of at least ${minimum}`);
    }
    const seeds = await storage.seeds(roundId, ids);
    const missing = seeds.filter((s) => s === null).length;
    if (missing > 0) {
      return refuse(409, 'count_mismatch', `round ${roundId}: ${missing} of the ${ids.length} contributions named are not held by the helper (it holds ${round.shares}); it sums exactly the leader's set or nothing`);
    }
    const sum = new Float64Array(round.vectorLength);
    for (let start = 0; start < seeds.length; start += EXPAND_CONCURRENCY) {
      const shares = await Promise.all(seeds.slice(start, start + EXPAND_CONCURRENCY).map((seed) => helperShareOf(seed!, round.vectorLength)));
      for (const share of shares) addInto(sum, share);
    }
    const values = reduceSum(sum);
    const recorded = await storage.recordCollect(roundId, hash, ids.length, values, this.clock());
    switch (recorded.kind) {
      case 'recorded':
        return { kind: 'ok', share: { contributions: ids.length, values } };
      case 'already':
        // Another collect finished while this one expanded seeds: answer as if it came second.
        return checkCollected(roundId, recorded.round, hash) ?? refuse(409, 'already_collected', `round ${roundId} was already collected`);
      default: {
        const unreachable: never = recorded;
        throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async stats(): Promise<HelperStatsResponse> {
    return {
      role: 'helper',
      generatedAt: new Date(this.clock()).toISOString(),
      keyIds: this.keyIds(),
      totals: await this.options.storage.totals(),
      rounds: (await this.options.storage.recentRounds(STATS_ROUNDS)).map((r) => ({ roundId: r.roundId, task: r.task, shares: r.shares, collected: r.collectedContributions })),
    };
  }

  private async loadKeys(): Promise<void> {
    const keys = await this.options.storage.keys();
    const openers = new Map<number, HpkeOpener>();
    // node:crypto's open (./hpke-open-node.ts): ~10× faster than @hpke/core's, checked against it.
    for (const key of keys) openers.set(key.pair.config.id, createNodeHpkeOpener(key.pair));
    this.openers = openers;
    this.configList = { configs: keys.map((k) => k.pair.config) };
    this.keysLoadedAt = this.clock();
  }
}

/** A collected round: the stored share for the same id set, already_collected for another; null when not collected. */
function checkCollected(roundId: string, round: { readonly collectedAt: number | null; readonly idSetHash: Uint8Array | null; readonly collectedContributions: number | null; readonly aggregate: Uint32Array | null }, hash: Uint8Array): CollectOutcome | null {
  if (round.collectedAt === null) return null;
  if (round.idSetHash !== null && round.aggregate !== null && round.collectedContributions !== null && Buffer.from(round.idSetHash).equals(Buffer.from(hash))) {
    return { kind: 'ok', share: { contributions: round.collectedContributions, values: round.aggregate } };
  }
  return refuse(409, 'already_collected', `round ${roundId} was already collected over another set of ${round.collectedContributions ?? '?'} contributions; a helper releases one aggregate share per round`);
}

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
