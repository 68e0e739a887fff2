/**
 * Everything the aggregator keeps, behind one interface, so the round logic never sees SQL.
 * SQLite (./sqlite.ts) is the embedded default; PostgreSQL (./postgres.ts) is for a database
 * server of its own (`--store postgres://…`); ./open-storage.ts picks one.
 *
 * Every method returns a Promise: PostgreSQL answers over a socket, and blocking the event loop
 * on it would stall every other request. SQLite's methods do their work synchronously and return
 * a settled Promise, so a transaction there is still one uninterrupted critical section.
 * Between two awaits anything may happen: the coordinator freezes a round before it reads the
 * round's sum to close it, so no contribution can be committed to it in between.
 *
 * Invariant every implementation keeps: `acceptContributions` is atomic and durable — once it
 * resolves 'accepted', the id and the vector's addition to the round's sum survive a kill -9 of
 * the aggregator; if it rejects or resolves anything else, neither happened. A replayed id never
 * adds twice, also when two processes share one PostgreSQL database.
 */
import type { RoundOutcome } from '../../core/protocol/aggregator.js';

export interface ModelRecord {
  readonly name: string;
  readonly version: number;
  /** The encoded model blob (core/protocol/aggregator.ts encodeModel). */
  readonly blob: Uint8Array;
  readonly createdAt: number;
}

export interface RoundRecord {
  readonly roundId: string;
  readonly task: string;
  readonly baseVersion: number;
  readonly outcome: RoundOutcome;
  readonly vectorLength: number;
  readonly contributions: number;
  readonly openedAt: number;
  readonly deadline: number;
  readonly closedAt: number | null;
  /**
   * Secure aggregation: when the leader stopped accepting for this round to collect the helper's
   * share (still outcome 'open' until it closes); null otherwise. A frozen round accepts nothing.
   */
  readonly frozenAt: number | null;
  readonly producedVersion: number | null;
  /** zCDP ρ this round cost (aggregated rounds only). */
  readonly rho: number | null;
  readonly epsilonAfter: number | null;
  /** The round's client configuration as JSON (what /v1/tasks advertised). */
  readonly configJson: string;
  /** Secure rounds: the SHA-256 of the released sum (../rounds/sum-digest.ts), for audits; null otherwise. */
  readonly sumDigest: string | null;
}

export interface NewRound {
  readonly roundId: string;
  readonly task: string;
  readonly baseVersion: number;
  readonly vectorLength: number;
  readonly openedAt: number;
  readonly deadline: number;
  readonly configJson: string;
}

/** One contribution to accept (see AggregatorStorage.acceptContributions). */
export interface PendingContribution {
  readonly roundId: string;
  readonly id: Uint8Array;
  readonly values: Int32Array;
  readonly maxContributions: number;
}

export type AcceptOutcome =
  | { readonly kind: 'accepted'; readonly contributions: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'full' }
  | { readonly kind: 'not_open' };

export interface RoundClosure {
  readonly roundId: string;
  readonly outcome: Exclude<RoundOutcome, 'open'>;
  readonly closedAt: number;
  /** The new global model this round produced, stored in the same transaction. */
  readonly producedModel: ModelRecord | null;
  readonly rho: number | null;
  readonly epsilonAfter: number | null;
  /** A released aggregate (histogram tasks) as JSON, stored with the round. */
  readonly releaseJson: string | null;
  /** Secure rounds: the SHA-256 of the released sum (../rounds/sum-digest.ts). */
  readonly sumDigest?: string | null;
}

export interface QualityRecord {
  readonly task: string;
  readonly version: number;
  readonly metric: string;
  readonly series: string;
  readonly value: number;
  readonly at: number;
}

export interface AggregatorStorage {
  /** Stores a model version; storing the same (name, version) again is a no-op. */
  putModel(model: ModelRecord): Promise<void>;
  getModelBlob(name: string, version: number): Promise<Uint8Array | undefined>;
  latestModelVersion(name: string): Promise<number | undefined>;

  openRound(round: NewRound): Promise<void>;
  getRound(roundId: string): Promise<RoundRecord | undefined>;
  /** The task's open round, if any (at most one per task). */
  openRoundOf(task: string): Promise<RoundRecord | undefined>;
  /** Closed rounds of a task, newest first. */
  closedRounds(task: string, limit: number): Promise<RoundRecord[]>;
  /** Moves an open round's deadline (a round below its minimum at the deadline waits longer). */
  extendDeadline(roundId: string, deadline: number): Promise<void>;

  /**
   * Durably stops the open round from accepting (accept answers 'not_open' from then on), so its
   * set of contributions is final while the helper's aggregate share is collected. Idempotent.
   */
  freezeRound(roundId: string, at: number): Promise<void>;
  /** The ids of the contributions accepted in the round (its exact set, once frozen). */
  roundContributionIds(roundId: string): Promise<Uint8Array[]>;

  /** True when this contribution id was accepted before (in any round). */
  hasContribution(id: Uint8Array): Promise<boolean>;
  /** Atomic, durable: records the id and adds `values` into the round's sum, unless it is a duplicate, the round is full, not open or frozen. */
  acceptContribution(roundId: string, id: Uint8Array, values: Int32Array, maxContributions: number): Promise<AcceptOutcome>;
  /**
   * The same for several contributions in ONE transaction (group commit): outcomes in order, each
   * as if accepted one after the other; all durable once it returns. A batch that fails leaves
   * none of its contributions stored.
   */
  acceptContributions(batch: readonly PendingContribution[]): Promise<AcceptOutcome[]>;
  /** The exact durable sum of the round's accepted vectors (grid units) and how many there are. */
  roundSum(roundId: string): Promise<{ readonly sum: Float64Array; readonly contributions: number }>;
  /** One transaction: closes the round, stores its model and release, frees its sum. */
  closeRound(closure: RoundClosure): Promise<void>;

  /** Sum of ρ over the task's closed rounds (aggregated, and refused ones: their sum was seen by the leader). */
  rhoSpent(task: string): Promise<number>;
  /**
   * Sum of ρ over the task's closed rounds that accepted contributions at some time in
   * [start, end): rounds whose span [openedAt, min(closedAt, deadline)) meets it (the coordinator
   * refuses a fixed-schedule round's contributions from its deadline on, so the span is exactly
   * when it accepted). A device sends at most one contribution per round, so this bounds what one
   * device spent in [start, end). A fixed-schedule task's budget renews per period on this sum
   * (server/strategies/budget.ts).
   */
  rhoSpentBetween(task: string, start: number, end: number): Promise<number>;
  releases(task: string, limit: number): Promise<{ readonly roundId: string; readonly json: string }[]>;
  addQuality(record: QualityRecord): Promise<void>;
  quality(task: string): Promise<QualityRecord[]>;
  totals(): Promise<{ readonly contributions: number; readonly roundsAggregated: number }>;
  /**
   * Runs `work` holding the task's round-change lock across every aggregator process that shares
   * this store, so one instance at a time opens, checks or closes the task's rounds; resolves
   * `busy` at once, without running it, while another process holds the lock (that process does
   * the change; every instance re-reads the round under the lock before acting on it). Correctness
   * does not rest on it alone: one open round per task and a close that succeeds once are
   * constraints of the store; the lock keeps instances from racing into them.
   */
  withRoundLock<T>(task: string, work: () => Promise<T>): Promise<RoundLockOutcome<T>>;
  close(): Promise<void>;
}

export type RoundLockOutcome<T> = { readonly kind: 'ran'; readonly value: T } | { readonly kind: 'busy' };
