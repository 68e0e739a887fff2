/**
 * Issue 12 "what it must show", after `npm start` with its seeding: the real processes
 * (server/start.ts: helper + leader, --seed spawning sim/simulate.ts --seed-server) on a temp
 * SQLite folder, and real Chromium.
 * - The seeder releases the category histogram, two segments schedules (federated DP k-means
 *   through secure aggregation), today's daily report and this 28-day period's report (its visitors
 *   come back today first: sim/daily-report.ts): polled on /v1/stats.
 * - The owner's dashboard draws them: the screenshot of each chart has drawn pixels beyond its
 *   background, and the SVG has its marks (one bar per segment, one drift line per segment, one bar
 *   per funnel stage, one bar per genre in the top-interest histogram and in the views per category),
 *   and beside each estimate of the owner's cards the true value the seeder posted.
 * - A storefront visitor takes part in the next schedule's first round; then `inkling.segment()`
 *   answers with a released segment and "Your data" names it and what left for it.
 *
 * Smaller than `npm start` so the file runs in about two minutes on 2 cores: 120 simulated
 * visitors (INKLING_SIM_CLIENTS), one ALS round (INKLING_SIM_ROUNDS), rounds of 20–100 devices;
 * the same flags otherwise (--seed, --segments-schedules 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../core/protocol/aggregator.js';
import { launchContext, type LaunchedContext } from '../support/chromium.js';
import { startNpmStart, until, type StartedServers } from '../support/npm-start.js';
import { acceptConsent, assertBuilt, browseFilms, filmsOnly, inklingReady, loadBuiltCatalog, visit, type InklingWindow } from '../support/shop-session.js';

let servers: StartedServers | undefined;
let browser: LaunchedContext | undefined;
let tempDir = '';

beforeAll(async () => {
  assertBuilt();
  tempDir = mkdtempSync(join(tmpdir(), 'inkling-start-seeded-'));
  servers = await startNpmStart({
    args: ['--seed', '--min-contributions', '20', '--max-contributions', '100', '--segments-schedules', '3'],
    env: { INKLING_SIM_CLIENTS: '120', INKLING_SIM_ROUNDS: '1' },
  });
  browser = await launchContext();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await servers?.stop();
  // KEEP_E2E_TMP=1 keeps the dashboard's screenshot to look at.
  if (tempDir && !process.env.KEEP_E2E_TMP) rmSync(tempDir, { recursive: true, force: true });
});

async function stats(origin: string): Promise<StatsResponse> {
  const response = await fetch(`${origin}/v1/stats`);
  if (!response.ok) throw new Error(`GET /v1/stats answered ${response.status}`);
  return (await response.json()) as StatsResponse;
}

/**
 * Share of a screenshot's pixels that differ from its most common colour (the background) by more
 * than a faint anti-aliasing step, decoded by the browser itself (no PNG decoder in Node here).
 */
async function drawnShare(page: Page, element: Locator): Promise<number> {
  const png = (await element.screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${data}`)).blob());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < pixels.length; i += 4) {
      const key = (pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const background = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const [r, g, b] = [background >> 16, (background >> 8) & 255, background & 255];
    let drawn = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i]! - r) + Math.abs(pixels[i + 1]! - g) + Math.abs(pixels[i + 2]! - b) > 24) drawn++;
    }
    return drawn / (pixels.length / 4);
  }, png);
}

describe('after npm start with its seeding (issue 12: what it must show)', () => {
  it('the dashboard draws the seeded segments (sizes, drift), the funnel, the category histogram and the views per category; a visitor gets a released segment on the storefront and "Your data"', { timeout: 300_000 }, async () => {
    const origin = servers!.origin;
    const released = await until('the seeder to release the category histogram, two segments schedules, a daily and a 28-day report', 180_000, async () => {
      const s = await stats(origin);
      const count = (task: string) => s.tasks.find((t) => t.task === task)?.aggregates?.length ?? 0;
      // …and the seeder has finished logging them beside the truth (server/main.ts prints '[seed] done' when it exits 0).
      return count('category-histogram') >= 1 && count('segments') >= 2 && count('daily-report') >= 1 && count('monthly-report') >= 1 && servers!.output().includes('[seed] done') ? s : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${servers!.output().slice(-3000)}`);
    });
    const segmentsTask = released.tasks.find((t) => t.task === 'segments')!;
    const k = segmentsTask.aggregates!.at(-1)!.labels.length;
    expect(k).toBe(4);
    // Every release carries the seeded devices (the server's minimum is 20; the seeder fills to 100).
    for (const aggregate of segmentsTask.aggregates!) expect(aggregate.contributions).toBeGreaterThanOrEqual(20);
    // The seeder logged each release beside the truth (sim/report.ts formatSegments, formatReport).
    expect(servers!.output()).toMatch(/\| segment \| description \| released \(noised\) \| true \(same round\) \|/);
    expect(servers!.output()).toMatch(/\| funnel: devices that reached \| released \| 95 % \| true \(same devices\) \|/);

    const context = browser!.context;
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('pageerror', (error) => consoleErrors.push(error.message));

    // The owner's dashboard on that aggregator.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${origin}/dashboard.html`);
    await page.waitForSelector('[data-testid="segments-drift"]', { timeout: 30_000 });
    await page.screenshot({ path: join(tempDir, 'dashboard.png'), fullPage: true });
    const sizes = page.locator('[data-testid="segments"] [data-testid="segments-sizes"]');
    const drift = page.locator('[data-testid="segments"] [data-testid="segments-drift"]');
    const histogram = page.locator('[data-task="category-histogram"] [data-testid="histogram"]');
    const funnel = page.locator('[data-testid="funnel"] [data-testid="funnel-chart"]');
    const categories = page.locator('[data-testid="categories"] [data-testid="categories-chart"]');
    expect(await funnel.locator('g.chart__bars rect').count()).toBe(4);
    // One bar per storefront genre (19), the seeded visitors' views of today.
    expect(await categories.locator('g.chart__bars rect').count()).toBe(19);
    // Beside each estimate the true value the seeder posted (sim/quality.ts postTrueCounts): one tick per row.
    expect(await sizes.locator('g.chart__truth line').count()).toBe(k);
    expect(await funnel.locator('g.chart__truth line').count()).toBe(4);
    expect(await categories.locator('g.chart__truth line').count()).toBe(19);
    expect(await sizes.locator('g.chart__bars rect').count()).toBe(k);
    expect(await drift.locator('g.chart__series path').count()).toBe(k);
    expect(await drift.locator('g.chart__points circle').count()).toBe(2 * k);
    // One bar per genre with a top-genre count above 0 (19 genres; the seeded population tops a handful).
    expect(await histogram.locator('rect').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="segments-table"] tbody tr').count()).toBe(k);
    const shares: string[] = [];
    for (const [name, chart] of [['segment sizes', sizes], ['segments drift', drift], ['funnel', funnel], ['category histogram', histogram], ['views per category', categories]] as const) {
      const share = await drawnShare(page, chart);
      shares.push(`${name} ${(100 * share).toFixed(1)} %`);
      // An empty figure is its caption alone; a drawn one has marks, axes and tick labels too (printed below).
      expect(share, `${name}: share of drawn pixels`).toBeGreaterThan(0.03);
    }
    process.stderr.write(`[start-seeded-dashboard] drawn pixels per chart: ${shares.join(', ')}\n`);

    // A visitor of the storefront: browses, goes quiet, and the Worker's pass takes part in the next schedule's first round.
    const sent = new Set<string>();
    context.on('request', (request) => {
      const match = /^\/v1\/rounds\/([^/]+)\/contributions$/.exec(new URL(request.url()).pathname);
      if (request.method() === 'POST' && match !== null) sent.add(decodeURIComponent(match[1]!).replace(/-v\d+-.*$/, ''));
    });
    await visit(page, origin, '/');
    await acceptConsent(page);
    await inklingReady(page);
    await browseFilms(page, 'Drama', filmsOnly(loadBuiltCatalog(), 'Drama', [], 3).map((m) => m.id));
    await until('the visitor\'s pass to reach the segments task', 200_000, async () => (sent.has('segments') ? true : undefined)).catch((error: unknown) => {
      throw new Error(`${String(error)}; sent so far: ${[...sent].join(', ')}; page errors: ${consoleErrors.join(' | ')}`);
    });
    const segment = await until('inkling.segment() to answer', 30_000, async () => {
      const answer = (await page.evaluate(async () => (await (window as InklingWindow).inkling?.segment?.()) ?? null)) as { id: number; description: string } | null;
      return answer ?? undefined;
    });
    expect(segment.id).toBeGreaterThanOrEqual(0);
    expect(segment.id).toBeLessThan(k);
    // The description is the released one for that id (the dashboard's table lists it).
    expect(segmentsTask.aggregates!.at(-1)!.labels[segment.id]).toBe(`${segment.id}: ${segment.description}`);

    await visit(page, origin, '/your-data');
    await page.waitForSelector('[data-testid="segment-name"]');
    expect(await page.textContent('[data-testid="segment-name"]')).toBe(`You are in segment ${segment.id}: ${segment.description}. Worked out in this browser from the shop’s released segments.`);
    expect(await page.textContent('[data-testid="segment-left"]')).toMatch(/^What left for it: 1 noised contribution to the shop’s “segments” task \(\d+(\.\d)? K?B, ε \d+\.\d{3} charged in all/);
    expect(consoleErrors).toEqual([]);
  });
});
