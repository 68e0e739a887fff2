/**
 * The device's side of the daily report's renewing budget (issue 12 §2): the client charges each
 * report against its period as well as the rolling window, in the same ledger transaction, so a
 * second round in one period is refused even if a server opened one; the next period renews; the
 * "Your data" view says per period, renewing, and the periods composed. And the report's cost is
 * kept back from every other task until it is sent, so a busy week cannot starve it.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { zcdpRhoFor } from '../../core/dp/calibrate.js';
import { createPrivacyLedger } from '../../core/dp/ledger.js';
import { dailyReportClipNorm, dailyReportLabels, dailyReportLayout } from '../../core/models/daily-report.js';
import { contributionByteLength, encodeModel, type TaskDescriptor } from '../../core/protocol/aggregator.js';
import { FederatedClient } from './client.js';
import { createDailyReportTaskHandler } from './daily-report-task.js';
import { listReceipts, openFederatedDb } from './db.js';
import { createIndexedDbLedgerStore } from './ledger-store.js';
import { privacyCostOf } from './privatize.js';
import { privacyView } from './privacy-view.js';

const endpoint = 'http://aggregator.test';
const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0 });
const delta = 1e-6;
const rhoPerDay = zcdpRhoFor({ epsilon: 1, delta });

function descriptor(roundId: string, deadline: string, localNoiseStddev: number): TaskDescriptor {
  return {
    task: 'daily-report', kind: 'histogram', model: { name: 'daily-report', version: 1 }, roundId, vectorLength: layout.length,
    clipNorm: dailyReportClipNorm(layout), granularity: 0.01, localNoiseStddev, localSteps: 0, learningRate: 0, deadline,
    expectedBytes: contributionByteLength(layout.length), minContributions: 1, maxContributions: 100, labels: dailyReportLabels(layout),
    privacy: { epsilonBudget: 1, delta, epsilonSpent: 0, period: { days: 1, epsilonSpent: 0, renewsAt: deadline } },
  };
}

describe('the daily report on the device ledger', () => {
  it('charges each report against its day (ε 1, renewing) and the window; a second round the same day is refused; "Your data" composes the days', async () => {
    const blob = encodeModel({ header: { name: 'daily-report', version: 1, tensors: [{ name: 'report', shape: [layout.length] }], dtype: 'float32' }, data: new Float32Array(layout.length) });
    const posts: string[] = [];
    const fetch = async (url: string): Promise<Response> => {
      if (url === `${endpoint}/v1/models/daily-report/1`) return new Response(new Uint8Array(blob), { status: 200, headers: { etag: '"daily-report@1"' } });
      posts.push(url);
      return new Response(JSON.stringify({ accepted: true, duplicate: false }), { status: 202 });
    };
    let now = Date.parse('2026-11-23T09:00:00Z');
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db), clock: () => now });
    const handlers = new Map([['daily-report', createDailyReportTaskHandler({ activity: async () => ({ views: { Drama: 1 }, stage: 'viewed-product' }), now: () => now })]]);
    const client = new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers, fetch, now: () => now });

    // A plain upload whose own noise makes one report cost 3/4 of the day's ρ: two would not fit.
    const probe = descriptor('p', '2026-11-24T00:00:00.000Z', 1000);
    const sigma = 1000 * Math.sqrt(privacyCostOf(probe) / (0.75 * rhoPerDay));
    const day1 = descriptor('d1', '2026-11-24T00:00:00.000Z', sigma);
    expect(privacyCostOf(day1)).toBeCloseTo(0.75 * rhoPerDay, 6);
    expect(await client.participate(day1)).toMatchObject({ status: 'sent' });
    now += 3_600_000;
    const again = await client.participate(descriptor('d1b', '2026-11-24T00:00:00.000Z', sigma));
    expect(again).toMatchObject({ status: 'skipped', reason: 'out-of-budget', message: expect.stringContaining('renews at 2026-11-24T00:00:00.000Z') });
    expect(posts).toHaveLength(1);

    now = Date.parse('2026-11-24T09:00:00Z');
    expect(await client.participate(descriptor('d2', '2026-11-25T00:00:00.000Z', sigma))).toMatchObject({ status: 'sent' });
    const receipts = await listReceipts(db);
    expect(receipts.map((r) => r.round)).toEqual(['d1', 'd2']);
    const view = await privacyView({ db, ledger, site: 'shop-1', tasks: ['daily-report'], now: () => now });
    const budget = view.budgets.find((b) => b.task === 'daily-report')!;
    expect(budget.period).toMatchObject({ days: 1, epsilonPerPeriod: 1, renewsAt: Date.parse('2026-11-25T00:00:00Z'), periodsReported: 2 });
    expect(budget.period!.epsilonThisPeriod).toBeLessThanOrEqual(1);
    // Two days compose: more than one day's ε, as the rolling window counts both.
    expect(budget.period!.epsilonComposed).toBeGreaterThan(budget.period!.epsilonThisPeriod);
    expect(budget.rhoSpent).toBeCloseTo(1.5 * rhoPerDay, 9);
  });

  it("keeps the current report's cost back from every other task until the report is sent", async () => {
    const blob = (name: string) => encodeModel({ header: { name, version: 1, tensors: [{ name: 'report', shape: [layout.length] }], dtype: 'float32' }, data: new Float32Array(layout.length) });
    // Noise that makes one report cost 3/4 of the day's ρ (as above).
    const sigma = 1000 * Math.sqrt(privacyCostOf(descriptor('p', '2026-11-24T00:00:00.000Z', 1000)) / (0.75 * rhoPerDay));
    const report = descriptor('d1', '2026-11-24T00:00:00.000Z', sigma);
    // Another task of the same size and noise, learning rather than fixed-schedule (no period).
    const { period: _period, ...learning } = report.privacy;
    const other: TaskDescriptor = { ...report, task: 'other', model: { name: 'other', version: 1 }, roundId: 'o1', privacy: learning };
    const [r, o] = [privacyCostOf(report), privacyCostOf(other)];
    const fetch = async (url: string): Promise<Response> => {
      if (url === `${endpoint}/v1/tasks`) return new Response(JSON.stringify({ tasks: [other, report] }), { status: 200 });
      const model = /\/v1\/models\/([^/]+)\/1$/.exec(url)?.[1];
      if (model !== undefined) return new Response(new Uint8Array(blob(model)), { status: 200, headers: { etag: `"${model}@1"` } });
      return new Response(JSON.stringify({ accepted: true, duplicate: false }), { status: 202 });
    };
    const now = () => Date.parse('2026-11-23T09:00:00Z');
    // The site's window pays either contribution, not both.
    const device = async () => {
      const db = await openFederatedDb({ indexedDB: new IDBFactory() });
      const ledger = createPrivacyLedger({ store: createIndexedDbLedgerStore(db), clock: now, budgets: { rhoPerSite: Math.max(r, o) * 1.5 } });
      const handler = createDailyReportTaskHandler({ activity: async () => ({ views: { Drama: 1 }, stage: 'viewed-product' }), now });
      return new FederatedClient({ endpoint, site: 'shop-1', db, ledger, handlers: new Map([['daily-report', handler], ['other', handler]]), fetch, now });
    };

    const client = await device();
    await client.fetchTasks();
    expect(await client.participate(other)).toMatchObject({ status: 'skipped', reason: 'out-of-budget', message: expect.stringMatching(/kept for the fixed-schedule reports not yet sent this period \(daily-report\)/) });
    expect(await client.participate(report)).toMatchObject({ status: 'sent' });

    // Control: a device that has not read the task list knows no report to keep budget for, so
    // the other task takes the window and the report that follows cannot be paid.
    const unaware = await device();
    expect(await unaware.participate(other)).toMatchObject({ status: 'sent' });
    expect(await unaware.participate(report)).toMatchObject({ status: 'skipped', reason: 'out-of-budget' });
  });
});
