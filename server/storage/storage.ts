/**
 * Everything the aggregator keeps, behind one interface, so the round logic never sees SQL.
 * SQLite (./sqlite.ts) is the embedded default. The interface is synchronous because
 * better-sqlite3 is, and because the contribution path must stay a single critical section on
 * one thread: validate → commit → answer.
 *
 * Invariant every implementation keeps: `acceptContribution` is atomic and durable — once it
 * returns 'accepted', the id and the vector's addition to the round's sum survive a kill -9;
 * if it throws or returns anything else, neither happened. A replayed id never adds twice.
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
  putModel(model: ModelRecord): void;
  getModelBlob(name: string, version: number): Uint8Array | undefined;
  latestModelVersion(name: string): number | undefined;

  openRound(round: NewRound): void;
  getRound(roundId: string): RoundRecord | undefined;
  /** The task's open round, if any (at most one per task). */
  openRoundOf(task: string): RoundRecord | undefined;
  /** Closed rounds of a task, newest first. */
  closedRounds(task: string, limit: number): RoundRecord[];
  /** Moves an open round's deadline (a round below its minimum at the deadline waits longer). */
  extendDeadline(roundId: string, deadline: number): void;

  /**
   * Durably stops the open round from accepting (accept answers 'not_open' from then on), so its
   * set of contributions is final while the helper's aggregate share is collected. Idempotent.
   */
  freezeRound(roundId: string, at: number): void;
  /** The ids of the contributions accepted in the round (its exact set, once frozen). */
  roundContributionIds(roundId: string): Uint8Array[];

  /** True when this contribution id was accepted before (in any round). */
  hasContribution(id: Uint8Array): boolean;
  /** Atomic, durable: records the id and adds `values` into the round's sum, unless it is a duplicate, the round is full, not open or frozen. */
  acceptContribution(roundId: string, id: Uint8Array, values: Int32Array, maxContributions: number): AcceptOutcome;
  /**
   * The same for several contributions in ONE transaction (group commit): outcomes in order, each
   * as if accepted one after the other; all durable once it returns. A batch that fails leaves
   * none of its contributions stored.
   */
  acceptContributions(batch: readonly PendingContribution[]): AcceptOutcome[];
  /** The exact durable sum of the round's accepted vectors (grid units) and how many there are. */
  roundSum(roundId: string): { readonly sum: Float64Array; readonly contributions: number };
  /** One transaction: closes the round, stores its model and release, frees its sum. */
  closeRound(closure: RoundClosure): void;

  /** Sum of ρ over the task's aggregated rounds. */
  rhoSpent(task: string): number;
  releases(task: string, limit: number): { readonly roundId: string; readonly json: string }[];
  addQuality(record: QualityRecord): void;
  quality(task: string): QualityRecord[];
  totals(): { readonly contributions: number; readonly roundsAggregated: number };
  close(): void;
}
