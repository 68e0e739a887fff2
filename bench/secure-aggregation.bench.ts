/**
 * What secure aggregation costs, side by side in one run, at the storefront's MF size
 * (2,588 items × (16 + 1) = 43,996 coordinates):
 *
 * 1. Bytes uploaded per contribution: the plain 4-bytes-per-coordinate vector, the INK1 upload
 *    (one aggregator sees the noised vector) and the INK2 upload (leader share + sealed helper
 *    seed). Target: INK2 ≤ 1.1 × 4 bytes per coordinate.
 * 2. Device time in Chromium (a page of the built core code, WebCrypto, one thread): privatize
 *    (clip, round, local noise) — needed either way — then frame it plain (INK1) or share + seal
 *    (INK2), alternating, median of 30 each.
 * 3. The aggregators, each in a child process of its own on loopback HTTP (one Node thread
 *    each), at the MF size and at the ALS statistics size (1,636): a single aggregator taking
 *    INK1 (the reference), then a leader + helper taking INK2 — the leader's contributions per
 *    CPU-second (framing, forwarding sealed seeds, durable commit of its share), the helper's
 *    (HPKE opens, durable seed rows), and the round close (collect from the helper, combine,
 *    FedAvg, new model). Target: ≥ 2,000 contributions/s per core for each role.
 *
 * Run: `node --import tsx bench/secure-aggregation.bench.ts` (needs /usr/bin/chromium).
 */
import { build } from 'esbuild';
import { fork, type ChildProcess } from 'node:child_process';
import { ask as askChild } from './child-ipc.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVectorSumMechanism } from '../core/dp/mechanisms/vector-sum.js';
import { secureRandom } from '../core/dp/random.js';
import { contributionByteLength, encodeContribution, type TaskDescriptor, type TasksResponse } from '../core/protocol/aggregator.js';
import { sharedContributionByteLength } from '../core/protocol/secure-aggregation.js';
import { parseHpkeConfigList, SEALED_SEED_BYTES } from '../core/secagg/hpke.js';
import { buildSharedUpload } from '../core/secagg/upload.js';
import { alsVectorLength } from '../core/models/als.js';
import { createAggregator } from '../server/aggregator.js';
import { createHelper } from '../server/secagg/create-helper.js';
import { ALS_SETTINGS } from '../server/tasks.js';
import { fedavgTask, TEST_CONFIG } from '../server/testkit.js';
import { launchContext } from '../test/support/chromium.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The storefront's MF size (2,588 items × 17), the issue's reference size. */
const D = 2588 * 17;
/** The ALS statistics size that ships (36 + 200 × 8). */
const ALS = alsVectorLength(ALS_SETTINGS.dim, ALS_SETTINGS.topK);
/** The aggregator loads: the MF size and the ALS size. */
const LOAD_SIZES = [D, ALS] as const;
/** Uploads in each timed load (pre-built: sealing is the device's cost, measured in part 2). */
const UPLOADS: Record<number, number> = { [D]: 1200, [ALS]: 4000 };
const WARM_UP = 100;
const IN_FLIGHT = 16;
const TARGET_PER_CORE = 2000;

type Mode = 'single' | 'leader' | 'helper';
type ChildMessage =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'cpu'; readonly micros: number }
  | { readonly kind: 'closed'; readonly ok: boolean; readonly ms: number };

const ask = <K extends ChildMessage['kind']>(child: ChildProcess, message: object, kind: K) => askChild<ChildMessage, K>(child, message, kind);

/** A task of `d` floats on the MF grid; rounds of 100 to 5,000 (a leader refuses a task whose honest sums could wrap Z_2^32). */
const benchTask = (d: number) => fedavgTask('bench', d, { clipNorm: 1, granularity: 1e-4, minContributions: 100, maxContributions: 5000 });
const ROUND = { minContributions: 100, maxContributions: 5000 };

/** One aggregator in this child process, answering CPU-time and close requests over IPC. */
async function serveChild(mode: Mode, d: number, dbPath: string, helperPort: number): Promise<void> {
  const { serve } = await import('@hono/node-server');
  const task = benchTask(d);
  // The children read the peer token from the environment (not argv).
  const peerToken = process.env['BENCH_PEER_TOKEN']!;
  let fetchApp: (request: Request) => Response | Promise<Response>;
  let close: (() => Promise<{ ok: boolean; ms: number }>) | undefined;
  if (mode === 'helper') {
    fetchApp = (await createHelper({ dbPath, allowedOrigins: [], ...ROUND, peerToken, rotateKey: false }, { tasks: [task] })).app.fetch;
  } else {
    const helperUrl = `http://127.0.0.1:${helperPort}`;
    const role = mode === 'leader' ? { kind: 'leader' as const, helperUrl, helperPublicUrl: helperUrl, peerToken } : { kind: 'single' as const };
    // The single reference runs without central noise, like the leader (no noise to prepare at close).
    const aggregator = await createAggregator({ ...TEST_CONFIG, dbPath, ...ROUND, roundSeconds: 86_400, centralNoiseMultiplier: 0, role }, { tasks: [task], timer: false });
    fetchApp = aggregator.app.fetch;
    close = async () => ({ ok: await aggregator.coordinator.closeRound(task.task), ms: aggregator.coordinator.lastCloseMs });
  }
  serve({ fetch: fetchApp, port: 0, hostname: '127.0.0.1' }, (info) => process.send!({ kind: 'listening', port: info.port } satisfies ChildMessage));
  process.on('message', (message: { kind: 'cpu' | 'close' | 'exit' }) => {
    if (message.kind === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!({ kind: 'cpu', micros: user + system } satisfies ChildMessage);
    } else if (message.kind === 'close') void close!().then((r) => process.send!({ kind: 'closed', ...r } satisfies ChildMessage));
    else process.exit(0);
  });
}

function startChild(mode: Mode, d: number, dbPath: string, helperPort = 0): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode, String(d), dbPath, String(helperPort)], {
    // BENCH_PROFILE=leader (or helper, single) writes a V8 CPU profile of that child to /tmp/prof.
    execArgv: ['--import=tsx', ...(process.env['BENCH_PROFILE'] === mode ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_PEER_TOKEN: PEER_TOKEN },
  });
  return new Promise((resolve) => child.once('message', (m: ChildMessage) => m.kind === 'listening' && resolve({ child, port: m.port })));
}
const PEER_TOKEN = randomBytes(24).toString('base64url');

function http(port: number, path: string, agent: Agent, body?: Uint8Array): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  readonly d: number;
  readonly mode: 'single' | 'leader';
  readonly uploads: number;
  readonly perCore: Readonly<Record<string, number>>;
  readonly wall: number;
  readonly closeMs: number;
}

/** Part 3: one load of pre-built uploads against a single aggregator (INK1) or a leader + helper (INK2), in child processes. */
async function load(mode: 'single' | 'leader', d: number): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-secagg-bench-'));
  const helper = mode === 'leader' ? await startChild('helper', d, join(dir, 'helper.sqlite')) : null;
  const server = await startChild(mode, d, join(dir, `${mode}.sqlite`), helper?.port ?? 0);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const tasks = JSON.parse((await http(server.port, '/v1/tasks', agent)).body.toString()) as TasksResponse;
    const task: TaskDescriptor = tasks.tasks[0]!;
    const key = helper ? parseHpkeConfigList(JSON.parse((await http(helper.port, '/v1/hpke-config', agent)).body.toString())).configs[0]! : null;
    const random = secureRandom();
    const mechanism = createVectorSumMechanism({ dimension: d, clipNorm: task.clipNorm, granularity: task.granularity, noiseStddev: task.localNoiseStddev }, random);
    const values = mechanism.release(new Float32Array(d).map((_, i) => Math.sin(i) * (0.5 / Math.sqrt(d)))).output;
    const path = `/v1/rounds/${task.roundId}/contributions`;
    const build = async (): Promise<Uint8Array> => {
      const id = new Uint8Array(16);
      random.fillBytes(id);
      return key ? buildSharedUpload({ values, id, modelVersion: task.model.version, roundId: task.roundId, helperKey: key, random }) : encodeContribution({ id, modelVersion: task.model.version, values });
    };
    for (let i = 0; i < WARM_UP; i++) if ((await http(server.port, path, agent, await build())).status !== 202) throw new Error('warm-up upload refused');
    const total = UPLOADS[d]!;
    const uploads: Uint8Array[] = [];
    for (let i = 0; i < total; i++) uploads.push(await build());
    const children = { [mode]: server.child, ...(helper ? { helper: helper.child } : {}) };
    const cpuBefore = Object.fromEntries(await Promise.all(Object.entries(children).map(async ([name, child]) => [name, (await ask(child, { kind: 'cpu' }, 'cpu')).micros] as const)));
    let next = 0;
    let refused = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < uploads.length) if ((await http(server.port, path, agent, uploads[next++]!)).status !== 202) refused++;
    }));
    const wall = total / ((performance.now() - started) / 1000);
    if (refused > 0) throw new Error(`${refused} uploads were refused`);
    const perCore: Record<string, number> = {};
    for (const [name, child] of Object.entries(children)) perCore[name] = total / (((await ask(child, { kind: 'cpu' }, 'cpu')).micros - cpuBefore[name]!) / 1e6);
    const closed = await ask(server.child, { kind: 'close' }, 'closed');
    if (!closed.ok) throw new Error('the round did not close');
    return { d, mode, uploads: total, perCore, wall, closeMs: closed.ms };
  } finally {
    agent.destroy();
    for (const started of [server, helper]) started?.child.send({ kind: 'exit' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function aggregators(): Promise<void> {
  const results: LoadResult[] = [];
  // BENCH_SIZE=1636 measures one size only (e.g. with BENCH_PROFILE).
  const sizes = process.env['BENCH_SIZE'] ? [Number(process.env['BENCH_SIZE'])] : LOAD_SIZES;
  for (const d of sizes) for (const mode of ['single', 'leader'] as const) results.push(await load(mode, d));
  console.log(`\nAggregators, each in its own child process (one Node thread), ${IN_FLIGHT} uploads in flight over loopback HTTP after ${WARM_UP} warm-up uploads, SQLite WAL synchronous=NORMAL (durable across kill -9).`);
  console.log('"Per core" = contributions ÷ CPU time (user + system) that process used: what one dedicated core sustains.\n');
  console.log('| d | aggregator | contributions | per core | CPU per contribution | target | wall clock (all on 2 shared cores) | round close | result |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    for (const [name, rate] of Object.entries(r.perCore)) {
      const secure = r.mode === 'leader';
      const label = secure ? `${name} (${name === 'leader' ? 'INK2: framing, forwarding the sealed seeds, durable share commit' : 'HPKE opens, durable seed rows'})` : 'single (INK1, the reference without secure aggregation)';
      const verdict = secure ? (rate >= TARGET_PER_CORE ? 'PASS' : 'FAIL') : '(reference)';
      console.log(`| ${r.d.toLocaleString('en-US')} | ${label} | ${r.uploads.toLocaleString('en-US')} | ${Math.round(rate).toLocaleString('en-US')}/s | ${(1000 / rate).toFixed(2)} ms | ${secure ? `≥ ${TARGET_PER_CORE.toLocaleString('en-US')}/s` : ''} | ${name === r.mode ? `${Math.round(r.wall).toLocaleString('en-US')}/s` : ''} | ${name === r.mode ? `${r.closeMs.toFixed(0)} ms` : ''} | ${verdict} |`);
    }
  }
  console.log('\nThe leader\'s close collects the helper\'s aggregate share (one seed expansion per contribution), combines, averages and writes the new model.');
}

if (process.argv[2] === '--serve') {
  await serveChild(process.argv[3] as Mode, Number(process.argv[4]), process.argv[5]!, Number(process.argv[6]));
} else {
  await main();
}

async function main(): Promise<void> {

  // ---------------------------------------------------------------------------------------------
  // 1. Bytes

  const plain = 4 * D;
  const ink1 = contributionByteLength(D);
  const ink2 = sharedContributionByteLength(D, SEALED_SEED_BYTES);
  console.log(`MF task: d = ${D.toLocaleString('en-US')} coordinates.\n`);
  console.log('| upload | bytes | ÷ 4 bytes per coordinate | target |');
  console.log('|---|---|---|---|');
  console.log(`| plain vector (4 bytes per coordinate) | ${plain.toLocaleString('en-US')} | 1.0000 | |`);
  console.log(`| INK1: noised vector to one aggregator | ${ink1.toLocaleString('en-US')} | ${(ink1 / plain).toFixed(4)} | |`);
  console.log(`| INK2: leader share + HPKE-sealed helper seed | ${ink2.toLocaleString('en-US')} | ${(ink2 / plain).toFixed(4)} | ≤ 1.1 |`);

  // ---------------------------------------------------------------------------------------------
  // 2. Device time in Chromium

  const PAGE_SOURCE = `
  import { createVectorSumMechanism } from './core/dp/mechanisms/vector-sum.ts';
  import { secureRandom } from './core/dp/random.ts';
  import { encodeContribution } from './core/protocol/aggregator.ts';
  import { generateHpkeKeyPair } from './core/secagg/hpke.ts';
  import { buildSharedUpload } from './core/secagg/upload.ts';

  const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  window.measure = async (d, rounds) => {
    const random = secureRandom();
    const { config } = await generateHpkeKeyPair(1);
    // The MF task's grid (clip 1, granularity 1e-4) and a distributed-noise share of σ ≈ 900 grid steps.
    const mechanism = createVectorSumMechanism({ dimension: d, clipNorm: 1, granularity: 1e-4, noiseStddev: 900 }, random);
    const update = new Float32Array(d).map((_, i) => Math.sin(i) * 0.004);
    const privatize = [], plain = [], shared = [];
    for (let r = 0; r < rounds + 3; r++) {
      let t = performance.now();
      const values = mechanism.release(update).output;
      const p = performance.now() - t;
      const id = new Uint8Array(16); crypto.getRandomValues(id);
      t = performance.now();
      encodeContribution({ id, modelVersion: 3, values });
      const a = performance.now() - t;
      t = performance.now();
      await buildSharedUpload({ values, id, modelVersion: 3, roundId: 'mf-items-v3-bench', helperKey: config, random });
      const b = performance.now() - t;
      if (r >= 3) { privatize.push(p); plain.push(a); shared.push(b); }
    }
    return { privatize: median(privatize), plain: median(plain), shared: median(shared) };
  };
  `;

  const bundle = await build({
    stdin: { contents: PAGE_SOURCE, resolveDir: root, loader: 'js', sourcefile: 'secagg-bench-page.js' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    minify: true,
  });
  const pageJs = bundle.outputFiles[0]!.text;
  const server = createServer((request, response) => {
    if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(pageJs);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchContext();
  try {
    const tab = await browser.context.newPage();
    await tab.goto(origin + '/');
    await tab.waitForFunction(() => 'measure' in window);
    const m = await tab.evaluate(([d, rounds]) => (window as unknown as { measure(d: number, r: number): Promise<{ privatize: number; plain: number; shared: number }> }).measure(d, rounds), [D, 30] as const);
    console.log('\nDevice, Chromium page (main thread of a bare page; the SDK does this in its Worker), median of 30:\n');
    console.log('| step | ms |');
    console.log('|---|---|');
    console.log(`| privatize: clip, conditional rounding, discrete Gaussian noise (either upload) | ${m.privatize.toFixed(1)} |`);
    console.log(`| INK1: frame the noised vector | ${m.plain.toFixed(2)} |`);
    console.log(`| INK2: share (AES-CTR PRG, subtract mod 2^32) + HPKE seal + frame | ${m.shared.toFixed(2)} |`);
    console.log(`| secure aggregation's extra device time ÷ privatize | ${((m.shared - m.plain) / m.privatize).toFixed(3)} |`);
  } finally {
    await browser.close();
    server.close();
}
  await aggregators();
}
