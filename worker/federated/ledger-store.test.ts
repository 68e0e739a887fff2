import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createPrivacyLedger, type LedgerStore } from '../../core/dp/ledger.js';
import { listReceipts, openFederatedDb, type ContributionReport } from './db.js';
import { createIndexedDbLedgerStore } from './ledger-store.js';

function report(roundId: string): ContributionReport {
  return { roundId, modelVersion: 1, bytes: 68, epsilon: 1, delta: 1e-6, body: new Uint8Array(68) };
}

describe('IndexedDB ledger store', () => {
  it('serialises concurrent charges: with budget for one, exactly one of two simultaneous charges commits', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db), budgets: { rhoPerTask: 0.6 } });
    const results = await Promise.all([
      ledger.charge({ site: 's', task: 't', round: 1, rho: 0.5, report: report('1') }),
      ledger.charge({ site: 's', task: 't', round: 2, rho: 0.5, report: report('2') }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, reason: { kind: 'budgetExceeded', scope: 'task' } });
    expect(await listReceipts(db)).toHaveLength(1);
  });

  it('writes nothing when the transaction fails after the charge was put (all or nothing)', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const store = createIndexedDbLedgerStore(db);
    // The ledger's own code runs and puts the entry; then the transaction fails (as a full disk would).
    const failing: LedgerStore<ContributionReport> = {
      transact: (mode, fn) =>
        store.transact(mode, async (tx) => {
          const value = await fn(tx);
          if (mode === 'readwrite') throw new Error('QuotaExceededError: disk full');
          return value;
        }),
    };
    const result = await createPrivacyLedger({ store: failing }).charge({ site: 's', task: 't', round: 1, rho: 0.1, report: report('1') });
    expect(result).toMatchObject({ ok: false, reason: { kind: 'storageFailed' } });
    expect(await db.count('ledger')).toBe(0);
    // And the store still works afterwards.
    expect((await createPrivacyLedger({ store }).charge({ site: 's', task: 't', round: 1, rho: 0.1, report: report('1') })).ok).toBe(true);
    expect(await db.count('ledger')).toBe(1);
  });

  it('keeps receipts across reopening the database, and drops a report’s bytes once it is sent', async () => {
    const factory = new IDBFactory();
    const first = await openFederatedDb({ indexedDB: factory });
    const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(first) });
    const charged = await ledger.charge({ site: 's', task: 't', round: 4, rho: 0.1, report: report('r4') });
    if (!charged.ok) throw new Error('charge refused');
    expect((await ledger.pending())[0]?.report.body?.length).toBe(68);
    await ledger.markSent(charged.receipt.id);
    first.close();
    const second = await openFederatedDb({ indexedDB: factory });
    const entries = await second.getAll('ledger');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.status).toBe('sent');
    expect(entries[0]!.report.body).toBeUndefined();
    expect(await listReceipts(second)).toEqual([{ at: entries[0]!.charge.at, task: 't', round: 'r4', epsilon: 1, delta: 1e-6, rho: 0.1, bytes: 68, protection: 'local', collusionEpsilon: 1, status: 'sent' }]);
    second.close();
  });
});
