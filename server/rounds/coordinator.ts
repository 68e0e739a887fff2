/**
 * Runs the rounds of every task: opens them through the task's strategy (`configure`), accepts
 * contributions (validated in ./validate-contribution.ts, stored through the storage interface),
 * and closes them (`aggregate`) when they are full, or at their deadline once they have their
 * minimum; a round below its minimum at the deadline waits another round length. The only
 * place where strategies, storage and the clock meet. No HTTP here (see ../http/app.ts).
 *
 * Two upload paths (a tagged union, `UploadPath`):
 * - plain (role single): INK1 vectors, validated (norm included) and committed in group commits;
 * - shared (role leader): INK2 secret-shared uploads. Each group of valid uploads is forwarded to
 *   the helper BEFORE the leader commits: only the ones the helper holds are committed here, so a
 *   contribution is at the leader iff it is at the helper (or in flight to it). A round closes in
 *   three steps: freeze it durably (it accepts nothing more), collect the helper's aggregate share
 *   over the leader's exact id list, then combine the two shares and aggregate as usual. The
 *   helper sums exactly the leader's ids, so every contribution is counted in both sums or in
 *   neither, never twice; a helper that is down leaves the round frozen, and the close is retried
 *   on later ticks (also after a leader restart).
 *
 * Storage is asynchronous (PostgreSQL answers over a socket), so round changes are serialised per
 * task (`withTask`): a task's open, deadline check and close never interleave. Contributions are
 * not serialised with them: a close first freezes the round durably (both paths), so no commit can
 * land between reading the round's sum and closing it.
 *
 * Several instances may share one PostgreSQL database behind a load balancer (issue 13): nothing
 * a round depends on lives only in this process (rounds, sums, ids and models are read from the
 * store; the caches here are keyed by immutable round ids or checked against the stored version),
 * and `withTask` also takes the store's per-task lock, so one instance at a time opens or closes a
 * task's rounds while the others skip; every instance's deadline tick also closes a full round, in
 * case the instance whose commit filled it found the lock taken, and opens a task's next round if
 * the instance that closed the last one died before opening it. A secure round's close records
 * the SHA-256 of its released sum (./sum-digest.ts), which `npm run loadtest` checks.
 */
import {
  contributionByteLength,
  decodeContribution,
  encodeModel,
  type QualityReport,
  type RoundStats,
  type StatsResponse,
  type TaskDescriptor,
  type TaskStats,
  type PeriodPrivacy,
  decodeModel,
  type ModelHeader,
} from '../../core/protocol/aggregator.js';
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import { decodeSharedContribution, MAX_SHARES_PER_BATCH, type HelperShare } from '../../core/protocol/secure-aggregation.js';
import { toBase64Url } from '../../core/secagg/hpke.js';
import { checkNoWrap, combineShares, coordinatesBeyond, honestCoordinateBound, honestSumBound, reduceSum } from '../../core/secagg/ring.js';
import type { HelperPeer } from '../secagg/helper-client.js';
import { secureNoisePlan, secureRoundRho } from '../strategies/distributed-dp.js';
import { projectedCounts } from '../strategies/histogram.js';
import { initialWeights } from '../models/initial-weights.js';
import { gridSensitivity, normAllowance, roundRho } from '../privacy/round-privacy.js';
import type { AcceptOutcome, AggregatorStorage, PendingContribution, RoundRecord } from '../storage/storage.js';
import type { HistogramRelease, RoundConfig, RoundSettings, Strategy } from '../strategies/strategy.js';
import { uploadLength, type TaskDefinition } from '../tasks.js';
import { SCHEDULE_SHARES } from '../../core/models/segments-model.js';
import { checkContributionBody, checkRound, checkSharedBody, maxContributionBytes, maxSharedContributionBytes, type Rejection, type RoundView } from './validate-contribution.js';
import { latestQualityComparison } from './task-quality.js';
import { sumDigest } from './sum-digest.js';

export type SubmitResult =
  | { readonly kind: 'accepted'; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

export type CoordinatorEvent =
  | { readonly kind: 'round_opened'; readonly task: string; readonly roundId: string; readonly version: number }
  | { readonly kind: 'round_closed'; readonly task: string; readonly roundId: string; readonly producedVersion: number; readonly contributions: number; readonly epsilon: number; readonly ms: number }
  /**
   * Secure aggregation: the round's decoded sum lies outside what its honest uploads could make
   * (a share carried garbage), so no model was produced; its ρ is charged all the same.
   */
  | { readonly kind: 'round_refused'; readonly task: string; readonly roundId: string; readonly contributions: number; readonly coordinatesBeyond: number; readonly bound: number; readonly epsilon: number }
  /**
   * A round opened by an earlier version of the task whose upload layout has changed since (an
   * upgrade): its uploads cannot be decoded by this one, so it is closed unreleased at start (no
   * model, nothing decoded, no ρ) and the next round opens on the new layout.
   */
  | { readonly kind: 'round_abandoned'; readonly task: string; readonly roundId: string; readonly contributions: number; readonly storedLength: number; readonly length: number }
  | { readonly kind: 'round_extended'; readonly task: string; readonly roundId: string; readonly contributions: number }
  | { readonly kind: 'task_stopped'; readonly task: string; readonly message: string }
  /** The task's strategy is not ready to open a round (e.g. the ALS task before its popularity release). */
  | { readonly kind: 'task_waiting'; readonly task: string; readonly message: string }
  /** Secure aggregation: the round is frozen but the helper's share could not be collected yet. */
  | { readonly kind: 'close_deferred'; readonly task: string; readonly roundId: string; readonly reason: string }
  /** Secure aggregation: uploads answered 503 because the helper could not be reached. */
  | { readonly kind: 'helper_unavailable'; readonly task: string; readonly roundId: string; readonly uploads: number; readonly reason: string };

/** How devices' uploads reach the round sums (see the file comment). */
export type UploadPath =
  | { readonly kind: 'plain' }
  | { readonly kind: 'shared'; readonly helper: HelperPeer; readonly plannedRounds: number };

interface QueuedContribution {
  readonly item: PendingContribution;
  readonly task: string;
  readonly resolve: (result: SubmitResult) => void;
  readonly reject: (error: unknown) => void;
  /** Shared uploads: what the helper gets, and the fields it rebuilds the sealed seed's AAD from. */
  readonly share?: { readonly helperShare: HelperShare; readonly modelVersion: number };
}

/** Prepares central noise ahead of a round's close (optional; see ../privacy/central-noise.ts). */
export interface NoisePreparer {
  prepare(roundId: string, sigma: number, length: number): void;
}

export interface CoordinatorOptions {
  readonly storage: AggregatorStorage;
  readonly tasks: readonly TaskDefinition[];
  readonly settings: RoundSettings;
  readonly strategyFor: (task: TaskDefinition) => Strategy;
  readonly noise?: NoisePreparer;
  /** Default plain. */
  readonly uploads?: UploadPath;
  readonly clock?: () => number;
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

/** Rounds kept in /v1/stats per task. */
const STATS_ROUNDS = 200;
/** A frozen round whose collect failed is retried no sooner than this (the helper may be restarting). */
const CLOSE_RETRY_MS = 2000;

export class RoundCoordinator {
  private readonly storage: AggregatorStorage;
  private readonly tasks: ReadonlyMap<string, TaskDefinition>;
  private readonly strategies = new Map<string, Strategy>();
  private readonly configs = new Map<string, RoundConfig>();
  private readonly weights = new Map<string, { readonly version: number; readonly data: Float32Array }>();
  private readonly stopped = new Map<string, string>();
  /** Tasks whose strategy said 'wait' (e.g. for their dependency's first release): asked again on ticks and releases. */
  private readonly waiting = new Map<string, string>();
  /** Per task, the tail of its queue of round changes (withTask). */
  private readonly taskQueues = new Map<string, Promise<unknown>>();
  /** Secure close retries: task → earliest next attempt. */
  private readonly closeRetryAt = new Map<string, number>();
  private readonly uploads: UploadPath;
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Validated contributions waiting for the next group commit. */
  private readonly queue: QueuedContribution[] = [];
  /** The batch being committed (or forwarded to the helper first): the next one waits for it. */
  private flushing: Promise<void> | null = null;
  /** The deadline check still running (the timer skips a tick rather than pile them up). */
  private ticking: Promise<void> | null = null;
  /** Duration of the last round close, ms (bench and stats). */
  lastCloseMs = 0;

  constructor(private readonly options: CoordinatorOptions) {
    this.storage = options.storage;
    this.clock = options.clock ?? Date.now;
    this.uploads = options.uploads ?? { kind: 'plain' };
    this.tasks = new Map(options.tasks.map((t) => [t.task, t]));
    for (const task of options.tasks) {
      this.strategies.set(task.task, options.strategyFor(task));
      if (this.uploads.kind === 'plain') this.checkExactSums(task);
      else this.checkSharedSums(task, task.plannedRounds ?? this.uploads.plannedRounds);
    }
  }

  /** Publishes version 1 of every model that has none, and opens (or resumes) each task's round. */
  async start(): Promise<void> {
    const now = this.clock();
    for (const task of this.tasks.values()) {
      if ((await this.storage.latestModelVersion(task.model.name)) === undefined) {
        const data = initialWeights(task);
        await this.storage.putModel({
          name: task.model.name,
          version: 1,
          blob: encodeModel({ header: modelHeader(task, 1), data }),
          createdAt: now,
        });
      }
      await this.checkStoredShape(task);
      const open = await this.storage.openRoundOf(task.task);
      // Another instance sharing the store may be opening it right now: re-read under the lock.
      if (open === undefined) {
        await this.withTask(task.task, async () => {
          if ((await this.storage.openRoundOf(task.task)) === undefined) await this.openNextRound(task);
        }, undefined);
      }
      else if (this.configOf(open).vectorLength !== this.vectorLengthOf(task)) {
        // Re-read under the lock: another instance sharing the store may have abandoned it already.
        await this.withTask(task.task, async () => {
          const still = await this.storage.openRoundOf(task.task);
          if (still?.roundId === open.roundId) await this.abandon(task, still);
          else if (still !== undefined) this.prepareNoise(still);
        }, undefined);
      } else this.prepareNoise(open);
    }
  }

  /** A round this instance did not open: its server-side noise, if any, is set up here. */
  private prepareNoise(round: RoundRecord): void {
    const config = this.configOf(round);
    this.options.noise?.prepare(round.roundId, config.centralNoiseStddev, config.vectorLength);
  }

  /** Closes a round of an earlier upload layout unreleased (see 'round_abandoned') and opens the next. */
  private async abandon(task: TaskDefinition, round: RoundRecord): Promise<void> {
    const storedLength = this.configOf(round).vectorLength;
    await this.closeWithoutModel(task, round, { rho: 0, epsilonAfter: null }, {
      kind: 'round_abandoned', task: task.task, roundId: round.roundId, contributions: round.contributions, storedLength, length: this.vectorLengthOf(task),
    });
  }

  /**
   * Closes a round with no model (outcome 'expired': the model stays at its version, the next round
   * trains on it again), says why, and opens the next round.
   */
  private async closeWithoutModel(task: TaskDefinition, round: RoundRecord, privacy: { readonly rho: number; readonly epsilonAfter: number | null; readonly sumDigest?: string }, event: CoordinatorEvent): Promise<void> {
    await this.storage.closeRound({ roundId: round.roundId, outcome: 'expired', closedAt: this.clock(), producedModel: null, releaseJson: null, ...privacy });
    this.configs.delete(round.roundId);
    this.options.onEvent?.(event);
    await this.openNextRound(task);
  }

  /** Checks deadlines every `intervalMs` (unref'd: never keeps the process alive). */
  startTimer(intervalMs = 250): void {
    this.stopTimer();
    this.timer = setInterval(() => {
      if (this.ticking === null) this.tick().catch((error: unknown) => console.error(`[rounds] deadline check failed: ${messageOf(error)}`));
    }, intervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes or extends every open round whose deadline has passed; resolves when done. */
  tick(): Promise<void> {
    this.ticking ??= this.checkDeadlines().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async checkDeadlines(): Promise<void> {
    const now = this.clock();
    await this.retryWaiting();
    // One task's failure (its store refused, its strategy threw) must not stop the others' closes.
    const closed = await Promise.all([...this.tasks.values()].map((task) => this.withTask(task.task, () => this.checkDeadline(task, now), false).catch((error: unknown) => {
      console.error(`[rounds] ${task.task}: deadline check failed: ${messageOf(error)}`);
      return false;
    })));
    if (closed.includes(true)) await this.retryWaiting();
  }

  /** Closes or extends the task's round if its deadline passed (under the task's queue); true if it closed. */
  private async checkDeadline(task: TaskDefinition, now: number): Promise<boolean> {
    const round = await this.storage.openRoundOf(task.task);
    if (round === undefined) {
      // No open round although the task runs: the instance that closed the last one (sharing this
      // store) died before it opened the next. Open it here; a task stopped for its budget stays
      // stopped, and a waiting one is asked again by retryWaiting.
      if (!this.stopped.has(task.task) && !this.waiting.has(task.task)) await this.openNextRound(task);
      return false;
    }
    if (round.frozenAt !== null) {
      // A close that could not finish: the helper's share was not collected (helper down), or
      // this process stopped between the freeze and the close.
      return now >= (this.closeRetryAt.get(task.task) ?? 0) && this.closeNow(task, round);
    }
    const config = this.configOf(round);
    // A full round is closed by the instance whose commit filled it; this is the fallback when
    // that close found another instance holding the task's lock (or died before it ran).
    if (round.contributions >= config.maxContributions) return this.closeNow(task, round);
    if (round.deadline > now) return false;
    if (round.contributions >= config.minContributions) return this.closeNow(task, round);
    // A fixed-schedule round below its minimum runs on to the end of the period now is in (the
    // devices' period check reads the deadline), never past a period boundary by a tick's delay.
    const extended = task.periodDays === undefined ? now + this.settingsOf(task).roundMs : periodBounds(periodOf(now, task.periodDays), task.periodDays).end;
    await this.storage.extendDeadline(round.roundId, extended);
    this.options.onEvent?.({ kind: 'round_extended', task: task.task, roundId: round.roundId, contributions: round.contributions });
    return false;
  }

  /** The open tasks, as `GET /v1/tasks` lists them. */
  async descriptors(): Promise<TaskDescriptor[]> {
    const listed = await Promise.all([...this.tasks.values()].map((task) => this.descriptor(task)));
    return listed.filter((d): d is TaskDescriptor => d !== null);
  }

  private async descriptor(task: TaskDefinition): Promise<TaskDescriptor | null> {
    const round = await this.storage.openRoundOf(task.task);
    // A frozen round accepts nothing: devices wait for the next one.
    if (round === undefined || round.frozenAt !== null) return null;
    const config = this.configOf(round);
    const settings = this.settingsOf(task);
    const descriptor: TaskDescriptor = {
      task: task.task,
      kind: task.kind,
      model: { name: task.model.name, version: round.baseVersion },
      roundId: round.roundId,
      vectorLength: config.vectorLength,
      clipNorm: config.clipNorm,
      granularity: config.granularity,
      localNoiseStddev: config.localNoiseStddev,
      localSteps: config.localSteps,
      learningRate: config.learningRate,
      deadline: new Date(round.deadline).toISOString(),
      expectedBytes: this.contributionBytes(config.vectorLength),
      minContributions: config.minContributions,
      maxContributions: config.maxContributions,
      privacy: { epsilonBudget: settings.epsilonBudget, delta: settings.delta, epsilonSpent: await this.epsilonSpent(task), ...(await this.periodPrivacy(task)) },
      ...(config.rows === undefined ? {} : { rows: config.rows }),
    };
    const quality = latestQualityComparison(await this.storage.quality(task.task));
    return {
      ...descriptor,
      ...(task.labels === undefined ? {} : { labels: task.labels }),
      ...(quality === undefined ? {} : { quality }),
      ...(this.uploads.kind === 'shared' ? { secureAggregation: { helper: this.uploads.helper.publicUrl } } : {}),
    };
  }

  vectorLengths(): number[] {
    return [...this.tasks.values()].map((t) => this.vectorLengthOf(t));
  }

  /** The largest upload body any task accepts on this path (bigger requests are refused unread). */
  maxUploadBytes(): number {
    return this.uploads.kind === 'plain' ? maxContributionBytes(this.vectorLengths()) : maxSharedContributionBytes(this.vectorLengths());
  }

  /** The helper, when this aggregator is a leader. */
  helper(): HelperPeer | null {
    return this.uploads.kind === 'shared' ? this.uploads.helper : null;
  }

  modelBlob(name: string, version: number): Promise<Uint8Array | undefined> {
    return this.storage.getModelBlob(name, version);
  }

  latestVersion(name: string): Promise<number | undefined> {
    return this.storage.latestModelVersion(name);
  }

  isKnownModel(name: string): boolean {
    for (const t of this.tasks.values()) if (t.model.name === name) return true;
    return false;
  }

  /** The round being posted to, with its configuration and the task's current round. */
  async roundView(roundId: string): Promise<RoundView | undefined> {
    const round = await this.storage.getRound(roundId);
    if (round === undefined) return undefined;
    const config = this.configOf(round);
    const now = this.clock();
    // The task's current round only names the way forward in a refusal: not read for an upload that
    // goes on to be stored (one query fewer per upload; on PostgreSQL each is a round trip).
    const closed = round.outcome !== 'open' || (config.periodDays !== undefined && now >= round.deadline);
    return { round, config, current: closed ? await this.storage.openRoundOf(round.task) : undefined, now };
  }

  /**
   * Validates and stores one contribution; resolves once it is durable (or refused). Valid
   * contributions that arrive in the same turn of the event loop, or while the previous batch
   * commits, are committed together in one transaction (group commit): each answer still waits
   * for its own commit, and the per-contribution cost of a commit is shared. A round that reaches
   * its maximum is closed on the next turn, so the 202 does not wait for the aggregation.
   */
  submit(roundId: string, body: Uint8Array): Promise<SubmitResult> {
    switch (this.uploads.kind) {
      case 'plain':
        return this.submitPlain(roundId, body);
      case 'shared':
        return this.submitShared(roundId, body, this.uploads.helper);
      default: {
        const unreachable: never = this.uploads;
        throw new Error(`unknown upload path ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async submitPlain(roundId: string, body: Uint8Array): Promise<SubmitResult> {
    const view = await this.roundView(roundId);
    const known = checkRound(roundId, view);
    if (!known.ok) {
      // A retry of a contribution accepted before its round closed is still "accepted once".
      if (view !== undefined && (await this.isReplay(body, view.config.vectorLength))) return { kind: 'accepted', duplicate: true };
      return { kind: 'rejected', rejection: known.rejection };
    }
    const checked = checkContributionBody(body, known.value);
    if (!checked.ok) return { kind: 'rejected', rejection: checked.rejection };
    const { round, config } = known.value;
    return new Promise((resolve, reject) => {
      this.enqueue({
        item: { roundId: round.roundId, id: checked.value.id, values: checked.value.values, maxContributions: config.maxContributions },
        task: round.task,
        resolve,
        reject,
      });
    });
  }

  /**
   * A secret-shared upload: framing, round, version and key id checked here; then queued. The
   * helper must hold its share before the leader commits (flush). A replay of an id the leader
   * committed is found by the commit (202 duplicate; the helper answered 'duplicate' too): no
   * lookup per upload for the rare replay, which on PostgreSQL would be a round trip each.
   */
  private async submitShared(roundId: string, body: Uint8Array, helper: HelperPeer): Promise<SubmitResult> {
    const view = await this.roundView(roundId);
    const known = checkRound(roundId, view);
    if (!known.ok) {
      if (view !== undefined && (await this.isSharedReplay(body, view.config.vectorLength))) return { kind: 'accepted', duplicate: true };
      return { kind: 'rejected', rejection: known.rejection };
    }
    const checked = checkSharedBody(body, known.value);
    if (!checked.ok) return { kind: 'rejected', rejection: checked.rejection };
    const contribution = checked.value;
    if (!helper.keyIds().includes(contribution.keyId)) {
      // Keys rotate: an id we have not seen yet may be the helper's newest. Refetch (rate-limited).
      const reachable = await helper.refreshKeys();
      if (!reachable) {
        return { kind: 'rejected', rejection: { status: 503, code: 'helper_unavailable', message: `the helper's keys (${helper.publicUrl}/v1/hpke-config) could not be fetched; nothing was stored, the same upload may be sent again` } };
      }
      if (!helper.keyIds().includes(contribution.keyId)) {
        return { kind: 'rejected', rejection: { status: 400, code: 'unknown_key', message: `key id ${contribution.keyId} is not published by the helper; it accepts key ids ${helper.keyIds().join(', ')} (${helper.publicUrl}/v1/hpke-config)` } };
      }
    }
    const { round, config } = known.value;
    // The leader's share is uniform in Z_2^32; its int32 view is congruent mod 2^32, and the float64
    // running sum of int32 views stays exact (≤ 2^21 contributions, checked per task) until it is
    // reduced mod 2^32 at close.
    const values = new Int32Array(contribution.leaderShare.buffer, contribution.leaderShare.byteOffset, contribution.leaderShare.length);
    return new Promise((resolve, reject) => {
      this.enqueue({
        item: { roundId: round.roundId, id: contribution.id, values, maxContributions: config.maxContributions },
        task: round.task,
        share: {
          helperShare: { id: Buffer.from(contribution.id).toString('hex'), keyId: contribution.keyId, sealed: toBase64Url(contribution.sealedSeed) },
          modelVersion: contribution.modelVersion,
        },
        resolve,
        reject,
      });
    });
  }

  /** Queues a validated contribution for the next group commit. */
  private enqueue(queued: QueuedContribution): void {
    this.queue.push(queued);
    if (this.queue.length === 1 && this.flushing === null) setImmediate(() => this.flush());
  }

  /**
   * Commits the queued contributions. One batch in flight at a time: uploads that arrive meanwhile
   * wait and go together in the next batch, so under load the batches grow with the request rate
   * (one commit, and on the shared path one helper request, per batch instead of per event-loop
   * turn); when idle, an upload still goes at once. Measured at d = 1,836, 16 uploads in flight:
   * see bench/secure-aggregation.bench.ts. Shared uploads go to the helper first: one batch per
   * round (and version), then the leader commits, in one transaction, exactly those the helper
   * holds. Uploads the helper refused are answered with its code and stored nowhere; if the
   * helper cannot be reached they are answered 503 helper_unavailable and stored nowhere (a retry
   * of the same bytes is idempotent on both sides).
   */
  private flush(): void {
    if (this.flushing !== null) return; // it schedules the next batch when it settles
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const work = this.uploads.kind === 'shared' ? this.forwardBatch(this.uploads.helper, batch) : this.commit(batch);
    this.flushing = work
      // commit and forwardAndCommit answer their own contributions; this is a bug's last guard.
      .catch((error: unknown) => batch.forEach((q) => q.reject(error)))
      .finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) setImmediate(() => this.flush());
      });
  }

  /** Stops the deadline timer and waits for the round changes and the commit under way (before the store closes). */
  async stop(): Promise<void> {
    this.stopTimer();
    await Promise.allSettled([this.ticking, this.flushing, ...this.taskQueues.values()]);
  }

  private async forwardBatch(helper: HelperPeer, batch: QueuedContribution[]): Promise<void> {
    const groups = new Map<string, QueuedContribution[]>();
    for (const q of batch) {
      const key = `${q.item.roundId}\u0000${q.share!.modelVersion}`;
      const group = groups.get(key) ?? [];
      group.push(q);
      groups.set(key, group);
    }
    const chunks: QueuedContribution[][] = [];
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += MAX_SHARES_PER_BATCH) chunks.push(group.slice(i, i + MAX_SHARES_PER_BATCH));
    }
    await Promise.all(chunks.map((chunk) => this.forwardAndCommit(helper, chunk)));
  }

  private async forwardAndCommit(helper: HelperPeer, chunk: readonly QueuedContribution[]): Promise<void> {
    const first = chunk[0]!;
    const { roundId } = first.item;
    let forwarded;
    try {
      forwarded = await helper.forward(roundId, {
        task: first.task,
        modelVersion: first.share!.modelVersion,
        vectorLength: first.item.values.length,
        shares: chunk.map((q) => q.share!.helperShare),
      });
    } catch (error) {
      for (const q of chunk) q.reject(error);
      return;
    }
    const fail = (rejection: Rejection): void => {
      for (const q of chunk) q.resolve({ kind: 'rejected', rejection });
    };
    switch (forwarded.kind) {
      case 'unavailable':
        this.options.onEvent?.({ kind: 'helper_unavailable', task: first.task, roundId, uploads: chunk.length, reason: forwarded.message });
        fail({ status: 503, code: 'helper_unavailable', message: forwarded.message });
        return;
      case 'refused':
        // The whole batch: the round is closed at the helper (409), or the helper is misconfigured.
        if (forwarded.status === 409) fail({ status: 409, code: forwarded.code, message: forwarded.message });
        else {
          this.options.onEvent?.({ kind: 'helper_unavailable', task: first.task, roundId, uploads: chunk.length, reason: `${forwarded.status} ${forwarded.code}: ${forwarded.message}` });
          fail({ status: 503, code: 'helper_unavailable', message: `the helper refused the leader's batch (${forwarded.status} ${forwarded.code}); nothing was stored` });
        }
        return;
      case 'answer':
        break;
      default: {
        const unreachable: never = forwarded;
        throw new Error(`unknown forward outcome ${JSON.stringify(unreachable)}`);
      }
    }
    const held: QueuedContribution[] = [];
    forwarded.answer.results.forEach((result, i) => {
      const q = chunk[i]!;
      switch (result.outcome) {
        case 'added':
        case 'duplicate':
          held.push(q);
          return;
        case 'rejected':
          q.resolve({ kind: 'rejected', rejection: { status: 400, code: result.code, message: result.message } });
          return;
        default: {
          const unreachable: never = result;
          q.reject(new Error(`unknown helper result ${JSON.stringify(unreachable)}`));
        }
      }
    });
    if (held.length > 0) await this.commit(held);
  }

  /** One transaction for the batch (group commit), then one answer per contribution. */
  private async commit(batch: readonly QueuedContribution[]): Promise<void> {
    if (batch.length === 0) return;
    let outcomes: AcceptOutcome[];
    try {
      outcomes = await this.storage.acceptContributions(batch.map((q) => q.item));
    } catch (error) {
      for (const q of batch) q.reject(error);
      return;
    }
    const full = new Set<string>();
    batch.forEach((q, i) => {
      const outcome = outcomes[i]!;
      const { roundId, maxContributions } = q.item;
      switch (outcome.kind) {
        case 'accepted':
          if (outcome.contributions >= maxContributions) full.add(q.task);
          q.resolve({ kind: 'accepted', duplicate: false });
          return;
        case 'duplicate':
          q.resolve({ kind: 'accepted', duplicate: true });
          return;
        case 'full':
          q.resolve({ kind: 'rejected', rejection: { status: 409, code: 'round_closed', message: `round ${roundId} is full (${maxContributions} contributions); the next round opens when it closes` } });
          return;
        case 'not_open':
          q.resolve({ kind: 'rejected', rejection: { status: 409, code: 'round_closed', message: `round ${roundId} closed while this contribution was checked; GET /v1/tasks lists the current round` } });
          return;
        default: {
          const unreachable: never = outcome;
          q.reject(new Error(`unknown outcome ${JSON.stringify(unreachable)}`));
        }
      }
    });
    for (const task of full) setImmediate(() => void this.closeRound(task).catch((error: unknown) => console.error(`[rounds] closing ${task} failed: ${messageOf(error)}`)));
  }

  /**
   * Aggregates the task's open round into a new model version and opens the next round; resolves
   * true once it is closed, false when there is nothing to close (no open round, no contribution)
   * or, on the shared path, when the helper's share could not be collected yet (retried on a later
   * tick). A close already under way for the task is waited for first.
   */
  async closeRound(taskName: string): Promise<boolean> {
    const task = this.tasks.get(taskName);
    if (task === undefined) return false;
    const closed = await this.withTask(taskName, async () => {
      const round = await this.storage.openRoundOf(taskName);
      return round !== undefined && this.closeNow(task, round);
    }, false);
    if (closed) await this.retryWaiting();
    return closed;
  }

  /**
   * The close itself (under the task's queue). It first freezes the round, durably: from then on
   * nothing is committed to it, so the sum read next is final. The plain path then aggregates; the
   * shared path collects the helper's share over exactly the frozen round's ids first. A process
   * stopped after the freeze finishes the close on a tick after its restart.
   */
  private async closeNow(task: TaskDefinition, round: RoundRecord): Promise<boolean> {
    if (round.contributions === 0) return false;
    // Never freeze what may not be released: a secure round below its minimum would stay frozen.
    if (this.uploads.kind === 'shared' && round.contributions < this.configOf(round).minContributions) return false;
    const started = performance.now();
    if (round.frozenAt === null) await this.storage.freezeRound(round.roundId, this.clock());
    if (this.uploads.kind === 'plain') {
      const { sum, contributions } = await this.storage.roundSum(round.roundId);
      await this.release(task, round, sum, contributions, started);
      return true;
    }
    return this.closeShared(task, round, this.uploads.helper, started);
  }

  /** Collects the helper's share over the frozen round's ids, adds the two shares and releases. */
  private async closeShared(task: TaskDefinition, round: RoundRecord, helper: HelperPeer, started: number): Promise<boolean> {
    const taskName = task.task;
    const config = this.configOf(round);
    const ids = await this.storage.roundContributionIds(round.roundId);
    const collected = await helper.collect(round.roundId, ids.map((id) => Buffer.from(id).toString('hex')), config.vectorLength);
    switch (collected.kind) {
      case 'unavailable':
      case 'refused': {
        this.closeRetryAt.set(taskName, this.clock() + CLOSE_RETRY_MS);
        const reason = collected.kind === 'unavailable' ? collected.message : `${collected.status} ${collected.code}: ${collected.message}`;
        this.options.onEvent?.({ kind: 'close_deferred', task: taskName, roundId: round.roundId, reason });
        return false;
      }
      case 'share':
        break;
      default: {
        const unreachable: never = collected;
        throw new Error(`unknown collect outcome ${JSON.stringify(unreachable)}`);
      }
    }
    const { sum, contributions } = await this.storage.roundSum(round.roundId);
    if (collected.share.contributions !== ids.length || contributions !== ids.length) {
      throw new Error(`round ${round.roundId}: the helper summed ${collected.share.contributions} contributions, the leader ${contributions} with ${ids.length} ids`);
    }
    const combined = combineShares(reduceSum(sum), collected.share.values);
    this.closeRetryAt.delete(taskName);
    const bound = honestSumBound(contributions, config.clipNorm, config.granularity, config.localNoiseStddev, config.vectorLength);
    const beyond = coordinatesBeyond(combined, bound);
    if (beyond > 0) await this.refuse(task, round, combined, contributions, { beyond, bound });
    else await this.release(task, round, combined, contributions, started, sumDigest(combined));
    return true;
  }

  /**
   * A secure round whose decoded sum no honest uploads could have made is closed without a model.
   * The leader has seen the sum, so the round's ρ is charged as if it had been released.
   */
  private async refuse(task: TaskDefinition, round: RoundRecord, sum: Float64Array, contributions: number, found: { readonly beyond: number; readonly bound: number }): Promise<void> {
    const rho = secureRoundRho(this.configOf(round), contributions);
    const epsilonAfter = zcdpToEpsilon((await this.rhoSpentCombined(task)) + rho, this.settingsOf(task).delta).epsilon;
    await this.closeWithoutModel(task, round, { rho, epsilonAfter, sumDigest: sumDigest(sum) }, {
      kind: 'round_refused', task: task.task, roundId: round.roundId, contributions, coordinatesBeyond: found.beyond, bound: found.bound, epsilon: epsilonAfter,
    });
  }

  /** The strategy aggregates the round's exact grid sum; the round closes in one transaction; the next opens. */
  private async release(task: TaskDefinition, round: RoundRecord, sum: Float64Array, contributions: number, started: number, digest: string | null = null): Promise<void> {
    const taskName = task.task;
    const config = this.configOf(round);
    const strategy = this.strategies.get(taskName)!;
    const output = strategy.aggregate({ roundId: round.roundId, task, config, weights: await this.currentWeights(task), sum, contributions });
    // Without the DP wrapper the release is still protected by the devices' own noise.
    const rho = output.privacy?.rho ?? roundRho({
      sensitivity: gridSensitivity(config.clipNorm, config.granularity, config.vectorLength),
      localStddev: config.localNoiseStddev,
      centralStddev: 0,
      contributions,
      vectorLength: config.vectorLength,
    });
    const rhoTotal = (await this.rhoSpentCombined(task)) + rho;
    const epsilonAfter = zcdpToEpsilon(rhoTotal, this.settingsOf(task).delta).epsilon;
    const producedVersion = round.baseVersion + 1;
    const now = this.clock();
    await this.storage.closeRound({
      roundId: round.roundId,
      outcome: 'aggregated',
      closedAt: now,
      producedModel: {
        name: task.model.name,
        version: producedVersion,
        blob: encodeModel({ header: modelHeader(task, producedVersion), data: output.weights }),
        createdAt: now,
      },
      rho,
      epsilonAfter,
      releaseJson: output.release === null ? null : JSON.stringify(output.release),
      sumDigest: digest,
    });
    this.configs.delete(round.roundId);
    this.weights.set(taskName, { version: producedVersion, data: output.weights });
    this.lastCloseMs = performance.now() - started;
    this.options.onEvent?.({ kind: 'round_closed', task: taskName, roundId: round.roundId, producedVersion, contributions, epsilon: epsilonAfter, ms: this.lastCloseMs });
    await this.openNextRound(task);
  }

  /** Asks every waiting task's strategy again (its dependency may have released since). */
  private async retryWaiting(): Promise<void> {
    await Promise.all([...this.waiting.keys()].map((name) => {
      const task = this.tasks.get(name);
      if (task === undefined) return undefined;
      return this.withTask(name, async () => {
        if ((await this.storage.openRoundOf(name)) === undefined) await this.openNextRound(task);
      }, undefined);
    }));
  }

  /**
   * Runs `change` after the task's earlier round changes in this process have settled, holding the
   * task's lock in the store (so instances sharing a PostgreSQL database take turns too): a task's
   * open, deadline check and close never interleave (storage is async). Tasks do not wait for each
   * other. While another instance holds the lock, `change` does not run and `busy` is the answer:
   * that instance is doing the change, and any left over is picked up on a later tick.
   */
  private withTask<T>(taskName: string, change: () => Promise<T>, busy: T): Promise<T> {
    const previous = this.taskQueues.get(taskName) ?? Promise.resolve();
    const next = previous.then(async () => {
      const outcome = await this.storage.withRoundLock(taskName, change);
      return outcome.kind === 'ran' ? outcome.value : busy;
    });
    const tail = next.catch(() => undefined);
    this.taskQueues.set(taskName, tail);
    void tail.then(() => {
      if (this.taskQueues.get(taskName) === tail) this.taskQueues.delete(taskName);
    });
    return next;
  }

  /**
   * ρ spent by the task and by the task it depends on: one guarantee covers both (zCDP composes by
   * adding ρ), so that is what the task reports.
   */
  private async rhoSpentCombined(task: TaskDefinition): Promise<number> {
    const own = await this.storage.rhoSpent(task.task);
    return task.dependsOn === undefined ? own : own + (await this.storage.rhoSpent(task.dependsOn));
  }

  /** ρ of the task's rounds open at some time in the period `at` is in (a fixed-schedule task's renewing budget). */
  private rhoSpentInPeriod(task: TaskDefinition, at: number): Promise<number> {
    const days = task.periodDays ?? 1;
    const { start, end } = periodBounds(periodOf(at, days), days);
    return this.storage.rhoSpentBetween(task.task, start, end);
  }

  /** A fixed-schedule task's per-period budget, as /v1/tasks and /v1/stats report it (nothing for other tasks). */
  private async periodPrivacy(task: TaskDefinition): Promise<{ readonly period?: PeriodPrivacy }> {
    if (task.periodDays === undefined) return {};
    const now = this.clock();
    const rho = await this.rhoSpentInPeriod(task, now);
    const renewsAt = new Date(periodBounds(periodOf(now, task.periodDays), task.periodDays).end).toISOString();
    return { period: { days: task.periodDays, epsilonSpent: jsonSafe(zcdpToEpsilon(rho, this.settingsOf(task).delta).epsilon), renewsAt } };
  }

  /** The newest released model of the task's dependency (version ≥ 2), or null. */
  private async dependencyRelease(task: TaskDefinition): Promise<Float32Array | null> {
    if (task.dependsOn === undefined) return null;
    const dependency = this.tasks.get(task.dependsOn);
    if (dependency === undefined) return null;
    const latest = (await this.storage.latestModelVersion(dependency.model.name)) ?? 1;
    return latest > 1 ? this.currentWeights(dependency) : null;
  }

  addQuality(report: QualityReport): Promise<void> {
    return this.storage.addQuality({ task: report.task, version: report.version, metric: report.metric, series: report.series ?? 'federated', value: report.value, at: this.clock() });
  }

  isKnownTask(task: string): boolean {
    return this.tasks.has(task);
  }

  /** What one device uploads to this aggregator for a vector of `vectorLength` (INK1, or INK2 with its sealed seed). */
  private contributionBytes(vectorLength: number): number {
    return this.uploads.kind === 'shared' ? maxSharedContributionBytes([vectorLength]) : contributionByteLength(vectorLength);
  }

  async stats(): Promise<StatsResponse> {
    const tasks = await Promise.all([...this.tasks.values()].map((task) => this.taskStats(task)));
    return { generatedAt: new Date(this.clock()).toISOString(), totals: await this.storage.totals(), tasks };
  }

  private async taskStats(task: TaskDefinition): Promise<TaskStats> {
    const settings = this.settingsOf(task);
    const open = await this.storage.openRoundOf(task.task);
    const closed = (await this.storage.closedRounds(task.task, STATS_ROUNDS)).reverse();
    const rhoSpent = await this.rhoSpentCombined(task);
    const newest = open ?? closed[closed.length - 1];
    return {
      task: task.task,
      kind: task.kind,
      model: { name: task.model.name, version: (await this.storage.latestModelVersion(task.model.name)) ?? 1 },
      status: this.stopped.has(task.task) && open === undefined ? 'budget_exhausted' : 'open',
      privacy: { epsilonBudget: settings.epsilonBudget, delta: settings.delta, epsilonSpent: jsonSafe(zcdpToEpsilon(rhoSpent, settings.delta).epsilon), rhoSpent: jsonSafe(rhoSpent), ...(await this.periodPrivacy(task)) },
      currentRound: open === undefined ? null : roundStats(open),
      bytesPerContribution: newest === undefined ? null : this.contributionBytes(this.configOf(newest).vectorLength),
      rounds: closed.map(roundStats),
      quality: (await this.storage.quality(task.task)).map((q) => ({ version: q.version, metric: q.metric, series: q.series, value: q.value, at: new Date(q.at).toISOString() })),
      aggregates: (await this.storage.releases(task.task, 20)).reverse().map(({ roundId, json }) => {
        const release = JSON.parse(json) as HistogramRelease;
        return { roundId, labels: release.labels, values: release.values, projected: projectedCounts(release), stddev: release.stddev, contributions: release.contributions };
      }),
    };
  }

  /** Opens the task's next round as its strategy plans it (called under the task's queue). */
  private async openNextRound(task: TaskDefinition): Promise<void> {
    const version = (await this.storage.latestModelVersion(task.model.name)) ?? 1;
    const now = this.clock();
    const plan = this.strategies.get(task.task)!.configure({
      task,
      settings: this.settingsOf(task),
      modelVersion: version,
      now,
      // A fixed-schedule task's budget renews per period: only the current period's rounds count.
      rhoSpent: task.periodDays === undefined ? await this.storage.rhoSpent(task.task) : await this.rhoSpentInPeriod(task, now),
      dependency: await this.dependencyRelease(task),
    });
    if (plan.kind !== 'wait') this.waiting.delete(task.task);
    switch (plan.kind) {
      case 'wait':
        if (!this.waiting.has(task.task)) this.options.onEvent?.({ kind: 'task_waiting', task: task.task, message: plan.message });
        this.waiting.set(task.task, plan.message);
        return;
      case 'stop':
        this.stopped.set(task.task, plan.message);
        this.options.onEvent?.({ kind: 'task_stopped', task: task.task, message: plan.message });
        return;
      case 'open': {
        const roundId = `${task.task}-v${version}-${now.toString(36)}`;
        await this.storage.openRound({
          roundId,
          task: task.task,
          baseVersion: version,
          vectorLength: plan.config.vectorLength,
          openedAt: now,
          deadline: plan.config.deadline,
          configJson: JSON.stringify(plan.config),
        });
        this.configs.set(roundId, plan.config);
        this.options.noise?.prepare(roundId, plan.config.centralNoiseStddev, plan.config.vectorLength);
        this.options.onEvent?.({ kind: 'round_opened', task: task.task, roundId, version });
        return;
      }
      default: {
        const unreachable: never = plan;
        throw new Error(`unknown plan ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** A database made for another shape of the model (e.g. another catalogue size) is refused by name. */
  private async checkStoredShape(task: TaskDefinition): Promise<void> {
    const latest = await this.storage.latestModelVersion(task.model.name);
    const blob = latest === undefined ? undefined : await this.storage.getModelBlob(task.model.name, latest);
    if (blob === undefined) return;
    const stored = decodeModel(blob).header.tensors;
    const wanted = task.model.tensors;
    const same = stored.length === wanted.length && stored.every((t, i) => t.name === wanted[i]!.name && t.shape.join('×') === wanted[i]!.shape.join('×'));
    if (!same) {
      const show = (ts: readonly { name: string; shape: readonly number[] }[]): string => ts.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ');
      throw new RangeError(`task ${task.task}: the database holds model ${task.model.name} as ${show(stored)}, but the task now needs ${show(wanted)}; use a fresh --db`);
    }
  }

  private async isSharedReplay(body: Uint8Array, vectorLength: number): Promise<boolean> {
    const decoded = decodeSharedContribution(body, vectorLength);
    return decoded.ok && (await this.storage.hasContribution(decoded.contribution.id));
  }

  private async isReplay(body: Uint8Array, vectorLength: number): Promise<boolean> {
    const decoded = decodeContribution(body, vectorLength);
    return decoded.ok && (await this.storage.hasContribution(decoded.contribution.id));
  }

  private configOf(round: RoundRecord): RoundConfig {
    let config = this.configs.get(round.roundId);
    if (config === undefined) {
      config = JSON.parse(round.configJson) as RoundConfig;
      if (round.outcome === 'open') this.configs.set(round.roundId, config);
    }
    return config;
  }

  private async currentWeights(task: TaskDefinition): Promise<Float32Array> {
    const latest = (await this.storage.latestModelVersion(task.model.name)) ?? 1;
    const cached = this.weights.get(task.task);
    if (cached !== undefined && cached.version === latest) return cached.data;
    const blob = await this.storage.getModelBlob(task.model.name, latest);
    const data = blob === undefined ? initialWeights(task) : decodeModel(blob).data;
    this.weights.set(task.task, { version: latest, data });
    return data;
  }

  private async epsilonSpent(task: TaskDefinition): Promise<number> {
    return jsonSafe(zcdpToEpsilon(await this.rhoSpentCombined(task), this.settingsOf(task).delta).epsilon);
  }

  private settingsOf(task: TaskDefinition): RoundSettings {
    const s = this.options.settings;
    const minContributions = task.minContributions ?? s.minContributions;
    return {
      minContributions,
      maxContributions: Math.max(minContributions, task.maxContributions ?? s.maxContributions),
      roundMs: task.roundSeconds !== undefined ? task.roundSeconds * 1000 : s.roundMs,
      epsilonBudget: task.epsilonBudget ?? s.epsilonBudget,
      delta: s.delta,
    };
  }

  private vectorLengthOf(task: TaskDefinition): number {
    return uploadLength(task);
  }

  /**
   * Sums are kept in float64, exact for integers below 2^53. Every coordinate of an admitted
   * contribution is at most its L2 allowance, so maxContributions × allowance < 2^53 makes every
   * partial sum exact. Checked once per task at construction.
   */
  private checkExactSums(task: TaskDefinition): void {
    const n = this.vectorLengthOf(task);
    const sensitivity = gridSensitivity(task.clipNorm, task.granularity, n);
    const allowance = normAllowance(task.clipNorm, task.granularity, task.localNoiseMultiplier * sensitivity, n);
    const max = this.settingsOf(task).maxContributions;
    if (max * allowance >= 2 ** 53) {
      throw new RangeError(`task ${task.task}: maxContributions ${max} × norm allowance ${allowance.toFixed(0)} reaches 2^53; sums would lose exactness`);
    }
  }

  /**
   * Shared path: (1) no honest round sum may wrap the ring Z_2^32, so it decodes exactly:
   * maxContributions × honestCoordinateBound(C, g, σ_l, d) < 2^31 (core/secagg/ring.ts); (2) the
   * leader's float64 sum of int32 share views stays exact: maxContributions × 2^31 < 2^53, i.e.
   * at most 2^21 contributions. σ_l is the secure round's (strategies/distributed-dp.ts).
   * Checked once per task at construction.
   */
  private checkSharedSums(task: TaskDefinition, plannedRounds: number): void {
    const n = this.vectorLengthOf(task);
    const settings = this.settingsOf(task);
    const where = `task ${task.task}`;
    // A k-means task sizes each round for its own share of ρ (strategies/kmeans.ts): the smallest share has the largest σ_l.
    const rhoFraction = task.kind === 'kmeans' ? Math.min(...SCHEDULE_SHARES) : undefined;
    const { sigma } = secureNoisePlan(where, { ...task, vectorLength: n, minContributions: settings.minContributions, epsilonBudget: settings.epsilonBudget, delta: settings.delta, plannedRounds, budgetShare: task.budgetShare ?? 1, ...(rhoFraction === undefined ? {} : { rhoFraction }) });
    checkNoWrap(settings.maxContributions, honestCoordinateBound(task.clipNorm, task.granularity, sigma, n), where);
    if (settings.maxContributions > 2 ** 21) throw new RangeError(`${where}: maxContributions ${settings.maxContributions} exceeds 2^21; the leader's float64 sum of shares would lose exactness`);
  }
}

/**
 * A model version's header. A segments model also names its features (the task's labels): a
 * visitor who arrives after the task stopped never sees its descriptor, and reads them here to
 * place itself in a segment (worker/federated/segments-task.ts). Other models leave them out (a
 * histogram's labels would only add bytes to every download).
 */
function modelHeader(task: TaskDefinition, version: number): ModelHeader {
  const header: ModelHeader = { name: task.model.name, version, tensors: task.model.tensors, dtype: 'float32' };
  return task.kind === 'kmeans' && task.labels !== undefined ? { ...header, labels: task.labels } : header;
}

function roundStats(round: RoundRecord): RoundStats {
  return {
    roundId: round.roundId,
    baseVersion: round.baseVersion,
    producedVersion: round.producedVersion,
    contributions: round.contributions,
    openedAt: new Date(round.openedAt).toISOString(),
    closedAt: round.closedAt === null ? null : new Date(round.closedAt).toISOString(),
    outcome: round.outcome,
    epsilonAfter: round.epsilonAfter === null ? null : jsonSafe(round.epsilonAfter),
    sumSha256: round.sumDigest,
  };
}

/**
 * JSON has no Infinity (it would become null). ε is infinite only for rounds released with no
 * noise at all; it is reported as the largest double, which reads as what it is.
 */
function jsonSafe(value: number): number {
  return Number.isFinite(value) ? value : Number.MAX_VALUE;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
