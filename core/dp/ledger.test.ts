import { describe, expect, it } from 'vitest';
import { createPrivacyLedger, DEFAULT_LEDGER_BUDGETS, type LedgerEntry, type LedgerStore } from './ledger.js';
import { createInMemoryLedgerStore } from './ledger-memory-store.js';
import { zcdpToEpsilon } from './accountant/zcdp.js';
import { createSeededRandomSourceForTestsOnly } from './random.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 10, 23);

/** A clock the test moves by hand. */
function manualClock(start = T0): { now: () => number; set: (t: number) => void } {
  let time = start;
  return { now: () => time, set: (t) => (time = t) };
}

/**
 * A deliberately broken store: no isolation (reads and writes of concurrent transactions
 * interleave). Used only to show that the concurrency test below can fail.
 */
function nonIsolatedStore<R>(): LedgerStore<R> {
  const entries = new Map<string, LedgerEntry<R>>();
  return {
    async transact(_mode, fn) {
      return fn({
        async entriesSince(since) {
          await Promise.resolve();
          return [...entries.values()].filter((entry) => entry.charge.at >= since);
        },
        async get(id) {
          await Promise.resolve();
          return entries.get(id);
        },
        async put(entry) {
          await Promise.resolve();
          entries.set(entry.charge.id, entry);
        },
      });
    },
  };
}

async function chargeConcurrently(store: LedgerStore<string>, count: number, rho: number): Promise<number> {
  const ledger = createPrivacyLedger({ store, clock: () => T0 });
  const results = await Promise.all(
    Array.from({ length: count }, (_, round) => ledger.charge({ site: 's', task: 't', round, rho, report: `r${round}` })),
  );
  return results.filter((result) => result.ok).length;
}

describe('privacy ledger', () => {
  it('uses the documented defaults: ρ ≤ 1 per task per 7 days, ρ ≤ 2 per site, ρ ≤ 4 in all', () => {
    expect(DEFAULT_LEDGER_BUDGETS).toMatchObject({ windowMs: 7 * DAY, rhoPerTask: 1, rhoPerSite: 2, rhoGlobal: 4 });
  });

  it('concurrent charges never overspend (100 charges of ρ = 0.05 at once, budget 1 → exactly 20)', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const store = createInMemoryLedgerStore<string>();
      expect(await chargeConcurrently(store, 100, 0.05)).toBe(20);
      const spent = store.snapshot().reduce((total, entry) => total + entry.charge.rho, 0);
      expect(spent).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it('the same test catches a store without isolation (it overspends)', async () => {
    expect(await chargeConcurrently(nonIsolatedStore<string>(), 100, 0.05)).toBeGreaterThan(20);
  });

  it('returns the report only after the charge is committed, with a receipt', async () => {
    const store = createInMemoryLedgerStore<string>();
    const ledger = createPrivacyLedger({ store, clock: () => T0 });
    const result = await ledger.charge({ site: 's', task: 't', round: 3, event: { kind: 'zcdp', rho: 0.25 }, report: 'payload' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.report).toBe('payload');
    expect(result.receipt).toMatchObject({ site: 's', task: 't', round: 3, rho: 0.25, at: T0, status: 'pending' });
    expect(result.receipt.epsilon).toBeCloseTo(zcdpToEpsilon(0.25, 1e-6).epsilon, 12);
    // Already durable when the caller sees it.
    expect(store.snapshot().map((entry) => entry.report)).toEqual(['payload']);
  });

  it('a crash between charge and send loses budget, never privacy', async () => {
    const store = createInMemoryLedgerStore<string>();
    const before = createPrivacyLedger({ store, clock: () => T0 });
    const result = await before.charge({ site: 's', task: 't', round: 1, rho: 0.7, report: 'noised update' });
    expect(result.ok).toBe(true);
    // Crash: the send never happens. The device restarts from what was committed.
    const afterStore = createInMemoryLedgerStore(store.snapshot());
    const after = createPrivacyLedger({ store: afterStore, clock: () => T0 + 1000 });
    expect((await after.spent({ site: 's', task: 't' })).task?.spentRho).toBe(0.7);
    const pending = await after.pending();
    expect(pending.map((entry) => [entry.report, entry.status])).toEqual([['noised update', 'pending']]);
    // The lost budget is really gone: a second 0.7 does not fit.
    const again = await after.charge({ site: 's', task: 't', round: 2, rho: 0.7, report: 'another' });
    expect(again.ok).toBe(false);
    // Resending the SAME stored report costs nothing more; then it is marked sent.
    expect(await after.markSent(pending[0]!.charge.id)).toBe(true);
    expect(await after.pending()).toEqual([]);
    expect((await after.receipts())[0]).toMatchObject({ status: 'sent', sentAt: T0 + 1000 });
    expect(await after.markSent('no such id')).toBe(false);
  });

  it('marks a pending report expired when its round closed unsent: still charged, no longer pending; a sent one stays sent', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    const first = await ledger.charge({ site: 's', task: 't', round: 1, rho: 0.2, report: 'never sent' });
    const second = await ledger.charge({ site: 's', task: 't', round: 2, rho: 0.2, report: 'sent' });
    if (!first.ok || !second.ok) throw new Error('charges refused');
    await ledger.markSent(second.receipt.id);
    expect(await ledger.markExpired(first.receipt.id)).toBe(true);
    expect(await ledger.markExpired(second.receipt.id)).toBe(false);
    expect(await ledger.markExpired('no such id')).toBe(false);
    expect(await ledger.pending()).toEqual([]);
    expect((await ledger.receipts()).map((r) => r.status)).toEqual(['expired', 'sent']);
    expect((await ledger.spent({ site: 's', task: 't' })).task?.spentRho).toBeCloseTo(0.4, 12);
  });

  it('a transaction that fails to commit charges nothing and releases nothing', async () => {
    const inner = createInMemoryLedgerStore<string>();
    const failingStore: LedgerStore<string> = {
      transact: (mode, fn) =>
        inner.transact(mode, async (tx) => {
          await fn(tx);
          throw new Error('QuotaExceededError');
        }),
    };
    const ledger = createPrivacyLedger({ store: failingStore, clock: () => T0 });
    const result = await ledger.charge({ site: 's', task: 't', round: 1, rho: 0.1, report: 'x' });
    expect(result).toEqual({ ok: false, reason: { kind: 'storageFailed', message: 'QuotaExceededError' } });
    expect('report' in result).toBe(false);
    expect(inner.snapshot()).toEqual([]);
  });

  it('a charge that would exceed is refused and nothing is recorded', async () => {
    const store = createInMemoryLedgerStore<string>();
    const ledger = createPrivacyLedger({ store, clock: () => T0 });
    expect((await ledger.charge({ site: 's', task: 't', round: 1, rho: 0.6, report: 'a' })).ok).toBe(true);
    const before = store.snapshot();
    const refused = await ledger.charge({ site: 's', task: 't', round: 2, rho: 0.5, report: 'b' });
    expect(refused).toEqual({
      ok: false,
      reason: { kind: 'budgetExceeded', scope: 'task', spent: 0.6, requested: 0.5, limit: 1, nextRelease: T0 + 7 * DAY },
    });
    expect(store.snapshot()).toEqual(before);
    expect((await ledger.spent({ site: 's', task: 't' })).task?.spentRho).toBe(0.6);
    // What does fit still goes through.
    expect((await ledger.charge({ site: 's', task: 't', round: 2, rho: 0.4, report: 'b' })).ok).toBe(true);
  });

  it("a fixed-schedule task's period limit: charges inside the period add up to it, it renews with the next period, the window still counts them all", async () => {
    let now = T0;
    const store = createInMemoryLedgerStore<string>();
    const ledger = createPrivacyLedger({ store, clock: () => now });
    const day = (k: number) => ({ start: T0 + k * DAY, end: T0 + (k + 1) * DAY, rhoLimit: 0.02 });
    expect((await ledger.charge({ site: 's', task: 'daily', round: 1, rho: 0.02, report: 'd0', period: day(0) })).ok).toBe(true);
    // Another round in the same period (the server would not open one; the device does not trust that).
    now = T0 + DAY / 2;
    const before = store.snapshot();
    expect(await ledger.charge({ site: 's', task: 'daily', round: 2, rho: 0.02, report: 'd0b', period: day(0) })).toEqual({
      ok: false,
      reason: { kind: 'periodBudgetExceeded', spent: 0.02, requested: 0.02, limit: 0.02, renewsAt: T0 + DAY },
    });
    expect(store.snapshot()).toEqual(before);
    // Other tasks and sites are not in the period's sum.
    expect((await ledger.charge({ site: 's', task: 'other', round: 2, rho: 0.02, report: 'o', period: day(0) })).ok).toBe(true);
    // The next day: renewed.
    now = T0 + DAY + 1;
    expect((await ledger.charge({ site: 's', task: 'daily', round: 3, rho: 0.02, report: 'd1', period: day(1) })).ok).toBe(true);
    // Over the rolling window the days compose: 2 × 0.02 for the task.
    expect((await ledger.spent({ site: 's', task: 'daily' })).task?.spentRho).toBeCloseTo(0.04, 12);
    await expect(ledger.charge({ site: 's', task: 'daily', round: 4, rho: 0.01, report: 'x', period: { start: T0, end: T0, rhoLimit: 1 } })).rejects.toThrow(/period\.end must be after period\.start/);
  });

  it('a release without noise (ρ = ∞) is always refused', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    const result = await ledger.charge({ site: 's', task: 't', round: 1, event: { kind: 'zcdp', rho: Infinity }, report: 'raw' });
    expect(result.ok).toBe(false);
  });

  it('an unlimited ledger (simulation without DP) accepts ρ = ∞ and still reports an unlimited remainder', async () => {
    const unlimited = { rhoPerTask: Infinity, rhoPerSite: Infinity, rhoGlobal: Infinity };
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), budgets: unlimited, clock: () => T0 });
    expect((await ledger.charge({ site: 's', task: 't', round: 1, event: { kind: 'zcdp', rho: Infinity }, report: 'raw' })).ok).toBe(true);
    const view = await ledger.spent({ site: 's', task: 't' });
    expect(view.task?.spentRho).toBe(Infinity);
    expect(view.remainingRho).toBe(Infinity);
    expect(await ledger.remaining({ site: 's', task: 't' })).toBe(Infinity);
  });

  it('one contribution per round', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    expect((await ledger.charge({ site: 's', task: 't', round: 5, rho: 0.1, report: 'a' })).ok).toBe(true);
    const second = await ledger.charge({ site: 's', task: 't', round: 5, rho: 0.1, report: 'b' });
    expect(second).toEqual({ ok: false, reason: { kind: 'alreadyCharged', id: '["s","t",5]' } });
  });

  it('the window rolls across days, charge by charge, and never renews early', async () => {
    const clock = manualClock();
    const store = createInMemoryLedgerStore<string>();
    const ledger = createPrivacyLedger({ store, clock: clock.now });
    const charge = (round: number, rho: number) => ledger.charge({ site: 's', task: 't', round, rho, report: String(round) });
    expect((await charge(0, 0.5)).ok).toBe(true); // day 0
    clock.set(T0 + 3 * DAY);
    expect((await charge(1, 0.5)).ok).toBe(true); // day 3: total 1.0
    clock.set(T0 + 6 * DAY);
    expect((await charge(2, 0.1)).ok).toBe(false); // day 6: still full
    clock.set(T0 + 7 * DAY - 1);
    expect((await charge(2, 0.1)).ok).toBe(false); // one ms before the day-0 charge leaves
    clock.set(T0 + 7 * DAY);
    expect(await ledger.remaining({ site: 's', task: 't' })).toBeCloseTo(0.5, 12);
    expect((await charge(2, 0.5)).ok).toBe(true); // day 7: the day-0 half is back, not more
    expect((await charge(3, 0.1)).ok).toBe(false);
    clock.set(T0 + 10 * DAY);
    expect(await ledger.remaining({ site: 's', task: 't' })).toBeCloseTo(0.5, 12); // day-3 charge left
    // Old charges stay as receipts even after they stop counting.
    expect((await ledger.receipts()).map((receipt) => receipt.round)).toEqual([0, 1, 2]);
  });

  it('a reload (new ledger object, new config object) resets nothing', async () => {
    const store = createInMemoryLedgerStore<string>();
    const first = createPrivacyLedger({ store, clock: () => T0 });
    expect((await first.charge({ site: 's', task: 't', round: 0, rho: 1, report: 'a' })).ok).toBe(true);
    const reloaded = createPrivacyLedger({ store: createInMemoryLedgerStore(store.snapshot()), clock: () => T0 + DAY });
    expect(await reloaded.remaining({ site: 's', task: 't' })).toBe(0);
    expect((await reloaded.charge({ site: 's', task: 't', round: 1, rho: 0.01, report: 'b' })).ok).toBe(false);
  });

  it('a clock set back keeps "future" charges counting', async () => {
    const clock = manualClock(T0 + 2 * DAY);
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: clock.now });
    expect((await ledger.charge({ site: 's', task: 't', round: 0, rho: 1, report: 'a' })).ok).toBe(true);
    clock.set(T0); // the user moved the clock two days back
    expect(await ledger.remaining({ site: 's', task: 't' })).toBe(0);
  });

  it('caps per site and globally across tasks and sites', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    const charge = (site: string, task: string, rho: number) => ledger.charge({ site, task, round: 0, rho, report: `${site}/${task}` });
    expect((await charge('a', 't1', 1)).ok).toBe(true);
    expect((await charge('a', 't2', 1)).ok).toBe(true);
    const siteFull = await charge('a', 't3', 0.5);
    expect(siteFull.ok === false && siteFull.reason.kind === 'budgetExceeded' && siteFull.reason.scope).toBe('site');
    expect((await charge('b', 't1', 1)).ok).toBe(true);
    expect((await charge('b', 't2', 1)).ok).toBe(true);
    const globalFull = await charge('c', 't1', 0.5);
    expect(globalFull.ok === false && globalFull.reason.kind === 'budgetExceeded' && globalFull.reason.scope).toBe('global');
    const view = await ledger.spent({ site: 'a' });
    expect(view).toMatchObject({ site: { spentRho: 2, remainingRho: 0 }, global: { spentRho: 4, limitRho: 4 }, remainingRho: 0 });
    expect(view.task).toBeUndefined();
    expect(view.site.spentEpsilon).toBeCloseTo(zcdpToEpsilon(2, 1e-6).epsilon, 12);
  });

  it('charges the device the unamplified cost of a sampled Gaussian', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    const result = await ledger.charge({
      site: 's',
      task: 't',
      round: 0,
      event: { kind: 'poissonSampledGaussian', samplingProbability: 0.01, noiseMultiplier: 1 },
      report: 'x',
    });
    expect(result.ok && result.receipt.rho).toBe(0.5);
  });

  it('no rolling window ever holds more than its budget (2,000 seeded random charges over a month)', async () => {
    const random = createSeededRandomSourceForTestsOnly(20261123);
    const clock = manualClock();
    const store = createInMemoryLedgerStore<string>();
    const budgets = { rhoPerTask: 1, rhoPerSite: 1.5, rhoGlobal: 2 };
    const ledger = createPrivacyLedger({ store, clock: clock.now, budgets });
    let accepted = 0;
    let time = T0;
    for (let round = 0; round < 2000; round += 1) {
      time += random.uniformBelow(45 * 60 * 1000); // 0–45 minutes apart: ~31 days in all
      clock.set(time);
      const site = `site${random.uniformBelow(2)}`;
      const task = `task${random.uniformBelow(3)}`;
      const rho = random.uniformBelow(600) / 1000;
      const result = await ledger.charge({ site, task, round, rho, report: '' });
      if (result.ok) accepted += 1;
    }
    const charges = store.snapshot().map((entry) => entry.charge);
    expect(accepted).toBe(charges.length);
    expect(accepted).toBeGreaterThan(50); // the window did roll and free budget many times
    expect(accepted).toBeLessThan(2000); // and refusals happened
    // The sum in a window (t − 7 days, t] can only peak at a charge time t: check them all.
    for (const { at } of charges) {
      const inWindow = charges.filter((charge) => charge.at > at - 7 * DAY && charge.at <= at);
      const sum = (keep: (charge: (typeof charges)[number]) => boolean): number =>
        inWindow.filter(keep).reduce((total, charge) => total + charge.rho, 0);
      expect(sum(() => true)).toBeLessThanOrEqual(budgets.rhoGlobal + 1e-9);
      for (const site of ['site0', 'site1']) {
        expect(sum((charge) => charge.site === site)).toBeLessThanOrEqual(budgets.rhoPerSite + 1e-9);
        for (const task of ['task0', 'task1', 'task2']) {
          expect(sum((charge) => charge.site === site && charge.task === task)).toBeLessThanOrEqual(budgets.rhoPerTask + 1e-9);
        }
      }
    }
  });

  it('validates its arguments with RangeErrors that name them', async () => {
    const ledger = createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), clock: () => T0 });
    await expect(ledger.charge({ site: '', task: 't', round: 0, rho: 0.1, report: 'x' })).rejects.toThrow(/site/);
    await expect(ledger.charge({ site: 's', task: 't', round: -1, rho: 0.1, report: 'x' })).rejects.toThrow(/round/);
    await expect(ledger.charge({ site: 's', task: 't', round: 0, rho: -0.1, report: 'x' })).rejects.toThrow(/rho/);
    await expect(
      ledger.charge({ site: 's', task: 't', round: 0, event: { kind: 'gaussian', noiseMultiplier: -1 }, report: 'x' }),
    ).rejects.toThrow(/noiseMultiplier/);
    expect(() => createPrivacyLedger({ store: createInMemoryLedgerStore<string>(), budgets: { windowMs: 0 } })).toThrow(/windowMs/);
  });
});
