/**
 * The whole federated loop in real Chromium against the BUILT storefront, through the two
 * aggregators of secure aggregation as real processes on 127.0.0.1: a helper
 * (server/main.ts --role helper, its own SQLite file and HPKE key) and a leader
 * (server/main.ts --role leader, serving the storefront), rounds of exactly 2 contributions.
 *
 * Two separate browsers (two persistent contexts: nothing shared) each browse, search and rate
 * different films; their Workers fetch the helper's key from the helper, train and each sends one
 * secret-shared contribution to the leader; the leader collects the helper's aggregate share and
 * closes the round; the model version increments; both download the new version; recommend() changes.
 *
 * The network capture (Chromium's own view of every request of the pages and their Workers) then
 * shows that the browsers sent the helper nothing (one GET of its keys), and that every upload to
 * the leader has exactly the task's size, the INK2 header, a leader share that is uniformly random
 * on its own, and a sealed helper seed the leader cannot open: opened here with the helper's
 * private key (read from the helper's database, as only the helper could), the two shares add up
 * to a dense, clipped, noised vector (a sparse one would reveal which rows the visitor touched).
 * No body carries the journey's ids, titles or search strings in any encoding we can search for,
 * and no request carries a cookie.
 *
 * The page is told where the aggregator is the way a site does it, with `data-endpoint` on the
 * script tag: the leader serving the storefront points it at itself (server/http/storefront-shell.ts).
 * Both pages' consoles stay empty throughout (issue 10 §4: tfjs's backend probing included).
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDescriptor } from '../../core/protocol/aggregator.js';
import { decodeSharedContribution, SHARED_CONTRIBUTION_MAGIC, type HelperStatsResponse } from '../../core/protocol/secure-aggregation.js';
import { createHpkeOpener, type HpkeKeyConfig } from '../../core/secagg/hpke.js';
import { centered } from '../../core/secagg/ring.js';
import { helperShareOf, openHelperSeed } from '../../core/secagg/upload.js';
import { launchContext, type LaunchedContext } from '../support/chromium.js';
import { acceptConsent, browseFilms, filmsOnly, inklingReady, loadBuiltCatalog, visit, type InklingWindow, type ShopMovie } from '../support/shop-session.js';
import { freePort } from '../support/free-port.js';

const root = join(new URL('../..', import.meta.url).pathname);
const dist = join(root, 'dist');

/** What must exist for the loop to run at all; each missing part is named in the skip reason. */
function missingParts(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(dist, 'sdk', 'inkling.js'))) missing.push('the SDK build (dist/sdk/inkling.js: npm run build)');
  if (!existsSync(join(dist, 'demo', 'index.html'))) missing.push('the storefront build (dist/demo/index.html: npm run build)');
  if (!existsSync(join(root, 'server', 'main.ts'))) missing.push('the aggregator (server/main.ts)');
  return missing;
}

const missing = missingParts();

interface CapturedRequest {
  readonly browser: 'A' | 'B';
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
}

interface Visitor {
  readonly name: 'A' | 'B';
  readonly launched: LaunchedContext;
  readonly context: BrowserContext;
  readonly page: Page;
}

let servers: ChildProcess[] = [];
/** What the storefront's pages printed on their console: nothing, on a healthy page. */
const consoleMessages: string[] = [];
let dataDir = '';
let origin = '';
let helperOrigin = '';
const captured: CapturedRequest[] = [];
const visitors: Visitor[] = [];


/**
 * Polls `probe` until it answers. `nudge` (a visitor coming back) runs at most once a minute: the
 * Worker trains only after some quiet, so nudging more often would keep it from ever starting.
 */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, nudge?: () => Promise<void>): Promise<T> {
  const started = Date.now();
  let nudged = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (nudge && Date.now() - nudged > 60_000) {
      nudged = Date.now();
      await nudge();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function openTasks(): Promise<TaskDescriptor[]> {
  const response = await fetch(`${origin}/v1/tasks`);
  return ((await response.json()) as { tasks: TaskDescriptor[] }).tasks;
}

/** The recommender (server/tasks.ts): an ALS model whose rows are the items a first DP popularity round ranked highest. */
const MODEL_TASK = 'als-items';
const POPULARITY_TASK = 'item-popularity';

async function openTask(name: string): Promise<TaskDescriptor | undefined> {
  return (await openTasks()).find((t) => t.task === name);
}

function roundIdOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/')[3] ?? '');
}

/** The helper's current key pair, read from its SQLite file: only the helper can do this. */
function helperKeyFromItsDatabase(): { config: HpkeKeyConfig; privateKey: Uint8Array } {
  const db = new Database(join(dataDir, 'helper.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT private_key, config_json FROM hpke_keys ORDER BY created_at DESC LIMIT 1').get() as { private_key: Buffer; config_json: string };
    return { config: JSON.parse(row.config_json) as HpkeKeyConfig, privateKey: new Uint8Array(row.private_key) };
  } finally {
    db.close();
  }
}

/** The task a contribution URL's round belongs to (round ids are '<task>-v<version>-<suffix>'). */
function taskOfContribution(url: string, tasks: readonly TaskDescriptor[]): TaskDescriptor | undefined {
  const roundId = decodeURIComponent(new URL(url).pathname.split('/')[3] ?? '');
  return tasks.find((t) => roundId.startsWith(`${t.task}-v`));
}

async function openVisitor(name: 'A' | 'B'): Promise<Visitor> {
  const launched = await launchContext();
  const { context } = launched;
  context.on('request', (request) => {
    captured.push({ browser: name, url: request.url(), method: request.method(), headers: request.headers(), body: request.postDataBuffer() });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => consoleMessages.push(`${name} ${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleMessages.push(`${name} pageerror: ${error.message}`));
  return { name, launched, context, page };
}

/** One task's contributions from one browser (the Worker contributes to every open task it can). */
function contributionsOf(name: 'A' | 'B', task: string): CapturedRequest[] {
  const path = new RegExp(`^/v1/rounds/${task}-v[^/]+/contributions$`);
  return captured.filter((r) => r.browser === name && r.method === 'POST' && path.test(new URL(r.url).pathname));
}

/** The page's top 10, bounded in time so a hung answer fails the test with a reason instead of its timeout. */
async function recommendIds(page: Page, when: string): Promise<string[]> {
  const answer = page.evaluate(async () => {
    const inkling = (window as InklingWindow).inkling;
    await inkling?.flush();
    return (await inkling?.recommend({ k: 10 }))?.map((r) => r.id) ?? [];
  });
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`recommend() did not answer within 60 s ${when}`)), 60_000);
  });
  try {
    return await Promise.race([answer, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every byte encoding of a string we can search a body for. */
function encodings(text: string): Buffer[] {
  return [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le'), Buffer.from(text.toLowerCase(), 'utf8'), Buffer.from(encodeURIComponent(text), 'utf8')];
}

/** Steps on stderr: a two-browser loop on two cores takes minutes, and a timeout should say where it stood. */
const testStarted = Date.now();
function step(message: string): void {
  process.stderr.write(`[federated-loop +${((Date.now() - testStarted) / 1000).toFixed(0)} s] ${message}\n`);
}

const title = 'the federated loop in two real browsers (issue 4 §5)';
describe.skipIf(missing.length > 0)(missing.length > 0 ? `${title}: skipped, missing ${missing.join('; ')}` : title, () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'inkling-e2e-agg-'));
    const [port, helperPort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${port}`;
    helperOrigin = `http://127.0.0.1:${helperPort}`;
    const rounds = ['--min-contributions', '2', '--max-contributions', '2', '--round-seconds', '120'];
    // The peer token travels in the environment, as npm start (server/start.ts) passes it.
    const env = { ...process.env, INKLING_PEER_TOKEN: randomBytes(24).toString('base64url') };
    const start = (role: string, args: string[]): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'main.ts'), '--role', role, ...rounds, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => code !== 0 && code !== null && process.stderr.write(`[federated-loop] ${role} exited ${code}: ${output.slice(-1500)}\n`));
      servers.push(child);
      return child;
    };
    const ready = async (url: string, child: ChildProcess): Promise<void> => {
      await waitFor(`${url}/healthz`, 60_000, async () => {
        if (child.exitCode !== null) throw new Error(`server/main.ts for ${url} exited with ${child.exitCode}`);
        try {
          return (await fetch(`${url}/healthz`)).ok ? true : undefined;
        } catch {
          return undefined;
        }
      });
    };
    // The storefront's Worker fetches the helper's keys cross-origin: the helper allows the leader's origin.
    await ready(helperOrigin, start('helper', ['--port', String(helperPort), '--db', join(dataDir, 'helper.sqlite'), '--allowed-origins', origin]));
    await ready(origin, start('leader', ['--port', String(port), '--db', join(dataDir, 'leader.sqlite'), '--static-dir', dist, '--helper', helperOrigin]));
    visitors.push(await openVisitor('A'), await openVisitor('B'));
    step(`leader on ${origin}, helper on ${helperOrigin}, two browsers open`);
  });

  afterAll(async () => {
    for (const v of visitors) await v.launched.close();
    for (const child of servers) child.kill('SIGTERM');
    servers = [];
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // Two Chromiums, two trainer passes and a round on two shared cores: minutes, not seconds.
  it('two browsers contribute, the round closes, both download the new model, recommend() changes, and nothing identifying is sent', { timeout: 600_000 }, async () => {
    const catalog: readonly ShopMovie[] = loadBuiltCatalog();
    // Every task open at the start (a round can close, or its task stop at its budget, before the capture is checked).
    const initialTasks = await openTasks();
    const popularity = initialTasks.find((t) => t.task === POPULARITY_TASK);
    expect(popularity, 'the aggregator opens the popularity round first').toBeDefined();
    expect(await openTask(MODEL_TASK), 'the ALS task waits for the popularity release').toBeUndefined();

    // Two different journeys: different genres, films and searches.
    const journeys = [
      { genre: 'Comedy', films: filmsOnly(catalog, 'Comedy', ['Drama', 'Horror'], 3, 2), search: 'ghostbusters' },
      { genre: 'Horror', films: filmsOnly(catalog, 'Horror', ['Comedy'], 3, 2), search: 'nightmare' },
    ];
    const recommendedBefore: string[][] = [];
    for (const [i, visitor] of visitors.entries()) {
      const journey = journeys[i]!;
      await visit(visitor.page, origin, '/');
      await acceptConsent(visitor.page);
      await inklingReady(visitor.page);
      await browseFilms(visitor.page, journey.genre, journey.films.map((m) => m.id));
      await visitor.page.fill('[data-testid="search-input"]', journey.search);
      await visitor.page.press('[data-testid="search-input"]', 'Enter');
      await visitor.page.waitForSelector('[data-testid="search-results"]');
      recommendedBefore.push(await recommendIds(visitor.page, `in browser ${visitor.name} before any contribution`));
      step(`browser ${visitor.name}: browsed ${journey.genre}, searched, recommendations before: ${recommendedBefore[i]?.length}`);
    }

    // Each Worker at idle first answers the popularity round; two answers release it, and the ALS task opens on its top items.
    const flush = (visitor: Visitor) => async () => {
      await visitor.page.evaluate(() => (window as InklingWindow).inkling?.flush());
    };
    for (const visitor of visitors) {
      await waitFor(`browser ${visitor.name}'s popularity contribution`, 150_000, () => (contributionsOf(visitor.name, POPULARITY_TASK).length > 0 ? true : undefined), flush(visitor));
    }
    const before = await waitFor(`${MODEL_TASK} to open after the popularity release`, 60_000, () => openTask(MODEL_TASK));
    step(`popularity released; ${MODEL_TASK} open on ${before.rows?.length ?? 0} rows`);
    // Then each sends exactly one ALS contribution (its next trainer pass).
    for (const visitor of visitors) {
      await waitFor(`browser ${visitor.name}'s ${MODEL_TASK} contribution`, 150_000, () => (contributionsOf(visitor.name, MODEL_TASK).length > 0 ? true : undefined), flush(visitor));
    }

    step('both browsers contributed');
    // Two contributions close the round: the version increments.
    const after = await waitFor('the round to close and the model version to increment', 60_000, async () => {
      const task = await openTask(MODEL_TASK);
      return task && task.model.version === before.model.version + 1 ? task : undefined;
    });
    expect(after.roundId).not.toBe(before.roundId);
    step(`round closed: model v${after.model.version}`);

    // Both browsers download the new version (on their next visit at the latest) and recommend() changes.
    const newModelPath = `/v1/models/${MODEL_TASK}/${after.model.version}`;
    for (const [i, visitor] of visitors.entries()) {
      await waitFor(`browser ${visitor.name} to download ${newModelPath}`, 150_000,
        () => (captured.some((r) => r.browser === visitor.name && r.method === 'GET' && new URL(r.url).pathname === newModelPath) ? true : undefined),
        async () => {
          await visit(visitor.page, origin, '/');
          await inklingReady(visitor.page);
          await recommendIds(visitor.page, `in browser ${visitor.name} after a reload`);
        });
      step(`browser ${visitor.name} downloaded ${newModelPath}`);
      const recommendedAfter = await recommendIds(visitor.page, `in browser ${visitor.name} after it downloaded ${newModelPath}`);
      expect(recommendedAfter.length).toBeGreaterThan(0);
      expect(recommendedAfter, `browser ${visitor.name}'s recommendations after the new model`).not.toEqual(recommendedBefore[i]);
    }

    // The capture: every contribution is exactly the task's size, well-formed, dense, anonymous.
    const secrets = journeys.flatMap((j) => [
      j.search,
      ...j.films.flatMap((m) => [m.title, `/movie/${m.id}`, `"${m.id}"`, `product_id`]),
    ]);
    // Every task's contributions (popularity, ALS, and whatever else the Worker contributes to), each checked against its own task.
    const tasks = [...(await openTasks()), before, ...initialTasks];
    const contributions = captured.filter((r) => r.method === 'POST' && r.url.includes('/v1/rounds/'));
    expect(contributions.filter((c) => taskOfContribution(c.url, tasks)?.task === MODEL_TASK).length, 'one ALS contribution per browser').toBeGreaterThanOrEqual(2);
    const ids = new Set<string>();
    const opener = await createHpkeOpener(helperKeyFromItsDatabase());
    for (const c of contributions) {
      const task = taskOfContribution(c.url, tasks);
      expect(task, `the task of ${c.url}`).toBeDefined();
      const body = c.body;
      expect(body, 'a contribution has a body').not.toBeNull();
      if (!body || !task) continue;
      expect(body.length, `${task.task} contribution size`).toBe(task.expectedBytes);
      expect([...body.subarray(0, 4)], 'a secret-shared INK2 upload').toEqual([...SHARED_CONTRIBUTION_MAGIC]);
      const decoded = decodeSharedContribution(body, task.vectorLength);
      expect(decoded.ok, decoded.ok ? '' : decoded.message).toBe(true);
      if (!decoded.ok) continue;
      const upload = decoded.contribution;
      ids.add(Buffer.from(upload.id).toString('hex'));
      // What the leader holds: a share that is uniform on Z_2^32: centred RMS 2^31/√3 ≈ 1.24e9, whose
      // estimate over n coordinates has a relative standard deviation ≈ 0.45/√n; 5 of those below is
      // a false failure of < 1e-6, while a share that were the device's vector sits ~10^5 below.
      let shareSquares = 0;
      for (const v of upload.leaderShare) shareSquares += centered(v) ** 2;
      const uniformRms = 2 ** 31 / Math.sqrt(3);
      expect(Math.sqrt(shareSquares / task.vectorLength), `${task.task}: the leader's share looks uniform`).toBeGreaterThan(uniformRms * (1 - 5 * 0.45 / Math.sqrt(task.vectorLength)));
      // Only the helper's key opens the seed; with it, the two shares add up to the device's vector.
      const seed = await openHelperSeed(opener, { id: upload.id, modelVersion: upload.modelVersion, vectorLength: task.vectorLength, keyId: upload.keyId, roundId: roundIdOf(c.url), sealed: upload.sealedSeed });
      expect(seed, `${task.task}: the sealed seed opens with the helper's key and the upload's fields`).not.toBeNull();
      if (!seed) continue;
      const helperShare = await helperShareOf(seed, task.vectorLength);
      let zeros = 0;
      let squares = 0;
      for (let k = 0; k < task.vectorLength; k++) {
        const x = centered(upload.leaderShare[k]! + helperShare[k]!);
        if (x === 0) zeros++;
        squares += x * x;
      }
      // Clipped (C/g grid steps) plus the device's noise share: far below a share's norm.
      expect(Math.sqrt(squares), `${task.task}: the rebuilt vector is a clipped, noised update`).toBeLessThan(1e-3 * Math.sqrt(shareSquares));
      // Dense: a sparse vector would tell which rows were touched (the noise fills every coordinate).
      if (task.vectorLength > 100) expect(zeros / task.vectorLength, `${task.task}: dense`).toBeLessThan(0.05);
      for (const secret of secrets) {
        for (const encoded of encodings(secret)) expect(body.includes(encoded), `contribution contains ${JSON.stringify(secret)}`).toBe(false);
      }
      expect(c.headers['cookie']).toBeUndefined();
      expect(c.headers['content-type']).toBe('application/octet-stream');
      // The URL carries only the round id the server assigned.
      for (const secret of secrets) expect(decodeURIComponent(c.url).toLowerCase()).not.toContain(secret.toLowerCase());
    }
    expect(ids.size, 'contribution ids are random per contribution').toBe(contributions.length);

    // No request to the aggregator's API carries a cookie or a journey string in its URL; no cookies at all.
    for (const r of captured.filter((q) => new URL(q.url).pathname.startsWith('/v1/'))) {
      expect(r.headers['cookie'], `${r.method} ${r.url}`).toBeUndefined();
      for (const secret of journeys.flatMap((j) => [j.search, ...j.films.map((m) => m.title)])) {
        expect(decodeURIComponent(r.url).toLowerCase()).not.toContain(secret.toLowerCase());
      }
    }
    for (const visitor of visitors) expect(await visitor.context.cookies()).toEqual([]);

    // The browsers sent the helper nothing: they only read its published keys.
    const toHelper = captured.filter((r) => r.url.startsWith(helperOrigin));
    expect(toHelper.length, 'each Worker fetched the helper key list').toBeGreaterThan(0);
    for (const r of toHelper) expect(`${r.method} ${new URL(r.url).pathname}`).toBe('GET /v1/hpke-config');
    // The leader released the round from the helper's aggregate share: the helper reports it collected.
    const helperStats = (await (await fetch(`${helperOrigin}/v1/stats`)).json()) as HelperStatsResponse;
    expect(helperStats.rounds.find((r) => r.roundId === before.roundId)?.collected, `the helper released round ${before.roundId} over 2 contributions`).toBe(2);
    expect(consoleMessages).toEqual([]);
  });
});
