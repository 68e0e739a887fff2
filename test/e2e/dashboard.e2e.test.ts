/**
 * The site owner's dashboard (demo/dashboard.html), built, in real Chromium: without an
 * aggregator it says so plainly; with a `/v1/stats` answer in the shape of the shared contract
 * (typed here as core/protocol's `StatsResponse`, so a contract change breaks this test at
 * compile time) it draws every part: totals, per-task ε, the quality line chart, the rounds, the
 * DP histogram with its error bars and the words saying what they are, the owner's segments (sizes
 * with error bars, descriptions, drift) and funnel, or words where their task is absent; it exports
 * the estimates as CSV; and on a phone-sized screen every chart fits the width and keeps its text at full size.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUE_COUNT_METRIC, trueCountSeries, type HistogramAggregate, type QualityPoint, type StatsResponse, type RoundStats } from '../../core/protocol/aggregator.js';
import { modelEvaluationLabels } from '../../core/models/model-evaluation.js';
import { DAILY_REPORT_TASK, dailyReportLabels, dailyReportLayout, MONTHLY_REPORT_TASK, reportBounds } from '../../core/models/daily-report.js';
import { SEGMENTS_TASK } from '../../core/models/segments-model.js';
import { segmentLabel } from '../../server/strategies/kmeans.js';
import { openShop, type Shop } from '../support/shop-session.js';

let shop: Shop;
/** Screenshots and downloads of this file's tests. */
let tempDir: string;

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), 'inkling-dashboard-e2e-'));
  shop = await openShop();
});

afterAll(async () => {
  await shop?.close();
  // KEEP_E2E_TMP=1 keeps the phone screenshot and the CSV to look at.
  if (!process.env.KEEP_E2E_TMP) rmSync(tempDir, { recursive: true, force: true });
});

/** A 'model-evaluation' release over the task's real labels, the named values set, the rest 0. */
function evaluationRelease(values: Record<string, number>): HistogramAggregate {
  const labels = modelEvaluationLabels();
  return { roundId: 'model-evaluation-v1-e1', labels, values: labels.map((label) => values[label] ?? 0), projected: labels.map(() => 0), stddev: 3, contributions: 120 };
}

/** Two releases of the 'segments' task (ids matched across them, as the server keeps them), as server/strategies/kmeans.ts labels them. */
function segmentsReleases(): HistogramAggregate[] {
  const labels = [segmentLabel(0, 'weekend Sci-Fi browsers, high spend'), segmentLabel(1, 'Drama viewers, few purchases'), segmentLabel(2, 'new visitors, Comedy')];
  return [
    { roundId: 'segments-v4-a', labels, values: [41, 30, 9], projected: [41, 30, 9], stddev: 2.5, contributions: 80 },
    { roundId: 'segments-v8-b', labels, values: [38.5, 44, -1.5], projected: [37.5, 43, 0], stddev: 2.5, contributions: 80 },
  ];
}

/** One period of the 'daily-report' task over its real labels: per-stage slots (the furthest stage each device reached), the rest 1. */
function dailyReportRelease(): HistogramAggregate {
  const labels = dailyReportLabels(dailyReportLayout({ categories: ['Drama', 'Comedy', 'Horror'], searchTerms: ['drama'], segments: 3 }));
  const funnel: Record<string, number> = { 'funnel:visited': 50, 'funnel:viewed-product': 35, 'funnel:carted': 10, 'funnel:bought': 5, 'segment:1:visited': 40, 'segment:1:bought': 4 };
  return { roundId: '2026-11-22', labels, values: labels.map((l) => funnel[l] ?? 1), projected: labels.map((l) => funnel[l] ?? 1), stddev: 2, contributions: 120 };
}

/** One 28-day period of the 'monthly-report' task over its real labels: views per category (one released below 0), a cart and a buy each. */
function monthlyReportRelease(): HistogramAggregate {
  const labels = dailyReportLabels(dailyReportLayout({ categories: ['Drama', 'Comedy', 'Horror'], searchTerms: [], segments: 0, bounds: reportBounds(28) }));
  const views: Record<string, number> = { 'views:Drama': 420, 'views:Comedy': 610, 'views:Horror': -4, 'funnel:visited': 30, 'funnel:viewed-product': 90 };
  const values = labels.map((l) => views[l] ?? 1);
  return { roundId: '2026-11-26+28d', labels, values, projected: values.map((v) => Math.max(0, v)), stddev: 10, contributions: 120 };
}

/** The simulator's true values beside a release, as the seeder posts them (sim/quality.ts postTrueCounts). */
function truthPoints(version: number, figure: 'segment' | 'funnel' | 'views', values: Record<string, number>): QualityPoint[] {
  return Object.entries(values).map(([name, value]) => ({ version, metric: TRUE_COUNT_METRIC, series: trueCountSeries(figure, name)!, value, at: '2026-11-23T06:02:00.000Z' }));
}

function statsFixture(): StatsResponse {
  const rounds: RoundStats[] = Array.from({ length: 6 }, (_, i) => ({
    roundId: `r${i + 1}`,
    baseVersion: i,
    producedVersion: i + 1,
    contributions: 20 + i,
    openedAt: '2026-11-23T06:00:00.000Z',
    closedAt: '2026-11-23T06:01:00.000Z',
    outcome: 'aggregated',
    epsilonAfter: 0.4 * (i + 1),
    sumSha256: null,
  }));
  return {
    generatedAt: '2026-11-23T06:10:00.000Z',
    totals: { contributions: 135, roundsAggregated: 6 },
    tasks: [
      {
        task: 'mf-items',
        kind: 'fedavg',
        model: { name: 'mf-items', version: 6 },
        status: 'open',
        privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 2.4, rhoSpent: 0.05 },
        currentRound: null,
        bytesPerContribution: 176_008,
        rounds,
        quality: rounds.flatMap((r, i) => [
          { version: i + 1, metric: 'hr@10', series: 'federated-dp', value: 0.05 + 0.01 * i, at: r.openedAt },
          { version: i + 1, metric: 'hr@10', series: 'popularity', value: 0.06, at: r.openedAt },
        ]),
        aggregates: [],
      },
      {
        task: 'category-histogram',
        kind: 'histogram',
        model: { name: 'category-histogram', version: 1 },
        status: 'budget_exhausted',
        privacy: { epsilonBudget: 1, delta: 1e-6, epsilonSpent: 1, rhoSpent: 0.02 },
        currentRound: null,
        bytesPerContribution: null,
        rounds: rounds.slice(0, 1),
        quality: [],
        aggregates: [{ roundId: 'r1', labels: ['Drama', 'Comedy', 'Horror'], values: [40, 31.5, -2], projected: [39.25, 30.75, 0], stddev: 4.5, contributions: 70 }],
      },
      {
        task: 'model-evaluation',
        kind: 'histogram',
        model: { name: 'model-evaluation', version: 3 },
        status: 'open',
        privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 3.2, rhoSpent: 0.2 },
        currentRound: null,
        bytesPerContribution: 768,
        rounds: rounds.slice(0, 2),
        quality: [],
        // Two versions stand clear of the noise: v0 (no model yet; no action prediction) and v2.
        aggregates: [evaluationRelease({
          'v0 held-out': 500, 'v0 model hit@1': 120, 'v0 model hit@5': 330, 'v0 baseline hit@1': 110, 'v0 baseline hit@5': 320,
          'v2 held-out': 600, 'v2 model hit@1': 190, 'v2 model hit@5': 420, 'v2 baseline hit@1': 130, 'v2 baseline hit@5': 380,
          'v2 buy TP': 20, 'v2 buy FP': 20, 'v2 buy FN': 60, 'v2 buy TN': 500,
          'v2 calibration 0-2% steps': 400, 'v2 calibration 0-2% buys': 10, 'v2 calibration 0-2% expected': 4,
          'v2 calibration 50-100% steps': 40, 'v2 calibration 50-100% buys': 20, 'v2 calibration 50-100% expected': 26,
        })],
      },
      {
        task: SEGMENTS_TASK,
        kind: 'kmeans',
        model: { name: SEGMENTS_TASK, version: 8 },
        status: 'open',
        privacy: { epsilonBudget: 4, delta: 1e-6, epsilonSpent: 1.6, rhoSpent: 0.1 },
        currentRound: null,
        bytesPerContribution: 2048,
        rounds: [
          { ...rounds[0]!, roundId: 'segments-v4-a', baseVersion: 3, producedVersion: 4, epsilonAfter: 0.8 },
          { ...rounds[1]!, roundId: 'segments-v8-b', baseVersion: 7, producedVersion: 8, epsilonAfter: 1.6 },
        ],
        // The latest release's true sizes (an older release's must not be drawn with it).
        quality: [...truthPoints(8, 'segment', { 0: 39, 1: 41, 2: 0 }), ...truthPoints(4, 'segment', { 0: 99 })],
        aggregates: segmentsReleases(),
      },
      {
        task: DAILY_REPORT_TASK,
        kind: 'histogram',
        model: { name: DAILY_REPORT_TASK, version: 1 },
        status: 'open',
        privacy: { epsilonBudget: 10, delta: 1e-6, epsilonSpent: 1, rhoSpent: 0.05 },
        currentRound: null,
        bytesPerContribution: 352,
        rounds: [{ ...rounds[0]!, roundId: '2026-11-22', baseVersion: 0, producedVersion: 1, epsilonAfter: 1 }],
        quality: [],
        aggregates: [dailyReportRelease()],
      },
      {
        task: MONTHLY_REPORT_TASK,
        kind: 'histogram',
        model: { name: MONTHLY_REPORT_TASK, version: 1 },
        status: 'open',
        privacy: { epsilonBudget: 4.4, delta: 1e-6, epsilonSpent: 4.4, rhoSpent: 0.34, period: { days: 28, epsilonSpent: 4.4, renewsAt: '2026-12-24T00:00:00.000Z' } },
        currentRound: null,
        bytesPerContribution: 272,
        rounds: [{ ...rounds[0]!, roundId: '2026-11-26+28d', baseVersion: 0, producedVersion: 1, epsilonAfter: 4.4 }],
        quality: truthPoints(1, 'views', { Drama: 415, Comedy: 600 }),
        aggregates: [monthlyReportRelease()],
      },
    ],
  };
}

describe('site owner dashboard', () => {
  it('says when no aggregator answers', async () => {
    const { page, server } = shop;
    await page.goto(`${server.origin}/dashboard.html`);
    await page.waitForSelector('[data-testid="aggregator-unreachable"]');
    expect(await page.textContent('[data-testid="aggregator-unreachable"]')).toContain('/v1/stats answered HTTP 404');
  });

  it('draws the stats of the shared contract', async () => {
    const { page, server } = shop;
    await page.route('**/v1/stats', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(statsFixture()) }));
    await page.goto(`${server.origin}/dashboard.html`);
    await page.waitForSelector('[data-testid="stats"]');
    expect(await page.textContent('[data-testid="total-contributions"]')).toContain('135');
    expect(await page.textContent('[data-testid="versions"]')).toContain('mf-items v6');
    expect(await page.locator('[data-testid="task"]').count()).toBe(6);
    expect(await page.textContent('[data-task="mf-items"] [data-testid="epsilon"]')).toContain('ε spent 2.40 of 8.00');
    // What one device uploads per round, per task (issue 10 §7); none shown before a first round.
    expect(await page.textContent('[data-task="mf-items"] [data-testid="upload-size"]')).toContain('171.9 KB uploaded per device and round');
    expect(await page.locator('[data-task="category-histogram"] [data-testid="upload-size"]').count()).toBe(0);
    // One line per series, one point per version (the class names are the marks' `className` in line-chart.ts).
    const chart = page.locator('[data-task="mf-items"] [data-testid="quality-chart"]');
    expect(await chart.locator('g.chart__series path').count()).toBe(2);
    expect(await chart.locator('g.chart__points circle title').evaluateAll((titles) => titles.filter((t) => t.textContent?.startsWith('federated-dp:')).length)).toBe(6);
    expect(await chart.textContent()).toContain('popularity'); // the legend
    // The histogram (error-bars.ts): a post-processed bar, and the released count as a dot with its whiskers, per label.
    const histogram = page.locator('[data-task="category-histogram"] [data-testid="histogram"]');
    expect(await histogram.locator('rect').count()).toBe(3);
    expect(await histogram.locator('g.chart__whisker line').count()).toBe(9);
    expect(await histogram.locator('g.chart__released circle').count()).toBe(3);
    // No bar left of the zero line: the one the released −2 gets is post-processed to 0 (no width).
    const zero = Number(await histogram.locator('g.chart__axis line').getAttribute('x1'));
    const bars = await histogram.locator('rect').evaluateAll((rects) => rects.map((r) => ({ x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width') ?? 0) })));
    for (const bar of bars) expect(bar.x).toBeCloseTo(zero, 0);
    expect(bars[2]!.width).toBeLessThan(1);
    expect(bars[0]!.width).toBeGreaterThan(bars[1]!.width);
    // The caption says in words what the whiskers are and why a released count is negative.
    const caption = (await histogram.locator('[data-testid="histogram-caption"]').textContent()) ?? '';
    expect(caption).toContain('whiskers ±1.96σ, a 95 % interval for each true count. σ = 4.5 devices');
    expect(caption).toContain('1 of 3 released counts is below zero');
    // The evaluation: quality per model version, the model beside the baseline, with 95 % bars and the words for them.
    const evaluation = page.locator('[data-task="model-evaluation"] [data-testid="evaluation"]');
    expect(await page.locator('[data-task="model-evaluation"] [data-testid="histogram"]').count()).toBe(0);
    expect(await evaluation.locator('[data-testid="evaluation-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')))).toEqual(['v0', 'v2']);
    const v2 = (await evaluation.locator('tr[data-version="v2"]').textContent()) ?? '';
    expect(v2).toContain('32 % ± 1'); // model hit@1 190/600, ±1.96·3·√(1 + 0.1²)/600
    expect(v2).toContain('50 % ±'); // buy precision 20/40
    expect(await evaluation.locator('svg circle').count()).toBe(8); // 2 charts × 2 versions × (model, baseline)
    expect(await evaluation.locator('[data-testid="calibration-table"]').textContent()).toContain('50–100');
    expect(await evaluation.locator('[data-testid="evaluation-caption"]').textContent()).toContain('95 % intervals for the DP noise alone');
    // Segments (owner-view.ts): the latest release's sizes as bars with whiskers, the descriptions, the drift over the two releases, the ε.
    const segments = page.locator('[data-testid="segments"]');
    expect(await segments.locator('[data-testid="owner-epsilon"]').textContent()).toContain("Task 'segments': ε spent 1.60 of 4.00");
    expect(await segments.locator('[data-testid="owner-epsilon"]').textContent()).toContain('ε 1.60 once this release was made');
    const sizes = segments.locator('[data-testid="segments-sizes"]');
    expect(await sizes.locator('g.chart__bars rect').count()).toBe(3);
    expect(await sizes.locator('g.chart__whisker line').count()).toBe(9);
    expect(await sizes.locator('g.chart__released circle').count()).toBe(3);
    // The simulator's true sizes of that release: an orange tick per segment and a last column.
    expect(await segments.locator('tr[data-segment="1"]').textContent()).toBe('1Drama viewers, few purchases43 ± 4.941');
    expect(await sizes.locator('g.chart__truth line').count()).toBe(3);
    expect(await segments.locator('[data-testid="segments-table"] th').last().textContent()).toBe('True (simulator)');
    expect(await segments.locator('[data-testid="segments-drift"] g.chart__series path').count()).toBe(3);
    expect(await segments.locator('[data-testid="segments-drift"] g.chart__points circle').count()).toBe(6);
    // The funnel: four stages, non-increasing, each with its own σ√(stages added).
    const funnel = page.locator('[data-testid="funnel"]');
    expect(await funnel.locator('[data-testid="owner-epsilon"]').textContent()).toContain("Task 'daily-report': ε spent 1.00 of 10.00");
    expect(await funnel.locator('[data-testid="funnel-chart"] g.chart__bars rect').count()).toBe(4);
    expect(await funnel.locator('[data-testid="funnel-chart"] g.chart__released circle').count()).toBe(4);
    expect(await funnel.locator('[data-testid="funnel-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent))).toEqual([
      'visited100 ± 7.84100 %', 'viewed-product50 ± 6.7950 %', 'carted15 ± 5.5415 %', 'bought5 ± 3.925 %',
    ]);
    // Conversion per segment from the same daily release, named as the segments card names them: 4 of 40, ±1.96·2·√1.01/40, cut at 0.
    expect(await funnel.locator('[data-testid="conversion-table"] tbody tr').count()).toBe(3);
    expect(await funnel.locator('[data-testid="conversion-table"] tr[data-segment="1"]').textContent()).toBe('1: Drama viewers, few purchases40 ± 3.924 ± 3.9210 % (0 %–20 %)');
    expect(await funnel.locator('[data-testid="conversion-table"] tr[data-segment="0"] td:last-child').textContent()).toBe('100 % (0 %–100 %)');
    // Top categories from the 28-day report: views as bars (most viewed first, a negative release drawn at 0), carts and buys in the table.
    const categories = page.locator('[data-testid="categories"]');
    expect(await categories.locator('[data-testid="owner-epsilon"]').textContent()).toContain("Task 'monthly-report': ε 4.40 per 28 days, renewing");
    expect(await categories.locator('[data-testid="categories-chart"] g.chart__bars rect').count()).toBe(3);
    expect(await categories.locator('[data-testid="categories-chart"] g.chart__released circle').count()).toBe(3);
    expect(await categories.locator('[data-testid="categories-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-category')))).toEqual(['Comedy', 'Drama', 'Horror']);
    // The simulator posted the truth of two categories: two ticks, a dash where it posted none; the funnel has none, so no column.
    expect(await categories.locator('tr[data-category="Horror"]').textContent()).toBe('Horror0 ± 19.61 ± 19.61 ± 19.6—');
    expect(await categories.locator('tr[data-category="Drama"] td[data-truth]').textContent()).toBe('415');
    expect(await categories.locator('[data-testid="categories-chart"] g.chart__truth line').count()).toBe(2);
    expect(await funnel.locator('td[data-truth], g.chart__truth').count()).toBe(0);
    // Their task cards do not draw the raw release a second time.
    expect(await page.locator('[data-task="segments"] [data-testid="histogram"], [data-task="daily-report"] [data-testid="histogram"], [data-task="monthly-report"] [data-testid="histogram"]').count()).toBe(0);
    await page.unroute('**/v1/stats');
  });

  it('says in words when the segments or daily-report task is absent', async () => {
    const { page, server } = shop;
    const fixture = statsFixture();
    const without = { ...fixture, tasks: fixture.tasks.filter((t) => t.task !== SEGMENTS_TASK && t.task !== DAILY_REPORT_TASK && t.task !== MONTHLY_REPORT_TASK) };
    await page.route('**/v1/stats', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(without) }));
    await page.goto(`${server.origin}/dashboard.html`);
    await page.waitForSelector('[data-testid="stats"]');
    expect(await page.textContent('[data-testid="segments"] [data-testid="owner-absent"]')).toContain("This aggregator runs no 'segments' task");
    expect(await page.textContent('[data-testid="funnel"] [data-testid="owner-absent"]')).toContain("This aggregator runs no 'daily-report' task");
    expect(await page.textContent('[data-testid="categories"] [data-testid="owner-absent"]')).toContain("This aggregator runs no 'monthly-report' task");
    expect(await page.locator('[data-testid="segments"] svg, [data-testid="funnel"] svg, [data-testid="categories"] svg').count()).toBe(0);
    await page.unroute('**/v1/stats');
  });

  it('downloads the estimates with their intervals and ε as CSV', async () => {
    const { page, server } = shop;
    await page.route('**/v1/stats', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(statsFixture()) }));
    await page.goto(`${server.origin}/dashboard.html`);
    await page.waitForSelector('[data-testid="export-csv"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
    expect(download.suggestedFilename()).toBe('inkling-estimates-20261123T061000.csv');
    const file = join(tempDir, download.suggestedFilename());
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines[0]).toBe('task,figure,round,version,label,series,estimate,post_processed,ci95_low,ci95_high,noise_sd,epsilon_spent,delta');
    // Drama: released 40, bar 39.25, ±1.96 · 4.5, ε after round r1 (0.4), δ 1e-6.
    expect(lines).toContain('category-histogram,dp-histogram,r1,,Drama,,40,39.25,31.18,48.82,4.5,0.4,0.000001');
    expect(lines.some((line) => line.startsWith('model-evaluation,evaluation,,v2,hit@1,model,0.316666666667,'))).toBe(true);
    // Segments: a row per segment and release, its description as the label; released −1.5, drawn 0, ±1.96 · 2.5, ε after the release.
    expect(lines.filter((line) => line.startsWith('segments,segment-size,'))).toHaveLength(6);
    expect(lines).toContain('segments,segment-size,segments-v8-b,8,"2: new visitors, Comedy",,-1.5,0,-6.4,3.4,2.5,1.6,0.000001');
    // The funnel: visited is the sum of four slots (100), σ 2·√4 = 4.
    expect(lines).toContain('daily-report,funnel,2026-11-22,,visited,,100,100,92.16,107.84,4,1,0.000001');
    expect(lines.filter((line) => line.startsWith('daily-report,funnel,'))).toHaveLength(4);
    // Views, carts and buys per category from the 28-day report: Horror released −4, drawn 0, ±1.96 · 10, ε after its period.
    expect(lines).toContain('monthly-report,category-views,2026-11-26+28d,,Horror,,-4,0,-23.6,15.6,10,4.4,0.000001');
    expect(lines.filter((line) => /^monthly-report,category-(views|carts|buys),/.test(line))).toHaveLength(9);
    await page.unroute('**/v1/stats');
  });

  it('stays readable on a phone: every chart within a 390-px screen, drawn at full size, not empty', async () => {
    const { page, server } = shop;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.route('**/v1/stats', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(statsFixture()) }));
      await page.goto(`${server.origin}/dashboard.html`);
      await page.waitForSelector('[data-testid="stats"]');
      const screenshot = join(tempDir, 'dashboard-390.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      // The page itself does not scroll sideways (a wide table scrolls inside its card).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // Plot's charts are the SVGs with an aria-label (its legend swatches have none).
      const charts = await page.locator('[data-testid="stats"] svg[aria-label]').evaluateAll((svgs) => svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return { label: svg.getAttribute('aria-label'), left: box.left, right: box.right, width: box.width, drawn: Number(svg.getAttribute('width')), marks: svg.querySelectorAll('rect, circle, path, line').length };
      }));
      // mf-items: quality and participants; category-histogram: the histogram (one round: no participants chart);
      // model-evaluation: participants, hit@1 and hit@5; segments: sizes, drift and participants; the funnel; views per category.
      expect(charts.length).toBe(11);
      for (const chart of charts) {
        expect(chart.left, chart.label!).toBeGreaterThanOrEqual(0);
        expect(chart.right, chart.label!).toBeLessThanOrEqual(390);
        expect(chart.marks, chart.label!).toBeGreaterThan(0);
        // Drawn at the width it is shown at, so its 10-px text is not scaled down.
        expect(chart.width, chart.label!).toBeGreaterThanOrEqual(chart.drawn * 0.95);
      }
    } finally {
      await page.unroute('**/v1/stats');
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
