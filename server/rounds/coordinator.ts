/**
 * Runs the rounds of every task: opens them through the task's strategy (`configure`), accepts
 * contributions (validated in ./validate-contribution.ts, stored through the storage interface),
 * and closes them (`aggregate`) when they are full, or at their deadline once they have their
 * minimum; a round below its minimum at the deadline waits another round length. The only
 * place where strategies, storage and the clock meet. No HTTP here (see ../http/app.ts).
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
  decodeModel,
} from '../../core/protocol/aggregator.js';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import { initialWeights } from '../models/initial-weights.js';
import { gridSensitivity, normAllowance, roundRho } from '../privacy/round-privacy.js';
import type { AcceptOutcome, AggregatorStorage, PendingContribution, RoundRecord } from '../storage/storage.js';
import type { HistogramRelease, RoundConfig, RoundSettings, Strategy } from '../strategies/strategy.js';
import type { TaskDefinition } from '../tasks.js';
import { checkContributionBody, checkRound, type Rejection, type RoundView } from './validate-contribution.js';
import { latestQualityComparison } from './task-quality.js';

export type SubmitResult =
  | { readonly kind: 'accepted'; readonly duplicate: boolean }
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

export type CoordinatorEvent =
  | { readonly kind: 'round_opened'; readonly task: string; readonly roundId: string; readonly version: number }
  | { readonly kind: 'round_closed'; readonly task: string; readonly roundId: string; readonly producedVersion: number; readonly contributions: number; readonly epsilon: number; readonly ms: number }
  | { readonly kind: 'round_extended'; readonly task: string; readonly roundId: string; readonly contributions: number }
  | { readonly kind: 'task_stopped'; readonly task: string; readonly message: string };

interface QueuedContribution {
  readonly item: PendingContribution;
  readonly task: string;
  readonly resolve: (result: SubmitResult) => void;
  readonly reject: (error: unknown) => void;
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
  readonly clock?: () => number;
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

/** Rounds kept in /v1/stats per task. */
const STATS_ROUNDS = 200;

export class RoundCoordinator {
  private readonly storage: AggregatorStorage;
  private readonly tasks: ReadonlyMap<string, TaskDefinition>;
  private readonly strategies = new Map<string, Strategy>();
  private readonly configs = new Map<string, RoundConfig>();
  private readonly weights = new Map<string, { readonly version: number; readonly data: Float32Array }>();
  private readonly stopped = new Map<string, string>();
  private readonly closing = new Set<string>();
  private readonly clock: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Validated contributions waiting for the next group commit. */
  private readonly queue: QueuedContribution[] = [];
  /** Duration of the last round close, ms (bench and stats). */
  lastCloseMs = 0;

  constructor(private readonly options: CoordinatorOptions) {
    this.storage = options.storage;
    this.clock = options.clock ?? Date.now;
    this.tasks = new Map(options.tasks.map((t) => [t.task, t]));
    for (const task of options.tasks) {
      this.strategies.set(task.task, options.strategyFor(task));
      this.checkExactSums(task);
    }
  }

  /** Publishes version 1 of every model that has none, and opens (or resumes) each task's round. */
  start(): void {
    const now = this.clock();
    for (const task of this.tasks.values()) {
      if (this.storage.latestModelVersion(task.model.name) === undefined) {
        const data = initialWeights(task);
        this.storage.putModel({
          name: task.model.name,
          version: 1,
          blob: encodeModel({ header: { name: task.model.name, version: 1, tensors: task.model.tensors, dtype: 'float32' }, data }),
          createdAt: now,
        });
      }
      this.checkStoredShape(task);
      const open = this.storage.openRoundOf(task.task);
      if (open === undefined) this.openNextRound(task);
      else {
        const config = this.configOf(open);
        this.options.noise?.prepare(open.roundId, config.centralNoiseStddev, config.vectorLength);
      }
    }
  }

  /** Checks deadlines every `intervalMs` (unref'd: never keeps the process alive). */
  startTimer(intervalMs = 250): void {
    this.stopTimer();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes or extends every open round whose deadline has passed. */
  tick(): void {
    const now = this.clock();
    for (const task of this.tasks.values()) {
      const round = this.storage.openRoundOf(task.task);
      if (round === undefined || round.deadline > now) continue;
      const config = this.configOf(round);
      if (round.contributions >= config.minContributions) this.closeRound(task.task);
      else {
        this.storage.extendDeadline(round.roundId, now + this.settingsOf(task).roundMs);
        this.options.onEvent?.({ kind: 'round_extended', task: task.task, roundId: round.roundId, contributions: round.contributions });
      }
    }
  }

  /** The open tasks, as `GET /v1/tasks` lists them. */
  descriptors(): TaskDescriptor[] {
    const out: TaskDescriptor[] = [];
    for (const task of this.tasks.values()) {
      const round = this.storage.openRoundOf(task.task);
      if (round === undefined) continue;
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
        expectedBytes: contributionByteLength(config.vectorLength),
        minContributions: config.minContributions,
        maxContributions: config.maxContributions,
        privacy: { epsilonBudget: settings.epsilonBudget, delta: settings.delta, epsilonSpent: this.epsilonSpent(task) },
      };
      const quality = latestQualityComparison(this.storage.quality(task.task));
      out.push({ ...descriptor, ...(task.labels === undefined ? {} : { labels: task.labels }), ...(quality === undefined ? {} : { quality }) });
    }
    return out;
  }

  vectorLengths(): number[] {
    return [...this.tasks.values()].map((t) => this.vectorLengthOf(t));
  }

  modelBlob(name: string, version: number): Uint8Array | undefined {
    return this.storage.getModelBlob(name, version);
  }

  latestVersion(name: string): number | undefined {
    return this.storage.latestModelVersion(name);
  }

  isKnownModel(name: string): boolean {
    for (const t of this.tasks.values()) if (t.model.name === name) return true;
    return false;
  }

  /** The round being posted to, with its configuration and the task's current round. */
  roundView(roundId: string): RoundView | undefined {
    const round = this.storage.getRound(roundId);
    if (round === undefined) return undefined;
    return { round, config: this.configOf(round), current: this.storage.openRoundOf(round.task) };
  }

  /**
   * Validates and stores one contribution; resolves once it is durable (or refused). Valid
   * contributions that arrive in the same turn of the event loop are committed together in one
   * SQLite transaction (group commit): each answer still waits for its own commit, and the
   * per-contribution cost of a commit is shared. A round that reaches its maximum is closed on
   * the next turn, so the 202 does not wait for the aggregation.
   */
  submit(roundId: string, body: Uint8Array): Promise<SubmitResult> {
    const view = this.roundView(roundId);
    const known = checkRound(roundId, view);
    if (!known.ok) {
      // A retry of a contribution accepted before its round closed is still "accepted once".
      if (view !== undefined && this.isReplay(body, view.config.vectorLength)) return Promise.resolve({ kind: 'accepted', duplicate: true });
      return Promise.resolve({ kind: 'rejected', rejection: known.rejection });
    }
    const checked = checkContributionBody(body, known.value);
    if (!checked.ok) return Promise.resolve({ kind: 'rejected', rejection: checked.rejection });
    const { round, config } = known.value;
    return new Promise((resolve, reject) => {
      this.queue.push({
        item: { roundId: round.roundId, id: checked.value.id, values: checked.value.values, maxContributions: config.maxContributions },
        task: round.task,
        resolve,
        reject,
      });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits every queued contribution in one transaction and answers each. */
  private flush(): void {
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    let outcomes: AcceptOutcome[];
    try {
      outcomes = this.storage.acceptContributions(batch.map((q) => q.item));
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
    for (const task of full) setImmediate(() => this.closeRound(task));
  }

  /**
   * Aggregates the task's open round into a new model version and opens the next round.
   * Returns false when there is nothing to close (no open round, no contribution, or closing).
   */
  closeRound(taskName: string): boolean {
    const task = this.tasks.get(taskName);
    if (task === undefined || this.closing.has(taskName)) return false;
    const round = this.storage.openRoundOf(taskName);
    if (round === undefined || round.contributions === 0) return false;
    this.closing.add(taskName);
    try {
      const started = performance.now();
      const config = this.configOf(round);
      const { sum, contributions } = this.storage.roundSum(round.roundId);
      const strategy = this.strategies.get(taskName)!;
      const output = strategy.aggregate({ roundId: round.roundId, task, config, weights: this.currentWeights(task), sum, contributions });
      // Without the DP wrapper the release is still protected by the devices' own noise.
      const rho = output.privacy?.rho ?? roundRho({
        sensitivity: gridSensitivity(config.clipNorm, config.granularity, config.vectorLength),
        localStddev: config.localNoiseStddev,
        centralStddev: 0,
        contributions,
        vectorLength: config.vectorLength,
      });
      const rhoTotal = this.storage.rhoSpent(taskName) + rho;
      const epsilonAfter = zcdpToEpsilon(rhoTotal, this.settingsOf(task).delta).epsilon;
      const producedVersion = round.baseVersion + 1;
      const now = this.clock();
      this.storage.closeRound({
        roundId: round.roundId,
        outcome: 'aggregated',
        closedAt: now,
        producedModel: {
          name: task.model.name,
          version: producedVersion,
          blob: encodeModel({ header: { name: task.model.name, version: producedVersion, tensors: task.model.tensors, dtype: 'float32' }, data: output.weights }),
          createdAt: now,
        },
        rho,
        epsilonAfter,
        releaseJson: output.release === null ? null : JSON.stringify(output.release),
      });
      this.configs.delete(round.roundId);
      this.weights.set(taskName, { version: producedVersion, data: output.weights });
      this.lastCloseMs = performance.now() - started;
      this.options.onEvent?.({ kind: 'round_closed', task: taskName, roundId: round.roundId, producedVersion, contributions, epsilon: epsilonAfter, ms: this.lastCloseMs });
      this.openNextRound(task);
      return true;
    } finally {
      this.closing.delete(taskName);
    }
  }

  addQuality(report: QualityReport): void {
    this.storage.addQuality({ task: report.task, version: report.version, metric: report.metric, series: report.series ?? 'federated', value: report.value, at: this.clock() });
  }

  isKnownTask(task: string): boolean {
    return this.tasks.has(task);
  }

  stats(): StatsResponse {
    const tasks: TaskStats[] = [];
    for (const task of this.tasks.values()) {
      const settings = this.settingsOf(task);
      const open = this.storage.openRoundOf(task.task);
      const closed = this.storage.closedRounds(task.task, STATS_ROUNDS).reverse();
      const rhoSpent = this.storage.rhoSpent(task.task);
      tasks.push({
        task: task.task,
        kind: task.kind,
        model: { name: task.model.name, version: this.storage.latestModelVersion(task.model.name) ?? 1 },
        status: this.stopped.has(task.task) && open === undefined ? 'budget_exhausted' : 'open',
        privacy: { epsilonBudget: settings.epsilonBudget, delta: settings.delta, epsilonSpent: jsonSafe(zcdpToEpsilon(rhoSpent, settings.delta).epsilon), rhoSpent: jsonSafe(rhoSpent) },
        currentRound: open === undefined ? null : roundStats(open),
        rounds: closed.map(roundStats),
        quality: this.storage.quality(task.task).map((q) => ({ version: q.version, metric: q.metric, series: q.series, value: q.value, at: new Date(q.at).toISOString() })),
        aggregates: this.storage.releases(task.task, 20).reverse().map(({ roundId, json }) => {
          const release = JSON.parse(json) as HistogramRelease;
          return { roundId, labels: release.labels, values: release.values, stddev: release.stddev, contributions: release.contributions };
        }),
      });
    }
    return { generatedAt: new Date(this.clock()).toISOString(), totals: this.storage.totals(), tasks };
  }

  private openNextRound(task: TaskDefinition): void {
    const version = this.storage.latestModelVersion(task.model.name) ?? 1;
    const now = this.clock();
    const plan = this.strategies.get(task.task)!.configure({
      task,
      settings: this.settingsOf(task),
      modelVersion: version,
      now,
      rhoSpent: this.storage.rhoSpent(task.task),
    });
    switch (plan.kind) {
      case 'stop':
        this.stopped.set(task.task, plan.message);
        this.options.onEvent?.({ kind: 'task_stopped', task: task.task, message: plan.message });
        return;
      case 'open': {
        const roundId = `${task.task}-v${version}-${now.toString(36)}`;
        this.storage.openRound({
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
  private checkStoredShape(task: TaskDefinition): void {
    const latest = this.storage.latestModelVersion(task.model.name);
    const blob = latest === undefined ? undefined : this.storage.getModelBlob(task.model.name, latest);
    if (blob === undefined) return;
    const stored = decodeModel(blob).header.tensors;
    const wanted = task.model.tensors;
    const same = stored.length === wanted.length && stored.every((t, i) => t.name === wanted[i]!.name && t.shape.join('×') === wanted[i]!.shape.join('×'));
    if (!same) {
      const show = (ts: readonly { name: string; shape: readonly number[] }[]): string => ts.map((t) => `${t.name}[${t.shape.join('×')}]`).join(', ');
      throw new RangeError(`task ${task.task}: the database holds model ${task.model.name} as ${show(stored)}, but the task now needs ${show(wanted)}; use a fresh --db`);
    }
  }

  private isReplay(body: Uint8Array, vectorLength: number): boolean {
    const decoded = decodeContribution(body, vectorLength);
    return decoded.ok && this.storage.hasContribution(decoded.contribution.id);
  }

  private configOf(round: RoundRecord): RoundConfig {
    let config = this.configs.get(round.roundId);
    if (config === undefined) {
      config = JSON.parse(round.configJson) as RoundConfig;
      if (round.outcome === 'open') this.configs.set(round.roundId, config);
    }
    return config;
  }

  private currentWeights(task: TaskDefinition): Float32Array {
    const latest = this.storage.latestModelVersion(task.model.name) ?? 1;
    const cached = this.weights.get(task.task);
    if (cached !== undefined && cached.version === latest) return cached.data;
    const blob = this.storage.getModelBlob(task.model.name, latest);
    const data = blob === undefined ? initialWeights(task) : decodeModel(blob).data;
    this.weights.set(task.task, { version: latest, data });
    return data;
  }

  private epsilonSpent(task: TaskDefinition): number {
    return jsonSafe(zcdpToEpsilon(this.storage.rhoSpent(task.task), this.settingsOf(task).delta).epsilon);
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
    return task.model.tensors.reduce((total, t) => total + t.shape.reduce((a, b) => a * b, 1), 0);
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
  };
}

/**
 * JSON has no Infinity (it would become null). ε is infinite only for rounds released with no
 * noise at all; it is reported as the largest double, which reads as what it is.
 */
function jsonSafe(value: number): number {
  return Number.isFinite(value) ? value : Number.MAX_VALUE;
}
