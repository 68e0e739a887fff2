import { describe, expect, it } from 'vitest';
// The dashboard repeats the task names, the label grammar and the funnel's decoding (it may not
// import project code); these tests hold the copies to the core's and the server's.
import { DAILY_REPORT_TASK as CORE_DAILY_REPORT_TASK, dailyReportLabels, dailyReportLayout, decodeDailyReport, FUNNEL_STAGES as CORE_FUNNEL_STAGES, MONTHLY_REPORT_TASK as CORE_MONTHLY_REPORT_TASK } from '../../../core/models/daily-report.js';
import { SEGMENTS_TASK as CORE_SEGMENTS_TASK } from '../../../core/models/segments-model.js';
import { TRUE_COUNT_METRIC as CORE_TRUE_COUNT_METRIC } from '../../../core/protocol/aggregator.js';
import { segmentLabel } from '../../../server/strategies/kmeans.js';
import { estimatesCsv, CSV_COLUMNS } from './csv.js';
import { categoriesOf, conversionOf, DAILY_REPORT_TASK, TRUE_COUNT_METRIC, trueCounts, FUNNEL_STAGES, funnelOf, funnelReleases, MONTHLY_REPORT_TASK, parseSegmentLabel, SEGMENTS_TASK, segmentsReleases } from './owner-estimates.js';
import type { RoundStats, StatsResponse, TaskStats } from './stats.js';

const round = (roundId: string, producedVersion: number, epsilonAfter: number): RoundStats => ({ roundId, baseVersion: producedVersion - 1, producedVersion, contributions: 90, openedAt: '', closedAt: '', outcome: 'aggregated', epsilonAfter });

function task(name: string, aggregates: TaskStats['aggregates'], rounds: RoundStats[]): TaskStats {
  return { task: name, kind: 'histogram', model: { name, version: 2 }, status: 'open', privacy: { epsilonBudget: 4, delta: 1e-6, epsilonSpent: 1.2, rhoSpent: 0.1 }, currentRound: null, rounds, quality: [], aggregates };
}

describe('the owner’s estimates mirror the core', () => {
  it('names the tasks and the stages as the core does', () => {
    expect(SEGMENTS_TASK).toBe(CORE_SEGMENTS_TASK);
    expect(DAILY_REPORT_TASK).toBe(CORE_DAILY_REPORT_TASK);
    expect(MONTHLY_REPORT_TASK).toBe(CORE_MONTHLY_REPORT_TASK);
    expect(TRUE_COUNT_METRIC).toBe(CORE_TRUE_COUNT_METRIC);
    expect(FUNNEL_STAGES).toEqual(CORE_FUNNEL_STAGES);
  });

  it('reads a segment label back as the server writes it', () => {
    expect(parseSegmentLabel(segmentLabel(3, 'weekend Sci-Fi browsers, high spend'), 0)).toEqual({ id: 3, description: 'weekend Sci-Fi browsers, high spend' });
    expect(parseSegmentLabel('no id', 5)).toEqual({ id: 5, description: 'no id' });
  });

  it('decodes the funnel as decodeDailyReport does (non-increasing, clamped, se σ√stages), for sums that need each step', () => {
    const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: ['drama'], segments: 1 });
    const labels = dailyReportLabels(layout);
    const sigma = 7;
    // Per-stage slots (devices whose furthest stage it was): a noisy negative one, one that breaks monotonicity, one past `reports`.
    for (const [slots, reports] of [[[50, 30, 12, 8], 100], [[10, -5, 20, 3], 40], [[80, 40, 30, 10], 120], [[-3, -2, -1, -4], 10]] as const) {
      const sum = labels.map((_, i) => (i >= layout.funnel && i < layout.funnel + 4 ? slots[i - layout.funnel]! : i));
      const core = decodeDailyReport(layout, sum, sigma, reports).funnel;
      const mine = funnelOf({ roundId: 'p', labels, values: sum, stddev: sigma, contributions: reports })!;
      expect(mine.map((s) => s.value)).toEqual(core.map((s) => s.value));
      expect(mine.map((s) => s.sd)).toEqual(core.map((s) => s.se));
      expect(mine.map((s) => s.label)).toEqual([...CORE_FUNNEL_STAGES]);
    }
  });

  it('decodes views, carts and buys per category as decodeDailyReport does (clamped at 0, se σ), most viewed first', () => {
    const layout = dailyReportLayout({ categories: ['Drama', 'Comedy', 'Horror'], searchTerms: [], segments: 0 });
    const labels = dailyReportLabels(layout);
    const sum = labels.map((_, i) => [40, 55, -3, 4, -1, 2, 1, 0, 3][i] ?? 0);
    const core = decodeDailyReport(layout, sum, 5, 60);
    const mine = categoriesOf({ roundId: 'm', labels, values: sum, stddev: 5, contributions: 60 });
    expect(mine.map((c) => c.category)).toEqual(['Comedy', 'Drama', 'Horror']);
    for (const c of mine) {
      const i = layout.categories.indexOf(c.category);
      expect([c.views.value, c.carts!.value, c.buys!.value, c.views.sd]).toEqual([core.views[i]!.value, core.carts[i]!.value, core.buys[i]!.value, core.views[i]!.se]);
    }
    expect(mine[2]!.views.released).toBe(-3);
    expect(categoriesOf({ roundId: 'd', labels: ['funnel:visited'], values: [3], stddev: 1, contributions: 4 })).toEqual([]);
  });

  it('decodes the conversion per segment as decodeDailyReport does (clamped, rate with its delta-method sd)', () => {
    const layout = dailyReportLayout({ categories: [], searchTerms: ['drama'], segments: 3 });
    const labels = dailyReportLabels(layout);
    // Segment 0 ordinary, segment 1 bought released above visited, segment 2 visited below 0.
    const sum = labels.map((label) => ({ 'segment:0:visited': 80, 'segment:0:bought': 8, 'segment:1:visited': 20, 'segment:1:bought': 26, 'segment:2:visited': -4, 'segment:2:bought': 3 })[label] ?? 5);
    const core = decodeDailyReport(layout, sum, 6, 100).conversion;
    const mine = conversionOf({ roundId: 'd', labels, values: sum, stddev: 6, contributions: 100 });
    expect(mine.map((c) => c.segment)).toEqual([0, 1, 2]);
    mine.forEach((c, g) => {
      expect([c.visited.value, c.bought.value]).toEqual([core[g]!.visited.value, core[g]!.bought.value]);
      if (c.rate === null) expect(core[g]!.rate.se).toBe(Infinity);
      else expect([c.rate.value, c.rate.sd]).toEqual([core[g]!.rate.value, core[g]!.rate.se]);
    });
    expect(mine[1]!.rate!.value).toBe(1);
    expect(mine[2]!.rate).toBeNull();
  });

  it('has no funnel for a release without the funnel labels', () => {
    expect(funnelOf({ roundId: 'p', labels: ['views:Drama'], values: [3], stddev: 1, contributions: 4 })).toBeNull();
  });
});

describe('segments and funnel in the stats and the CSV', () => {
  const segments = task(SEGMENTS_TASK, [
    { roundId: 's1', labels: [segmentLabel(0, 'weekend Sci-Fi browsers'), segmentLabel(1, 'Drama buyers, high spend')], values: [60, 30], projected: [60, 30], stddev: 5, contributions: 90 },
    { roundId: 's2', labels: [segmentLabel(0, 'weekend Sci-Fi browsers'), segmentLabel(1, 'Drama buyers, high spend')], values: [52, -1], projected: [52, 0], stddev: 5, contributions: 52 },
  ], [round('s1', 1, 0.6), round('s2', 2, 1.2)]);
  const layout = dailyReportLayout({ categories: ['Drama'], searchTerms: [], segments: 0 });
  const labels = dailyReportLabels(layout);
  const report = task(DAILY_REPORT_TASK, [{ roundId: '2026-11-22', labels, values: labels.map((l) => ({ 'funnel:visited': 40, 'funnel:viewed-product': 30, 'funnel:carted': 10, 'funnel:bought': 20 })[l] ?? 1), stddev: 3, contributions: 120 }], [round('2026-11-22', 1, 0.5)]);
  const stats: StatsResponse = { generatedAt: '2026-11-23T06:10:00.000Z', totals: { contributions: 0, roundsAggregated: 0 }, tasks: [segments, report] };

  it('gives each segment its size, interval, description, version and the ε after its release', () => {
    const [first, second] = segmentsReleases(segments);
    expect(first).toMatchObject({ roundId: 's1', version: 1, epsilonAfter: 0.6 });
    expect(second!.segments[1]).toMatchObject({ id: 1, description: 'Drama buyers, high spend', value: 0, released: -1, sd: 5 });
    expect(second!.segments[1]!.low).toBeCloseTo(-1 - 1.96 * 5, 10);
    expect(funnelReleases(report)[0]!.stages!.map((s) => s.released)).toEqual([100, 60, 30, 20]);
  });

  it("reads the simulator's true values of one release back, and nothing else", () => {
    const point = (version: number, metric: string, series: string, value: number) => ({ version, metric, series, value, at: '' });
    const withTruth = { ...segments, quality: [point(2, TRUE_COUNT_METRIC, 'segment.1', 33), point(1, TRUE_COUNT_METRIC, 'segment.1', 70), point(2, 'hr@10', 'segment.1', 0.4)] };
    expect([...trueCounts(withTruth, 2)]).toEqual([['segment.1', 33]]);
    expect(trueCounts(withTruth, null).size).toBe(0);
  });

  it('exports a row per segment and release, and per funnel stage, with its interval and ε', () => {
    const lines = estimatesCsv(stats).split('\r\n');
    expect(lines).toContain('segments,segment-size,s2,2,"1: Drama buyers, high spend",,-1,0,-10.8,8.8,5,1.2,0.000001');
    expect(lines.filter((l) => l.startsWith('segments,segment-size,'))).toHaveLength(4);
    // bought: one slot, σ 3; visited: four slots, σ 6.
    expect(lines).toContain('daily-report,funnel,2026-11-22,,bought,,20,20,14.12,25.88,3,0.5,0.000001');
    const visited = lines.find((l) => l.startsWith('daily-report,funnel,2026-11-22,,visited,'))!.split(',');
    expect(visited[CSV_COLUMNS.indexOf('noise_sd')]).toBe('6');
    // The report's other values stay in the export as released.
    expect(lines.filter((l) => l.startsWith('daily-report,dp-histogram,'))).toHaveLength(labels.length);
  });
});
