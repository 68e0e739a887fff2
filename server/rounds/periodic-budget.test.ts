/**
 * The daily report's renewing per-period budget (issue 12 §2), through the real HTTP app on an
 * injected clock: ε ≤ 1 per device per UTC day, renewed each day, composing over days; a full
 * round spends the day, the next opens with the next day; a report after the period's end is
 * refused naming the period, and what was stored stays.
 */
import { describe, expect, it } from 'vitest';
import { CONTRIBUTION_CONTENT_TYPE, type StatsResponse, type TaskDescriptor, type TasksResponse } from '../../core/protocol/aggregator.js';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import { createAggregator, type Aggregator } from '../aggregator.js';
import { createDailyReportTask } from '../tasks.js';

/** ε per period these tests give the task (the shipped one gets half of ε 1 a day: server/tasks.ts REPORTS_EPSILON_PER_DAY). */
const DAILY_REPORT_EPSILON = 1;
import { contributionBody, honestValues, TEST_CONFIG } from '../testkit.js';
import { fetchHelperKey, listenHelper, PEER_TOKEN, sharedDevice } from '../secagg/testkit.js';

const DAY = 86_400_000;
const D = Date.parse('2026-11-23T00:00:00Z');

async function daily(agg: Aggregator): Promise<TaskDescriptor | undefined> {
  return ((await (await agg.app.request('/v1/tasks')).json()) as TasksResponse).tasks.find((t) => t.task === 'daily-report');
}

async function stats(agg: Aggregator): Promise<StatsResponse['tasks'][number]> {
  return ((await (await agg.app.request('/v1/stats')).json()) as StatsResponse).tasks.find((t) => t.task === 'daily-report')!;
}

function post(agg: Aggregator, d: TaskDescriptor): Promise<Response> {
  const body = contributionBody(d, honestValues(d, new Float32Array(d.vectorLength)));
  return Promise.resolve(agg.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } }));
}

/** The full round closes on the turn after its last commit; give it that turn. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe("the daily report's per-period budget", () => {
  it('spends at most ε 1 in a day, renews at midnight UTC, composes over days, and says so in /v1/tasks and /v1/stats', async () => {
    let now = D + 10 * 3_600_000;
    // TEST_CONFIG: central noise z = 1, min 2, max 5 reports a round, --epsilon 8 (the task's own ε 1 a period wins).
    const agg = await createAggregator({ ...TEST_CONFIG }, { tasks: [createDailyReportTask({ epsilonPerPeriod: DAILY_REPORT_EPSILON })], clock: () => now, timer: false });
    try {
      const first = (await daily(agg))!;
      expect(first.privacy).toMatchObject({ epsilonBudget: DAILY_REPORT_EPSILON, epsilonSpent: 0, period: { days: 1, epsilonSpent: 0, renewsAt: '2026-11-24T00:00:00.000Z' } });
      for (let i = 0; i < 5; i++) expect((await post(agg, first)).status).toBe(202);
      await settle();
      await agg.coordinator.tick();
      // Full at 5: released; the day's budget is spent, so no second round today (it waits, not stops).
      const day1 = await stats(agg);
      expect(day1.rounds).toHaveLength(1);
      expect(day1.status).toBe('open');
      expect(day1.currentRound).toBeNull();
      expect(day1.privacy.period!.epsilonSpent).toBeGreaterThan(0.5);
      expect(day1.privacy.period!.epsilonSpent).toBeLessThanOrEqual(DAILY_REPORT_EPSILON);
      expect(await daily(agg)).toBeUndefined();
      now = D + 23 * 3_600_000;
      await agg.coordinator.tick();
      expect(await daily(agg)).toBeUndefined();

      // Midnight UTC: the budget renews, the next day's round opens.
      now = D + DAY + 1000;
      await agg.coordinator.tick();
      const second = (await daily(agg))!;
      expect(second.deadline).toBe('2026-11-25T00:00:00.000Z');
      expect(second.privacy.period).toEqual({ days: 1, epsilonSpent: 0, renewsAt: '2026-11-25T00:00:00.000Z' });
      for (let i = 0; i < 2; i++) expect((await post(agg, second)).status).toBe(202);
      now = D + 2 * DAY + 1000;
      await agg.coordinator.tick();
      const two = await stats(agg);
      expect(two.rounds.map((r) => r.contributions)).toEqual([5, 2]);
      // Over the two days the costs compose: the total ε is above one day's, and is what /v1/stats reports as epsilonSpent.
      expect(two.privacy.epsilonSpent).toBeGreaterThan(DAILY_REPORT_EPSILON);
      expect(two.privacy.epsilonSpent).toBeCloseTo(zcdpToEpsilon(two.privacy.rhoSpent, two.privacy.delta).epsilon, 9);
      expect(two.privacy.period).toEqual({ days: 1, epsilonSpent: 0, renewsAt: '2026-11-26T00:00:00.000Z' });
      expect(two.currentRound?.roundId).toBe((await daily(agg))!.roundId);
    } finally {
      await agg.close();
    }
  });

  it("refuses a report sent after its period's end, before the tick closes the round, naming the period; the round keeps what it had", async () => {
    let now = D + 10 * 3_600_000;
    const agg = await createAggregator({ ...TEST_CONFIG }, { tasks: [createDailyReportTask({ epsilonPerPeriod: DAILY_REPORT_EPSILON })], clock: () => now, timer: false });
    try {
      const d = (await daily(agg))!;
      for (let i = 0; i < 2; i++) expect((await post(agg, d)).status).toBe(202);
      now = D + DAY; // the period's end, no tick yet
      const late = await post(agg, d);
      expect(late.status).toBe(409);
      expect(await late.json()).toMatchObject({ error: { code: 'round_closed', message: expect.stringMatching(/^report for period 2026-11-23 is for a closed period \(round daily-report-v1-\w+\); no period is open yet/) } });
      expect((await stats(agg)).currentRound?.contributions).toBe(2);
      await agg.coordinator.tick();
      const after = await stats(agg);
      expect(after.rounds.map((r) => [r.roundId, r.contributions])).toEqual([[d.roundId, 2]]);
      expect(after.aggregates[0]?.contributions).toBe(2);
    } finally {
      await agg.close();
    }
  });

  it('runs a round below its minimum on to the end of the next period exactly, not a round length after the tick', async () => {
    let now = D + 10 * 3_600_000;
    const agg = await createAggregator({ ...TEST_CONFIG }, { tasks: [createDailyReportTask({ epsilonPerPeriod: DAILY_REPORT_EPSILON })], clock: () => now, timer: false });
    try {
      const d = (await daily(agg))!;
      expect((await post(agg, d)).status).toBe(202); // 1 < min 2
      now = D + DAY + 737; // a tick some ms after midnight
      await agg.coordinator.tick();
      const extended = (await daily(agg))!;
      expect(extended.roundId).toBe(d.roundId);
      expect(extended.deadline).toBe('2026-11-25T00:00:00.000Z');
    } finally {
      await agg.close();
    }
  });

  it('with secure aggregation (npm start): devices\' noise is sized for the whole day\'s ρ, the full round releases, the next waits for midnight', async () => {
    let now = D + 10 * 3_600_000;
    const task = createDailyReportTask({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0, epsilonPerPeriod: DAILY_REPORT_EPSILON });
    const helper = await listenHelper([task], { maxContributions: 3 });
    const leader = await createAggregator(
      { ...TEST_CONFIG, maxContributions: 3, role: { kind: 'leader', helperUrl: helper.url, helperPublicUrl: 'https://helper.example', peerToken: PEER_TOKEN } },
      { tasks: [task], clock: () => now, timer: false },
    );
    try {
      const d = (await daily(leader))!;
      expect(d.secureAggregation).toEqual({ helper: 'https://helper.example' });
      expect(d.privacy.period).toEqual({ days: 1, epsilonSpent: 0, renewsAt: '2026-11-24T00:00:00.000Z' });
      const key = await fetchHelperKey(helper.url);
      const sent = await Promise.all([0, 1, 2].map(() => sharedDevice(d, new Float32Array(d.vectorLength), key)));
      for (const device of sent) {
        const res = await leader.app.request(`/v1/rounds/${d.roundId}/contributions`, { method: 'POST', body: device.body, headers: { 'content-type': CONTRIBUTION_CONTENT_TYPE } });
        expect(res.status).toBe(202);
      }
      await settle();
      await leader.coordinator.tick();
      const day1 = await stats(leader);
      expect(day1.rounds.map((r) => r.contributions)).toEqual([3]);
      // Sized for ρ(ε 1, δ) at the minimum of 2; released with 3, whose noise shares add up to 3/2 of the
      // variance: ρ × 2/3, ε 0.69 (measured).
      expect(day1.privacy.period!.epsilonSpent).toBeGreaterThan(0.6);
      expect(day1.privacy.period!.epsilonSpent).toBeLessThanOrEqual(DAILY_REPORT_EPSILON);
      expect(await daily(leader)).toBeUndefined();
      now = D + DAY + 1000;
      await leader.coordinator.tick();
      expect((await daily(leader))?.deadline).toBe('2026-11-25T00:00:00.000Z');
    } finally {
      await leader.close();
      await helper.close();
    }
  });
});
