/**
 * The device privacy ledger: what this device has spent, per task, per site and in total, over
 * a rolling window, and the outgoing reports those charges paid for.
 *
 * Rules it enforces, by construction rather than by convention:
 * - A report is handed back to the caller only from a successful `charge()`, after the store
 *   has durably committed the charge and the report together in ONE transaction. A crash after
 *   that point loses budget (the charge stays), never privacy (nothing unpaid was sent).
 * - A charge that would exceed any budget is refused with a typed result and nothing is
 *   written; the caller gets no report back, so there is nothing to send.
 * - The window rolls, it never renews: a charge counts until `windowMs` after it was made,
 *   whatever happens in between (reload, new config, new ledger object). Nothing resets.
 * - One charge per (site, task, round): a second contribution to the same round would double
 *   the sensitivity the server's noise was calibrated for, so it is refused.
 * - A fixed-schedule task (the daily report) also names its period and the ρ one period may cost
 *   (`ChargeRequest.period`): the task's charges made inside the period plus this one must stay
 *   within it, checked in the same transaction. That limit renews with each period (the task's
 *   ε is per period, as the aggregator accounts it); the rolling-window budgets above still apply
 *   on top, and over several periods the charges add up there like any others.
 *
 * Costs are kept in ρ (zero-concentrated DP) because ρ simply adds up under composition and
 * every mechanism of core/dp has a ρ (see accountant/zcdp.ts for each conversion).
 *
 * Storage is injected (`LedgerStore`): the worker backs it with one IndexedDB transaction, tests
 * and the server-side simulator with ./ledger-memory-store.ts.
 */
import type { PrivacyEvent } from './events.js';
import { fail } from './checks.js';
import { zcdpRhoOfEvent, zcdpToEpsilon } from './accountant/zcdp.js';
import {
  requireIdentifier,
  requireIntegerInRange,
  requireNonNegativeFinite,
  requireNonNegativeOrInfinite,
  requireOpenUnit,
  requirePositiveFinite,
} from './accountant/validate.js';

/** One recorded charge. Immutable once written. */
export interface LedgerCharge {
  /** Deterministic and unique: JSON of [site, task, round]. */
  readonly id: string;
  readonly site: string;
  readonly task: string;
  readonly round: number;
  /** zCDP cost charged. */
  readonly rho: number;
  /** When it was charged, in ms since the epoch, by the ledger's clock. */
  readonly at: number;
  /** The mechanism's own description of its cost, when the caller gave one. */
  readonly event?: PrivacyEvent;
}

/**
 * 'pending': charged, not yet sent (resend the SAME report while its round is open); 'sent': it
 * left the device; 'expired': charged and never sent, its round closed first (the charge stays).
 */
export type ReportStatus = 'pending' | 'sent' | 'expired';

/** A charge together with the report it paid for. */
export interface LedgerEntry<R> {
  readonly charge: LedgerCharge;
  readonly report: R;
  readonly status: ReportStatus;
  /** Set when status becomes 'sent'. */
  readonly sentAt?: number;
}

/** The operations available inside one store transaction. */
export interface LedgerTransaction<R> {
  /** Every entry whose charge.at ≥ since, of every site and task (since = −∞ for all). */
  entriesSince(since: number): Promise<readonly LedgerEntry<R>[]>;
  get(id: string): Promise<LedgerEntry<R> | undefined>;
  /** Inserts or replaces the entry with this charge id. */
  put(entry: LedgerEntry<R>): Promise<void>;
}

/**
 * Storage behind the ledger: ONE atomic operation. `transact` runs `fn` in a transaction that
 * is atomic (all of fn's writes or none), isolated (serialisable with every other transact on
 * the same data, so concurrent charges cannot both read the same old balance), and durable
 * when its promise resolves. If fn throws, nothing it wrote persists and transact rejects.
 *
 * IndexedDB: one 'readwrite' transaction over the entries store (with an index on charge.at);
 * fn awaits only that transaction's requests, so it does not auto-commit early.
 */
export interface LedgerStore<R> {
  transact<T>(mode: 'readonly' | 'readwrite', fn: (tx: LedgerTransaction<R>) => Promise<T>): Promise<T>;
}

export interface LedgerBudgets {
  /** Length of the rolling window in ms. */
  readonly windowMs: number;
  /** ρ one task of one site may spend within one rolling window */
  readonly rhoPerTask: number;
  /** ρ all tasks of one site together may spend within one rolling window */
  readonly rhoPerSite: number;
  /** ρ every site and task sharing this store may spend within one rolling window */
  readonly rhoGlobal: number;
  /** δ at which views translate ρ into an ε for people (display only; budgets are in ρ). */
  readonly displayDelta: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Defaults, justified in core/dp/README.md ("Constants"): ρ ≤ 1 per task per 7 days
 * (ε ≈ 7.8 at δ = 1e−6 by the tight conversion), ρ ≤ 2 per site, ρ ≤ 4 for the whole store.
 */
export const DEFAULT_LEDGER_BUDGETS: LedgerBudgets = Object.freeze({
  windowMs: 7 * DAY_MS,
  rhoPerTask: 1,
  rhoPerSite: 2,
  rhoGlobal: 4,
  displayDelta: 1e-6,
});

/**
 * Slack for float summation when comparing a total with a limit: sums of ρ are accumulated in
 * different orders by different views, and 1e−12 in ρ changes ε by less than 1e−11.
 */
const SUM_SLACK = 1e-12;

export type BudgetScope = 'task' | 'site' | 'global';

export type ChargeRefusal =
  | {
      readonly kind: 'budgetExceeded';
      readonly scope: BudgetScope;
      /** ρ already spent in the window in that scope. */
      readonly spent: number;
      readonly requested: number;
      readonly limit: number;
      /** When the oldest charge counting in that scope leaves the window (ms since epoch). */
      readonly nextRelease: number | null;
    }
  /** A fixed-schedule task's period limit (ChargeRequest.period): renews at `renewsAt`. */
  | { readonly kind: 'periodBudgetExceeded'; readonly spent: number; readonly requested: number; readonly limit: number; readonly renewsAt: number }
  | { readonly kind: 'alreadyCharged'; readonly id: string }
  | { readonly kind: 'storageFailed'; readonly message: string };

export interface Receipt {
  readonly id: string;
  readonly site: string;
  readonly task: string;
  readonly round: number;
  readonly rho: number;
  /** ε of this charge alone at the ledger's display δ. */
  readonly epsilon: number;
  readonly at: number;
  readonly status: ReportStatus;
  readonly sentAt?: number;
}

/** The caller may send `report` now, and only this one: it is the one that was paid for. */
export type ChargeResult<R> =
  | { readonly ok: true; readonly receipt: Receipt; readonly report: R }
  | { readonly ok: false; readonly reason: ChargeRefusal };

interface ChargeBase<R> {
  readonly site: string;
  readonly task: string;
  /** Integer ≥ 0, from the server's round descriptor. */
  readonly round: number;
  /** The exact bytes/object to send; stored with the charge and returned on success. */
  readonly report: R;
  /** A fixed-schedule task's current period and what one period may cost (see the file comment). */
  readonly period?: PeriodLimit;
}

/** [start, end) in ms since the epoch, and the ρ the task's charges inside it may add up to. */
export interface PeriodLimit {
  readonly start: number;
  readonly end: number;
  readonly rhoLimit: number;
}

/** Cost as the mechanism's event (preferred: it is recorded) or directly as ρ. */
export type ChargeRequest<R> = ChargeBase<R> & ({ readonly event: PrivacyEvent; readonly rho?: never } | { readonly rho: number; readonly event?: never });

export interface ScopeView {
  readonly spentRho: number;
  readonly limitRho: number;
  readonly remainingRho: number;
  /** ε of the spent ρ at the display δ. */
  readonly spentEpsilon: number;
}

export interface BudgetView {
  readonly windowMs: number;
  readonly displayDelta: number;
  readonly task?: ScopeView;
  readonly site: ScopeView;
  readonly global: ScopeView;
  /** What one more charge for this site (and task, if given) may cost now: min over scopes. */
  readonly remainingRho: number;
}

export interface PrivacyLedger<R> {
  /** Charges the cost and records the report atomically, or refuses without writing anything. */
  charge(request: ChargeRequest<R>): Promise<ChargeResult<R>>;
  /** Records that the report of this charge left the device. False if there is no such charge. */
  markSent(id: string): Promise<boolean>;
  /**
   * Records that a pending report will never be sent (its round closed first): the charge stays,
   * the report's bytes may go. False if there is no such charge or it is not pending.
   */
  markExpired(id: string): Promise<boolean>;
  /** Entries charged but not yet marked sent (after a crash: resend the SAME report, or drop it). */
  pending(): Promise<readonly LedgerEntry<R>[]>;
  /** Spent and remaining budget in the current window, for profile(). */
  spent(scope: { readonly site: string; readonly task?: string }): Promise<BudgetView>;
  /** min of what the task, its site and the whole store may still spend now. */
  remaining(scope: { readonly site: string; readonly task: string }): Promise<number>;
  /** Every charge ever recorded (also outside the window), oldest first. */
  receipts(): Promise<readonly Receipt[]>;
}

export interface PrivacyLedgerOptions<R> {
  readonly store: LedgerStore<R>;
  readonly budgets?: Partial<LedgerBudgets>;
  /** ms since the epoch; injected in tests. */
  readonly clock?: () => number;
}

export function chargeId(site: string, task: string, round: number): string {
  return JSON.stringify([site, task, round]);
}

function validateBudgets(budgets: LedgerBudgets): void {
  requirePositiveFinite('budgets.windowMs', budgets.windowMs);
  requireNonNegativeOrInfinite('budgets.rhoPerTask', budgets.rhoPerTask);
  requireNonNegativeOrInfinite('budgets.rhoPerSite', budgets.rhoPerSite);
  requireNonNegativeOrInfinite('budgets.rhoGlobal', budgets.rhoGlobal);
  requireOpenUnit('budgets.displayDelta', budgets.displayDelta);
}

/** Sum of ρ per scope over the entries that count now, and when each scope next frees budget. */
interface Totals {
  readonly spent: Record<BudgetScope, number>;
  readonly oldest: Record<BudgetScope, number | null>;
}

function totalsFor(entries: readonly LedgerEntry<unknown>[], site: string, task: string | undefined, windowStart: number): Totals {
  const spent: Record<BudgetScope, number> = { task: 0, site: 0, global: 0 };
  const oldest: Record<BudgetScope, number | null> = { task: null, site: null, global: null };
  const add = (scope: BudgetScope, charge: LedgerCharge): void => {
    spent[scope] += charge.rho;
    const previous = oldest[scope];
    if (charge.rho > 0 && (previous === null || charge.at < previous)) oldest[scope] = charge.at;
  };
  // Sorted by time so every view sums in the same order.
  const counting = entries.filter((entry) => entry.charge.at > windowStart).sort((a, b) => a.charge.at - b.charge.at);
  for (const { charge } of counting) {
    add('global', charge);
    if (charge.site !== site) continue;
    add('site', charge);
    if (task !== undefined && charge.task === task) add('task', charge);
  }
  return { spent, oldest };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * @example
 * const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<Uint8Array>() });
 * const result = await ledger.charge({ site: 'shop-1', task: 'mf', round: 7, event: released.event, report: bytes });
 * if (result.ok) { await upload(result.report); await ledger.markSent(result.receipt.id); }
 */
export function createPrivacyLedger<R>(options: PrivacyLedgerOptions<R>): PrivacyLedger<R> {
  const budgets: LedgerBudgets = { ...DEFAULT_LEDGER_BUDGETS, ...options.budgets };
  validateBudgets(budgets);
  const { store } = options;
  const clock = options.clock ?? (() => Date.now());
  const limits: Record<BudgetScope, number> = { task: budgets.rhoPerTask, site: budgets.rhoPerSite, global: budgets.rhoGlobal };
  const epsilonOf = (rho: number): number => zcdpToEpsilon(rho, budgets.displayDelta).epsilon;

  const receiptOf = (entry: LedgerEntry<R>): Receipt => ({
    id: entry.charge.id,
    site: entry.charge.site,
    task: entry.charge.task,
    round: entry.charge.round,
    rho: entry.charge.rho,
    epsilon: epsilonOf(entry.charge.rho),
    at: entry.charge.at,
    status: entry.status,
    ...(entry.sentAt === undefined ? {} : { sentAt: entry.sentAt }),
  });

  const scopeView = (scope: BudgetScope, totals: Totals): ScopeView => ({
    spentRho: totals.spent[scope],
    limitRho: limits[scope],
    // An unlimited scope (a simulation without DP) stays unlimited even after a ρ = ∞ charge (∞ − ∞ is NaN).
    remainingRho: limits[scope] === Infinity ? Infinity : Math.max(0, limits[scope] - totals.spent[scope]),
    spentEpsilon: epsilonOf(totals.spent[scope]),
  });

  async function charge(request: ChargeRequest<R>): Promise<ChargeResult<R>> {
    requireIdentifier('site', request.site);
    requireIdentifier('task', request.task);
    requireIntegerInRange('round', request.round, 0, Number.MAX_SAFE_INTEGER);
    const rho = request.event !== undefined ? zcdpRhoOfEvent(request.event) : requireNonNegativeOrInfinite('rho', request.rho);
    const id = chargeId(request.site, request.task, request.round);
    const period = request.period;
    if (period !== undefined) {
      requireNonNegativeFinite('period.start', period.start);
      requireNonNegativeFinite('period.end', period.end);
      if (!(period.end > period.start)) fail('period.end', `after period.start (${period.start})`, period.end);
      requireNonNegativeOrInfinite('period.rhoLimit', period.rhoLimit);
    }
    try {
      return await store.transact('readwrite', async (tx): Promise<ChargeResult<R>> => {
        // The clock is read inside the transaction so that charges are timed in commit order.
        const now = clock();
        if ((await tx.get(id)) !== undefined) return { ok: false, reason: { kind: 'alreadyCharged', id } };
        const windowStart = now - budgets.windowMs;
        const entries = await tx.entriesSince(period === undefined ? windowStart : Math.min(windowStart, period.start));
        const totals = totalsFor(entries, request.site, request.task, windowStart);
        if (period !== undefined) {
          let inPeriod = 0;
          for (const { charge } of [...entries].sort((a, b) => a.charge.at - b.charge.at)) {
            if (charge.site === request.site && charge.task === request.task && charge.at >= period.start && charge.at < period.end) inPeriod += charge.rho;
          }
          // Relative slack as on the server (server/strategies/budget.ts): the round's ρ is sized for the period's ρ exactly.
          if (!(inPeriod + rho <= period.rhoLimit * (1 + 1e-9) + SUM_SLACK)) {
            return { ok: false, reason: { kind: 'periodBudgetExceeded', spent: inPeriod, requested: rho, limit: period.rhoLimit, renewsAt: period.end } };
          }
        }
        for (const scope of ['task', 'site', 'global'] as const) {
          const spent = totals.spent[scope];
          // Written so that ρ = ∞ (a release without noise) is always refused.
          if (!(spent + rho <= limits[scope] + SUM_SLACK)) {
            const oldest = totals.oldest[scope];
            return {
              ok: false,
              reason: {
                kind: 'budgetExceeded',
                scope,
                spent,
                requested: rho,
                limit: limits[scope],
                nextRelease: oldest === null ? null : oldest + budgets.windowMs,
              },
            };
          }
        }
        const entry: LedgerEntry<R> = {
          charge: {
            id,
            site: request.site,
            task: request.task,
            round: request.round,
            rho,
            at: now,
            ...(request.event === undefined ? {} : { event: request.event }),
          },
          report: request.report,
          status: 'pending',
        };
        await tx.put(entry);
        return { ok: true, receipt: receiptOf(entry), report: request.report };
      });
    } catch (error) {
      // The transaction did not commit: nothing was charged and nothing may be sent.
      return { ok: false, reason: { kind: 'storageFailed', message: messageOf(error) } };
    }
  }

  async function markSent(id: string): Promise<boolean> {
    return store.transact('readwrite', async (tx) => {
      const entry = await tx.get(id);
      if (entry === undefined) return false;
      if (entry.status !== 'sent') await tx.put({ ...entry, status: 'sent', sentAt: clock() });
      return true;
    });
  }

  async function markExpired(id: string): Promise<boolean> {
    return store.transact('readwrite', async (tx) => {
      const entry = await tx.get(id);
      if (entry === undefined || entry.status !== 'pending') return false;
      await tx.put({ ...entry, status: 'expired' });
      return true;
    });
  }

  async function pending(): Promise<readonly LedgerEntry<R>[]> {
    const entries = await store.transact('readonly', (tx) => tx.entriesSince(-Infinity));
    return entries.filter((entry) => entry.status === 'pending').sort((a, b) => a.charge.at - b.charge.at);
  }

  async function spent(scope: { readonly site: string; readonly task?: string }): Promise<BudgetView> {
    requireIdentifier('site', scope.site);
    if (scope.task !== undefined) requireIdentifier('task', scope.task);
    const now = clock();
    const windowStart = now - budgets.windowMs;
    const entries = await store.transact('readonly', (tx) => tx.entriesSince(windowStart));
    const totals = totalsFor(entries, scope.site, scope.task, windowStart);
    const site = scopeView('site', totals);
    const global = scopeView('global', totals);
    const task = scope.task === undefined ? undefined : scopeView('task', totals);
    const remainingRho = Math.min(site.remainingRho, global.remainingRho, task?.remainingRho ?? Infinity);
    return {
      windowMs: budgets.windowMs,
      displayDelta: budgets.displayDelta,
      ...(task === undefined ? {} : { task }),
      site,
      global,
      remainingRho,
    };
  }

  async function remaining(scope: { readonly site: string; readonly task: string }): Promise<number> {
    requireIdentifier('task', scope.task);
    return (await spent(scope)).remainingRho;
  }

  async function receipts(): Promise<readonly Receipt[]> {
    const entries = await store.transact('readonly', (tx) => tx.entriesSince(-Infinity));
    return [...entries].sort((a, b) => a.charge.at - b.charge.at).map(receiptOf);
  }

  return { charge, markSent, markExpired, pending, spent, remaining, receipts };
}
