/**
 * The device side of a federated round, one template for every task:
 *   tasks → model (cached per version, downloaded even when the device cannot contribute)
 *   → budget pre-check → local training (a LocalTaskHandler) → dense update
 *   → privatize (DP core vector sum mechanism) → charge + receipt (one IndexedDB transaction)
 *   → POST the fixed-size body → commit device-only state.
 *
 * What a request carries: the round id the server assigned (URL), and either the INK1 body (random
 * contribution id, model version, the noised integer vector) or, when the task is secret-shared
 * (`task.secureAggregation`), the INK2 body: the leader's share of that vector in the clear and the
 * helper's share as a seed sealed to the helper's published HPKE key (core/secagg). No cookie
 * (credentials 'omit'), no referrer, no header beyond the content type, no user or item id, no free
 * text. The helper's keys are fetched from the helper itself, not from the leader, so a leader
 * cannot hand out a key of its own; a missing or malformed key list means no upload at all.
 * After the charge the same bytes are re-sent when the leader says the helper was unavailable
 * (503 helper_unavailable: nothing was stored, and the id makes a re-send idempotent), and by a
 * later pass when they never reached the server (a page closed mid-upload, a network failure) while
 * their round is open (once it has closed they are marked expired, their bytes dropped); a refusal by
 * the server is reported, never retried.
 */
import {
  CONTRIBUTION_CONTENT_TYPE,
  encodeContribution,
  newContributionId,
  type ModelBlob,
  type TaskDescriptor,
} from '../../core/protocol/aggregator.js';
import { secureRandom, type RandomSource } from '../../core/dp/random.js';
import { parseHpkeConfigList, type HpkeKeyConfig } from '../../core/secagg/hpke.js';
import { buildSharedUpload } from '../../core/secagg/upload.js';
import { chargeId, type ChargeRefusal, type PrivacyLedger } from '../../core/dp/ledger.js';
import { saveTaskQuality, type ContributionReport, type FederatedDb, type ReportPeriod, type StoredLedgerEntry } from './db.js';
import { periodBounds, periodOf } from '../../core/models/daily-report.js';
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import type { LocalTaskRegistry } from './local-task.js';
import { ANONYMOUS_REQUEST, loadModel, type FetchLike } from './model-cache.js';
import { privacyCostOf, privatizeUpdate } from './privatize.js';
import { ledgerRound } from './round-number.js';
import { parseTasksResponse } from './task-descriptor.js';

export type SkipReason =
  | 'unknown-task'
  | 'unsupported-kind'
  | 'deadline-passed'
  | 'no-data'
  | 'out-of-budget'
  | 'already-contributed'
  | 'storage-failed'
  /** Secure aggregation: the helper's key list could not be fetched or is malformed, or names another helper than the pinned one. */
  | 'no-helper-key';

export type ParticipationResult =
  | { readonly status: 'sent'; readonly task: string; readonly round: string; readonly bytes: number; readonly duplicate: boolean; readonly rho: number }
  | { readonly status: 'skipped'; readonly task: string; readonly round: string; readonly reason: SkipReason; readonly message: string }
  /** Charged, sent, and refused by the server (e.g. 409 stale_version): not retried. */
  | { readonly status: 'rejected'; readonly task: string; readonly round: string; readonly httpStatus: number; readonly code: string; readonly message: string }
  /** Charged, and the upload failed (network): the budget stays spent; a later pass re-sends the same bytes while the round is open. */
  | { readonly status: 'failed'; readonly task: string; readonly round: string; readonly message: string }
  /** Something broke before any charge (model download, a layout the handler refuses): nothing spent, nothing sent. */
  | { readonly status: 'error'; readonly task: string; readonly round: string; readonly message: string };

export interface FederatedClientOptions {
  /** Aggregator origin, no trailing slash. */
  readonly endpoint: string;
  /** The site this device's ledger charges (data-site of the script tag). */
  readonly site: string;
  readonly db: FederatedDb;
  readonly handlers: LocalTaskRegistry;
  /** core/dp's ledger over createIndexedDbLedgerStore(db). */
  readonly ledger: PrivacyLedger<ContributionReport>;
  readonly fetch?: FetchLike;
  /** CSPRNG for the DP noise and the contribution id (default: crypto.getRandomValues). */
  readonly random?: RandomSource;
  readonly now?: () => number;
  /**
   * The helper origin the site trusts (data-helper): a task naming another helper is refused. Without
   * it the device takes the helper named by the leader's task list.
   */
  readonly pinnedHelper?: string;
  /** Waits before re-sending an upload the leader answered 503 helper_unavailable (default 2 s, 6 s). */
  readonly helperRetryDelaysMs?: readonly number[];
}

/** How long a fetched helper key list is reused (keys rotate slowly; a failed open is reported by the leader). */
const HELPER_KEYS_TTL_MS = 10 * 60_000;

export class FederatedClient {
  private readonly endpoint: string;
  private readonly fetchImpl: FetchLike;
  private readonly random: RandomSource;
  private readonly now: () => number;
  private readonly helperKeys = new Map<string, { readonly key: HpkeKeyConfig; readonly at: number }>();
  /**
   * The fixed-schedule tasks (reports) of the newest task list, by name. Their cost in the current
   * period is kept back from every other task: a report is sent every period whatever the device
   * did, so that taking part reveals nothing, and a device whose window went on learning tasks
   * would skip it — revealing exactly that, and leaving the owner's report short.
   */
  private scheduled = new Map<string, TaskDescriptor>();

  constructor(private readonly options: FederatedClientOptions) {
    if (!/^https?:\/\/[^/]+(\/[^?#]*)?$/.test(options.endpoint) || options.endpoint.endsWith('/')) {
      throw new RangeError(`endpoint must be an http(s) URL without a trailing slash; got ${options.endpoint}`);
    }
    this.endpoint = options.endpoint;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.random = options.random ?? secureRandom();
    this.now = options.now ?? Date.now;
  }

  /** @example const tasks = await client.fetchTasks(); */
  async fetchTasks(): Promise<TaskDescriptor[]> {
    const url = `${this.endpoint}/v1/tasks`;
    const response = await this.fetchImpl(url, { ...ANONYMOUS_REQUEST, method: 'GET' });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    const tasks = parseTasksResponse(await response.json());
    this.scheduled = new Map(tasks.filter((t) => t.privacy.period !== undefined && this.options.handlers.has(t.task)).map((t) => [t.task, t]));
    // The site owner's verdict per task (or its absence) for the MF scorer's quality gate.
    for (const { task, quality } of tasks) await saveTaskQuality(this.options.db, task, quality);
    return tasks;
  }

  /**
   * Takes part in every open task this device has a handler for, one after the other. One task's
   * failure does not stop the others (a throw inside `participate` happens before its charge).
   */
  async participateAll(): Promise<ParticipationResult[]> {
    const results: ParticipationResult[] = [];
    const tasks = await this.fetchTasks();
    await this.expireClosedRounds(tasks).catch(() => undefined);
    for (const task of tasks) {
      try {
        results.push(await this.participate(task));
      } catch (error) {
        results.push({ status: 'error', task: task.task, round: task.roundId, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return results;
  }

  /**
   * One contribution to `task`'s current round, or a reason why none was sent.
   * @example const result = await client.participate(task); if (result.status === 'sent') ...
   */
  async participate(task: TaskDescriptor): Promise<ParticipationResult> {
    const base = { task: task.task, round: task.roundId };
    const skip = (reason: SkipReason, message: string): ParticipationResult => ({ status: 'skipped', ...base, reason, message });
    const handler = this.options.handlers.get(task.task);
    if (!handler) return skip('unknown-task', `no local handler for task ${task.task}`);
    if (task.kind !== 'fedavg' && task.kind !== 'histogram' && task.kind !== 'als' && task.kind !== 'kmeans') return skip('unsupported-kind', `task kind ${task.kind} is not trained on devices`);
    // The newest global model is downloaded whatever follows: recommendations use it, and the
    // download is the same anonymous GET every device makes (it costs no privacy budget).
    const model: ModelBlob = await loadModel({ db: this.options.db, endpoint: this.endpoint, fetch: this.fetchImpl, now: this.now }, task.model.name, task.model.version);
    if (Date.parse(task.deadline) <= this.now()) return skip('deadline-passed', `round ${task.roundId} closed at ${task.deadline}`);

    // Checks that need no training first: a device that cannot pay does no training.
    const round = ledgerRound(task.roundId);
    const paid = await this.paidFor(task);
    if (paid !== undefined) {
      // Paid for and never sent (the page closed between the charge and the upload, or the network
      // failed): the SAME bytes go again while their round is open; the id makes it idempotent.
      const { report } = paid;
      if (paid.status === 'pending' && report.body !== undefined && report.roundId === task.roundId && report.body.length === task.expectedBytes) {
        return this.send(task, paid.charge.id, report.body, paid.charge.rho);
      }
      return skip('already-contributed', `this device already contributed to round ${task.roundId}`);
    }
    const cost = privacyCostOf(task);
    // One read of the window gives the task's limit and the site's and store's (what reports share).
    const budget = await this.options.ledger.spent({ site: this.options.site, task: task.task });
    const remaining = budget.remainingRho;
    if (!(cost <= remaining)) return skip('out-of-budget', `a contribution costs ρ = ${cost}; ρ = ${remaining} is left for ${task.task} in this window`);
    const reserved = task.privacy.period === undefined ? await this.reservedForReports() : { rho: 0, tasks: [] };
    if (reserved.rho > 0) {
      const shared = Math.min(budget.site.remainingRho, budget.global.remainingRho);
      if (!(cost + reserved.rho <= shared)) {
        return skip('out-of-budget', `a contribution costs ρ = ${cost}; ρ = ${shared} is left for this site in this window, of which ρ = ${reserved.rho} is kept for the fixed-schedule reports not yet sent this period (${reserved.tasks.join(', ')})`);
      }
    }

    let helperKey: HpkeKeyConfig | undefined;
    if (task.secureAggregation !== undefined) {
      const key = await this.helperKey(task.secureAggregation.helper);
      if (typeof key === 'string') return skip('no-helper-key', key);
      helperKey = key;
    }

    // An update is a delta of the whole model, except for ALS (statistics over the round's rows,
    // whose length the ALS handler checks against the rows and the model's dim) and k-means (one
    // block of the round's layout: worker/federated/segments-task.ts checks it against the model).
    if (task.kind !== 'als' && task.kind !== 'kmeans' && model.data.length !== task.vectorLength) {
      throw new RangeError(`task ${task.task}: vectorLength ${task.vectorLength} differs from model ${task.model.name}@${task.model.version} (${model.data.length} floats)`);
    }
    const outcome = await handler.train(task, model);
    if (outcome.kind === 'no-data') return skip('no-data', 'nothing to learn from on this device yet');
    if (outcome.update.length !== task.vectorLength) {
      throw new RangeError(`task ${task.task}: the local update has ${outcome.update.length} floats; the task needs ${task.vectorLength}`);
    }

    const privatized = privatizeUpdate(outcome.update, task, this.random);
    const id = newContributionId((bytes) => {
      this.random.fillBytes(bytes);
      return bytes;
    });
    const body = helperKey === undefined
      ? encodeContribution({ id, modelVersion: task.model.version, values: privatized.values })
      : await buildSharedUpload({ values: privatized.values, id, modelVersion: task.model.version, roundId: task.roundId, helperKey, random: this.random });
    if (body.length !== task.expectedBytes) throw new Error(`contribution is ${body.length} bytes; task ${task.task} expects ${task.expectedBytes}`);

    // A fixed-schedule task (the daily report) is also charged against its period's limit, in the
    // same transaction: its ε is per period, renewed each period, as the aggregator accounts it.
    const period = reportPeriod(task);
    // Charge and receipt in one IndexedDB transaction; only a committed charge hands the body back.
    const charged = await this.options.ledger.charge({
      site: this.options.site,
      task: task.task,
      round,
      event: privatized.event,
      report: {
        roundId: task.roundId,
        modelVersion: task.model.version,
        bytes: body.length,
        epsilon: privatized.epsilon,
        delta: privatized.delta,
        protection: helperKey === undefined ? 'local' : 'secure-aggregation',
        collusionEpsilon: privatized.collusionEpsilon,
        ...(period === undefined ? {} : { period }),
        body,
      },
      ...(period === undefined ? {} : { period: { start: period.start, end: period.end, rhoLimit: period.rhoLimit } }),
    });
    if (!charged.ok) return skip(...refusalReason(charged.reason));

    // From here on nothing may throw: the charge is committed and the result must say so.
    // The device-only state (user embedding) is kept whatever the upload does: it was learned here;
    // failing to keep it costs a reconstruction next time, not the contribution.
    await outcome.commit().catch(() => undefined);
    return this.send(task, charged.receipt.id, charged.report.body ?? body, privatized.rho);
  }

  /** Uploads a charged report and marks it sent once the bytes reached the server. */
  private async send(task: TaskDescriptor, chargeKey: string, body: Uint8Array, rho: number): Promise<ParticipationResult> {
    const result = await this.upload(task, body, rho);
    // 'sent' and 'rejected' both mean the bytes reached the server; a network failure stays pending
    // (its bytes kept, sent again by the next pass while the round is open).
    // A failed markSent only leaves the entry 'pending': harmless, the re-send is idempotent.
    if (result.status !== 'failed') await this.options.ledger.markSent(chargeKey).catch(() => false);
    return result;
  }

  /**
   * A charged report still unsent whose task has moved on to another round can never be sent (its
   * round is closed): marked expired, so its bytes go and its receipt says it was never sent.
   * A report of the current round stays pending: `participate` sends it.
   */
  private async expireClosedRounds(tasks: readonly TaskDescriptor[]): Promise<void> {
    const current = new Map(tasks.map((t) => [t.task, ledgerRound(t.roundId)]));
    for (const entry of await this.options.ledger.pending()) {
      const round = current.get(entry.charge.task);
      if (entry.charge.site === this.options.site && round !== undefined && round !== entry.charge.round) await this.options.ledger.markExpired(entry.charge.id);
    }
  }

  /** Whether this device's ledger holds a charge for the task's current round. */
  private async contributedTo(task: TaskDescriptor): Promise<boolean> {
    return (await this.paidFor(task)) !== undefined;
  }

  /** This device's ledger entry for the task's current round, if it paid for one. */
  private paidFor(task: TaskDescriptor): Promise<StoredLedgerEntry | undefined> {
    return this.options.db.get('ledger', chargeId(this.options.site, task.task, ledgerRound(task.roundId)));
  }

  /** ρ of the known reports' current rounds this device has not paid for yet (see `scheduled`). */
  private async reservedForReports(): Promise<{ readonly rho: number; readonly tasks: readonly string[] }> {
    let rho = 0;
    const tasks: string[] = [];
    for (const report of this.scheduled.values()) {
      if (Date.parse(report.deadline) <= this.now() || (await this.contributedTo(report))) continue;
      rho += privacyCostOf(report);
      tasks.push(report.task);
    }
    return { rho, tasks };
  }

  /**
   * The first key of the helper's published list, or why there is none (then nothing is sent).
   * Fetched from the helper, anonymously, and reused for HELPER_KEYS_TTL_MS.
   */
  private async helperKey(helper: string): Promise<HpkeKeyConfig | string> {
    if (this.options.pinnedHelper !== undefined && helper !== this.options.pinnedHelper) {
      return `the task names helper ${helper}; this site trusts only ${this.options.pinnedHelper}`;
    }
    const cached = this.helperKeys.get(helper);
    if (cached !== undefined && this.now() - cached.at < HELPER_KEYS_TTL_MS) return cached.key;
    const url = `${helper}/v1/hpke-config`;
    try {
      const response = await this.fetchImpl(url, { ...ANONYMOUS_REQUEST, method: 'GET' });
      if (!response.ok) return `GET ${url} answered ${response.status}; without the helper's key nothing is sent`;
      const key = parseHpkeConfigList(await response.json()).configs[0]!;
      this.helperKeys.set(helper, { key, at: this.now() });
      return key;
    } catch (error) {
      return `the helper's key list at ${url} is unusable (${error instanceof Error ? error.message : String(error)}); nothing is sent`;
    }
  }

  private async upload(task: TaskDescriptor, body: Uint8Array, rho: number): Promise<ParticipationResult> {
    const delays = this.options.helperRetryDelaysMs ?? [2000, 6000];
    for (let attempt = 0; ; attempt++) {
      const result = await this.uploadOnce(task, body, rho);
      if (result.status !== 'rejected' || result.code !== 'helper_unavailable' || attempt >= delays.length) return result;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt]));
    }
  }

  private async uploadOnce(task: TaskDescriptor, body: Uint8Array, rho: number): Promise<ParticipationResult> {
    const base = { task: task.task, round: task.roundId };
    const url = `${this.endpoint}/v1/rounds/${encodeURIComponent(task.roundId)}/contributions`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        ...ANONYMOUS_REQUEST,
        method: 'POST',
        headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE },
        // A copy typed over a plain ArrayBuffer, as fetch's BodyInit wants.
        body: new Uint8Array(body),
      });
    } catch (error) {
      return { status: 'failed', ...base, message: error instanceof Error ? error.message : String(error) };
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (response.status === 202 || response.ok) {
      const duplicate = typeof answer === 'object' && answer !== null && (answer as { duplicate?: unknown }).duplicate === true;
      return { status: 'sent', ...base, bytes: body.length, duplicate, rho };
    }
    const error = typeof answer === 'object' && answer !== null ? (answer as { error?: { code?: unknown; message?: unknown } }).error : undefined;
    return {
      status: 'rejected',
      ...base,
      httpStatus: response.status,
      code: typeof error?.code === 'string' ? error.code : 'unknown',
      message: typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
    };
  }
}

/**
 * The period a fixed-schedule task's round belongs to (the one its deadline closes) and the ρ one
 * period may cost: ρ(ε per period, δ), the conversion the aggregator budgets with
 * (server/strategies/budget.ts). Undefined for other tasks.
 */
export function reportPeriod(task: TaskDescriptor): ReportPeriod | undefined {
  const days = task.privacy.period?.days;
  if (days === undefined) return undefined;
  const { start, end } = periodBounds(periodOf(Date.parse(task.deadline) - 1, days), days);
  const { epsilonBudget: epsilonLimit, delta } = task.privacy;
  const rhoLimit = epsilonLimit > 0 && delta > 0 ? zcdpRhoFor({ epsilon: epsilonLimit, delta }) : 0;
  return { days, start, end, epsilonLimit, rhoLimit };
}

function refusalReason(reason: ChargeRefusal): [SkipReason, string] {
  switch (reason.kind) {
    case 'budgetExceeded':
      return ['out-of-budget', `the ${reason.scope} budget has ρ = ${reason.spent} spent of ${reason.limit}; this contribution costs ${reason.requested}`];
    case 'periodBudgetExceeded':
      return ['out-of-budget', `this period's budget has ρ = ${reason.spent} spent of ${reason.limit}; this report costs ${reason.requested}; it renews at ${new Date(reason.renewsAt).toISOString()}`];
    case 'alreadyCharged':
      return ['already-contributed', 'this device already paid for a contribution to this round'];
    case 'storageFailed':
      return ['storage-failed', `the ledger could not record the charge (${reason.message}); nothing was sent`];
    default: {
      const unreachable: never = reason;
      throw new Error(`unknown refusal ${JSON.stringify(unreachable)}`);
    }
  }
}
