/**
 * Federated rounds driven over HTTP against a real aggregator, each simulated visitor acting
 * through the device code the browser runs (worker/federated: createFederatedDevice →
 * FederatedClient.participate: download the model, train locally, privatize with the DP core,
 * charge the ledger, POST the fixed-size contribution).
 *
 * The simulator decides only WHO takes part in a round (a seeded sample, like a real population
 * of which a few are online) and waits for the server to close the round. The DP noise is drawn
 * by the devices from crypto.getRandomValues, never seeded.
 */
import type { LedgerBudgets } from '../core/dp/ledger.js';
import type { PeriodActivity } from '../core/models/daily-report.js';
import type { TaskDescriptor } from '../core/protocol/aggregator.js';
import type { ParticipationResult } from '../worker/federated/client.js';
import { createFederatedDevice, type FederatedDevice } from '../worker/federated/device.js';
import { loadModel } from '../worker/federated/model-cache.js';
import { topInterest } from '../worker/federated/histogram-task.js';
import { parseTasksResponse } from '../worker/federated/task-descriptor.js';
import type { Catalogue, Dataset } from './data.js';
import type { Scorer } from './metrics.js';
import { SIM_SITE, type Visitor } from './population.js';
import { seededRandom, shuffled, type SeededRandom } from './random.js';

/** What ships (server/tasks.ts): the ALS model and the popularity histogram it picks its rows from. */
export const ALS_TASK = 'als-items';
export const POPULARITY_TASK = 'item-popularity';

export interface FederationOptions {
  readonly endpoint: string;
  /** Distinguishes the devices' databases when one visitor takes part in several runs. */
  readonly runName: string;
  readonly catalogue: Catalogue;
  readonly visitors: readonly Visitor[];
  readonly rounds: number;
  /** The task the rounds train (default ALS_TASK); its model is what devices score with. */
  readonly task?: string;
  /**
   * A histogram task filled once before the first round (default POPULARITY_TASK for ALS, none
   * otherwise): the ALS task opens only after it is released.
   */
  readonly before?: string | null;
  /** Devices asked per round; capped by the task's maxContributions. */
  readonly devicesPerRound: number;
  /** Device ledger budgets; default: the SDK's (ρ ≤ 1 per task per 7 days). */
  readonly budgets?: Partial<LedgerBudgets>;
  readonly random: SeededRandom;
  /** Devices to use (e.g. to evaluate while the run goes on); default: a new pool for this run. */
  readonly pool?: DevicePool;
  /** Called after every contribution attempt and at every round's close. */
  readonly onProgress?: (event: FederationProgress) => void;
  /** Awaited after each closed round with the new model version (e.g. to evaluate and post quality). */
  readonly afterRound?: (round: number, version: number) => Promise<void>;
}

export type FederationProgress =
  | { readonly kind: 'contribution'; readonly round: number; readonly status: string }
  | { readonly kind: 'round'; readonly round: number; readonly version: number; readonly sent: number; readonly epsilonSpent: number };

export interface RoundLog {
  readonly roundId: string;
  readonly baseVersion: number;
  readonly sent: number;
  readonly skipped: Readonly<Record<string, number>>;
}

export interface FederationResult {
  readonly finalVersion: number;
  readonly rounds: readonly RoundLog[];
  /** The task trained. */
  readonly task: string;
  /** User-level ε the server's accountant reports for the task after the last round (combined with its popularity round for ALS). */
  readonly epsilonSpent: number;
  readonly delta: number;
  /** Why the run stopped before `rounds`, if it did. */
  readonly stoppedEarly: string | null;
  /** Each visitor's device (created lazily; evaluation and tests read them). */
  readonly devices: DevicePool;
  /** The first round's descriptor (noise and sizes), if a round opened. */
  readonly firstTask: TaskDescriptor | undefined;
  /** Devices that sent to the histogram filled first. */
  readonly beforeSent: number;
}

/** One federated device per visitor, created on first use, all closed together. */
export class DevicePool {
  private readonly devices = new Map<number, Promise<FederatedDevice>>();

  constructor(
    private readonly endpoint: string,
    private readonly runName: string,
    private readonly catalogue: Catalogue,
    private readonly budgets: Partial<LedgerBudgets> | undefined,
  ) {}

  get(visitor: Visitor): Promise<FederatedDevice> {
    let device = this.devices.get(visitor.user.userId);
    if (!device) {
      device = createFederatedDevice({
        endpoint: this.endpoint,
        site: SIM_SITE,
        indexedDB: visitor.idbFactory,
        dbName: `inkling-federated:${SIM_SITE}:${this.runName}`,
        interactions: () => Promise.resolve(visitor.interactions),
        // The DP category histogram (the dashboard's aggregate), answered from the replayed profile.
        topCategory: async () => topInterest(await visitor.engine.profile()),
        // The segments' feature vector from the same engine, as the Worker wires it (worker/federated/wire.ts).
        segmentInputs: () => visitor.engine.segmentInputs(),
        // The reports' counts for a period, from the same engine, with the segment this device adopted.
        periodActivity: (start, end) => this.periodActivity(visitor, start, end),
        catalogueIds: this.catalogue.ids,
        ...(this.budgets ? { budgets: this.budgets } : {}),
        // Negative sampling and initialisation only; the DP noise keeps its CSPRNG default.
        trainingRandom: seededRandom(visitor.user.userId * 7919),
      }).then(async (created) => {
        // As the Worker does before it takes part: the task list tells the device which fixed-
        // schedule reports to keep budget for (worker/federated/client.ts `scheduled`).
        await created.client.fetchTasks();
        return created;
      });
      this.devices.set(visitor.user.userId, device);
    }
    return device;
  }

  /**
   * The visitor's counts in [start, end) as a browser's reports see them: the engine's, with the
   * segment of the newest segments release this pool's device holds (the Worker hands the engine
   * that source as its `segment` option: worker/federated/wire.ts), null before one.
   */
  async periodActivity(visitor: Visitor, start: number, end: number): Promise<PeriodActivity> {
    const activity = await visitor.engine.periodActivity(start, end);
    const segment = await (await this.get(visitor)).segment(await visitor.engine.segmentInputs());
    return { ...activity, segment: segment?.id ?? null };
  }

  async close(): Promise<void> {
    for (const device of this.devices.values()) (await device).close();
    this.devices.clear();
  }
}

export async function fetchTask(endpoint: string, name: string): Promise<TaskDescriptor | undefined> {
  const response = await fetch(`${endpoint}/v1/tasks`);
  if (!response.ok) throw new Error(`GET ${endpoint}/v1/tasks answered ${response.status}`);
  return parseTasksResponse(await response.json()).find((t) => t.task === name);
}

/**
 * One device's attempt at a round, with a descriptor fetched again if it outlived its deadline while
 * the round is still open: a round below its minimum at the deadline is extended by the server, and
 * a fill of 671 devices on 2 cores takes longer than `npm start`'s 30 s rounds (measured: 278 of 671
 * devices skipped item-popularity as 'deadline-passed', so seeding stopped there). A browser would
 * fetch /v1/tasks again on its next check; the simulated device does it at once, and tries once more.
 */
async function participateFresh(endpoint: string, device: FederatedDevice, task: TaskDescriptor): Promise<{ readonly result: ParticipationResult; readonly task: TaskDescriptor }> {
  const result = await device.client.participate(task);
  if (result.status !== 'skipped' || result.reason !== 'deadline-passed') return { result, task };
  const fresh = await fetchTask(endpoint, task.task);
  if (fresh === undefined || fresh.roundId !== task.roundId || fresh.deadline === task.deadline) return { result, task };
  return { result: await device.client.participate(fresh), task: fresh };
}

/**
 * One round of a task whose devices answer from their profile alone (a histogram such as
 * 'category-histogram': the top long-term interest; 'segments': the feature vector's block), each
 * privatized on its device, until the round is full. Returns the visitors whose device sent (in the
 * order they sent), so a caller can compute what the round should show.
 */
export async function fillHistogramRound(endpoint: string, pool: DevicePool, visitors: readonly Visitor[], taskName: string, random: SeededRandom, onSkip?: (why: string) => void): Promise<Visitor[]> {
  let task = await fetchTask(endpoint, taskName);
  if (!task) return [];
  const senders: Visitor[] = [];
  for (const visitor of shuffled(visitors, random)) {
    if (senders.length >= task.maxContributions) break;
    const attempt = await participateFresh(endpoint, await pool.get(visitor), task);
    const result = attempt.result;
    task = attempt.task;
    if (result.status === 'sent') senders.push(visitor);
    else {
      onSkip?.(result.status === 'skipped' ? `${result.reason}: ${result.message}` : result.status === 'rejected' ? result.code : 'failed');
      if (result.status === 'rejected' && result.code === 'round_closed') break;
    }
  }
  return senders;
}

/** The task's user-level ε so far, from the public stats. */
export async function fetchEpsilonSpent(endpoint: string, taskName = ALS_TASK): Promise<{ epsilon: number; delta: number; version: number }> {
  const response = await fetch(`${endpoint}/v1/stats`);
  if (!response.ok) throw new Error(`GET ${endpoint}/v1/stats answered ${response.status}`);
  const stats = (await response.json()) as { tasks?: { task: string; model: { version: number }; privacy: { epsilonSpent: number; delta: number } }[] };
  const task = stats.tasks?.find((t) => t.task === taskName);
  if (!task) throw new Error(`GET ${endpoint}/v1/stats has no ${taskName} task`);
  return { epsilon: task.privacy.epsilonSpent, delta: task.privacy.delta, version: task.model.version };
}

/**
 * Waits until the server has closed `roundId`: a new round is open, or the task stopped at its
 * budget. (A secure round that is full is first frozen while the leader collects the helper's
 * share; it is then listed by neither /v1/tasks nor as closed, so "no open round" alone is not
 * the end of it.)
 */
export async function waitForRoundClose(endpoint: string, taskName: string, roundId: string | null, timeoutMs: number): Promise<TaskDescriptor | undefined> {
  const started = Date.now();
  for (;;) {
    const task = await fetchTask(endpoint, taskName);
    if (task && task.roundId !== roundId) return task;
    if (!task && (await taskStopped(endpoint, taskName))) return undefined;
    if (Date.now() - started > timeoutMs) throw new Error(`round ${roundId} did not close within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function taskStopped(endpoint: string, taskName: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/v1/stats`);
  if (!response.ok) throw new Error(`GET ${endpoint}/v1/stats answered ${response.status}`);
  const stats = (await response.json()) as { tasks?: { task: string; status: string }[] };
  return stats.tasks?.find((t) => t.task === taskName)?.status === 'budget_exhausted';
}

export async function runFederation(options: FederationOptions): Promise<FederationResult> {
  const pool = options.pool ?? new DevicePool(options.endpoint, options.runName, options.catalogue, options.budgets);
  const eligible = options.visitors.filter((v) => v.interactions.length > 0);
  const logs: RoundLog[] = [];
  let stoppedEarly: string | null = null;
  const taskName = options.task ?? ALS_TASK;
  const before = options.before === undefined ? (taskName === ALS_TASK ? POPULARITY_TASK : null) : options.before;
  let beforeSent = 0;
  let task = await fetchTask(options.endpoint, taskName);
  if (!task && before !== null) {
    // The ALS task waits for the popularity histogram: fill one round of it, then wait for ALS to open.
    beforeSent = (await fillHistogramRound(options.endpoint, pool, eligible, before, options.random)).length;
    task = await waitForRoundClose(options.endpoint, taskName, null, 60_000);
  }
  const firstTask = task;
  for (let round = 1; round <= options.rounds; round++) {
    if (!task) {
      stoppedEarly = `the server opened no ${taskName} round after ${round - 1} rounds (task stopped, e.g. at its ε budget)`;
      break;
    }
    const target = Math.min(options.devicesPerRound, task.maxContributions);
    let sent = 0;
    const skipped: Record<string, number> = {};
    for (const visitor of shuffled(eligible, options.random)) {
      if (sent >= target) break;
      const attempt = await participateFresh(options.endpoint, await pool.get(visitor), task);
      const result = attempt.result;
      task = attempt.task;
      if (result.status === 'sent') sent++;
      else {
        const why = result.status === 'skipped' ? result.reason : result.status === 'rejected' ? result.code : 'failed';
        skipped[why] = (skipped[why] ?? 0) + 1;
        if (result.status === 'rejected' && result.code === 'round_closed') break;
      }
      options.onProgress?.({ kind: 'contribution', round, status: result.status });
    }
    logs.push({ roundId: task.roundId, baseVersion: task.model.version, sent, skipped });
    if (sent < task.minContributions) {
      stoppedEarly = `round ${round}: only ${sent} devices could contribute (the round needs ${task.minContributions}); skipped: ${JSON.stringify(skipped)}`;
      break;
    }
    // Full rounds close at once; otherwise the server's deadline closes them.
    const deadlineMs = Math.max(0, Date.parse(task.deadline) - Date.now()) + 10_000;
    task = await waitForRoundClose(options.endpoint, taskName, task.roundId, deadlineMs);
    const privacy = await fetchEpsilonSpent(options.endpoint, taskName);
    options.onProgress?.({ kind: 'round', round, version: privacy.version, sent, epsilonSpent: privacy.epsilon });
    await options.afterRound?.(round, privacy.version);
  }
  const privacy = await fetchEpsilonSpent(options.endpoint, taskName);
  return { task: taskName, finalVersion: privacy.version, rounds: logs, epsilonSpent: privacy.epsilon, delta: privacy.delta, stoppedEarly, devices: pool, firstTask, beforeSent };
}

/**
 * The federated model as each device ranks with it: the device downloads the final global
 * version (as a returning visitor's Worker would), then its recommend() scorer (worker/federated/
 * als-scorer.ts, MF as fallback) solves the user vector on the device and scores every catalogue item.
 * The scorer's logistic squashing keeps the order, so the ranking is the model's own.
 */
export async function federatedScores(
  endpoint: string,
  pool: DevicePool,
  dataset: Dataset,
  visitors: readonly Visitor[],
  version: number,
  onUser: () => void = () => {},
  modelName = ALS_TASK,
): Promise<Map<number, Float32Array>> {
  const scores = new Map<number, Float32Array>();
  for (const visitor of visitors) {
    if (visitor.user.heldOut.length === 0) continue;
    const device = await pool.get(visitor);
    await loadModel({ db: device.db, endpoint, fetch: (input, init) => fetch(input, init) }, modelName, version);
    if (!device.scorer) throw new Error('the federated device has no scorer (catalogueIds missing)');
    scores.set(visitor.user.userId, Float32Array.from(await device.scorer.score({ itemIds: dataset.catalogue.ids, now: Date.now() })));
    onUser();
  }
  return scores;
}

/** A metrics Scorer over precomputed per-user scores (NaN, "no opinion", ranks last). */
export function precomputedScorer(scores: ReadonlyMap<number, Float32Array>, nItems: number): Scorer {
  return (user) => {
    const s = scores.get(user.userId);
    if (!s) return new Float32Array(nItems).fill(Number.NEGATIVE_INFINITY);
    return s.map((x) => (Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x));
  };
}
