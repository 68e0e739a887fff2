/**
 * `npm run loadtest`: several aggregator instances of each role on a real PostgreSQL server (fsync
 * on, started here), simulated devices uploading real-size secret-shared contributions (INK2,
 * 2,588 coordinates, sealed to the helper's key, as the SDK sends them) as fast as the instances
 * take them, and — in the fault phase — one instance of either role killed with SIGKILL and
 * restarted at random moments. Three phases, side by side in one run:
 *
 * 1. reference: 1 leader + 1 helper, no faults;
 * 2. scaled: 3 leaders (one database) + 2 helpers (another), no faults;
 * 3. faults: as 2, with ≥ 20 kills.
 *
 * A device spreads its uploads over the leaders round-robin, as a balancer would; an upload that
 * gets no answer, or a 5xx, is sent again — the same bytes, so the same id — to the next leader
 * until it gets a definitive answer: 202 (stored once, whether this try or an earlier one stored
 * it) or 409 (its round closed without it). Leader i reaches helper i mod 2. At the end of each
 * phase the open round is topped up to its minimum and closed, and every round is checked in the
 * leader's database: its contribution count and the SHA-256 of its released sum
 * (server/rounds/sum-digest.ts) must equal those of exactly the uploads answered 202 — none lost,
 * none counted twice.
 *
 * Printed per phase: contributions/s, request latency p50/p99 (202 answers) and delivery latency
 * (first try to definitive answer, retries included), WAL bytes and retained database bytes per
 * contribution, CPU per contribution per role and of PostgreSQL, resident memory per instance.
 *
 *   npm run loadtest                          # the three phases, 30 + 30 + 120 s
 *   npm run loadtest -- --seconds 60 --fault-seconds 180 --in-flight 32
 *   npm run loadtest -- --memory 600          # only: 3 + 2 instances at full speed for 600 s, memory per instance
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { secureRandom } from '../../core/dp/random.js';
import type { TaskDescriptor, TasksResponse } from '../../core/protocol/aggregator.js';
import { parseHpkeConfigList, type HpkeKeyConfig } from '../../core/secagg/hpke.js';
import { buildSharedUpload } from '../../core/secagg/upload.js';
import { sumDigest } from '../../server/rounds/sum-digest.js';
import { startTestPostgres, type TestPostgres } from '../../server/storage/postgres.testkit.js';
import { honestValues, randomId } from '../../server/testkit.js';
import { LOADTEST_ROUND } from './settings.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INSTANCE = join(root, 'bench', 'loadtest', 'instance.ts');
const TASK = 'item-popularity';
/** Distinct privatized vectors the devices draw from (privatizing 2,588 coordinates per upload would make the load generator the bottleneck). */
const VECTORS = 32;
/** Items a simulated device viewed (the popularity task's one-hot per item, 1/√k each). */
const ITEMS_PER_DEVICE = 5;
/** An upload still without a definitive answer after this long is reported as undecided. */
const DELIVERY_LIMIT_MS = 60_000;
const PEER_TOKEN = randomBytes(24).toString('base64url');
const CLOCK_TICKS = 100;
const random = secureRandom();
/** A uniform fraction in [0, 1) (timing jitter). */
const fraction = (): number => random.nextUint32() / 2 ** 32;

interface Options {
  readonly seconds: number;
  readonly faultSeconds: number;
  readonly inFlight: number;
  readonly kills: number;
  readonly memorySeconds: number | null;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const parsed = Number(argv[i + 1]);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new RangeError(`${flag} must be a positive number; got ${JSON.stringify(argv[i + 1])}`);
    return parsed;
  };
  return {
    seconds: value('--seconds', 30),
    faultSeconds: value('--fault-seconds', 120),
    inFlight: Math.round(value('--in-flight', 24)),
    kills: Math.round(value('--kills', 24)),
    memorySeconds: argv.includes('--memory') ? value('--memory', 600) : null,
  };
}

// ------------------------------------------------------------------------------------------------
// Instances

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** /proc/PID/stat: CPU seconds (user + system, and reaped children's with `children`). */
function cpuSeconds(pid: number, children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 0; utime 11, stime 12, cutime 13, cstime 14.
    const own = Number(fields[11]) + Number(fields[12]);
    return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line === undefined ? null : Number(line.split(/\s+/)[1]) / 1024;
  } catch {
    return null;
  }
}

/** One instance: a port it keeps across restarts, the CPU its killed processes used, its memory samples. */
class Instance {
  private child: ChildProcess | null = null;
  private cpuOfKilled = 0;
  /** [seconds since the phase started, RSS MB] of the current process. */
  samples: [number, number][] = [];
  kills = 0;

  constructor(readonly role: 'leader' | 'helper', readonly port: number, private readonly args: readonly string[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import=tsx', INSTANCE, this.role, String(this.port), ...this.args], {
      cwd: root,
      env: { ...process.env, INKLING_PEER_TOKEN: PEER_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes(`listening ${this.port}`)) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => reject(new Error(`${this.role} on ${this.port} exited before listening (${signal ?? code}): ${stderr}`)));
    });
    this.samples = [];
  }

  /** SIGKILL, no warning: what a crash or an OOM kill does. */
  kill(): void {
    if (this.child === null) return;
    this.cpuOfKilled += cpuSeconds(this.child.pid!);
    this.child.kill('SIGKILL');
    this.child = null;
    this.kills++;
  }

  sample(at: number): void {
    const mb = this.child?.pid === undefined ? null : rssMb(this.child.pid);
    if (mb !== null) this.samples.push([at, mb]);
  }

  cpu(): number {
    return this.cpuOfKilled + (this.child?.pid === undefined ? 0 : cpuSeconds(this.child.pid));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.cpuOfKilled += cpuSeconds(child.pid!);
    this.child = null;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Devices

interface Answer {
  readonly status: number;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function http(url: string, method: 'GET' | 'POST', path: string, body?: Uint8Array, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, timeout: timeoutMs, headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the devices sent and what they were told, per round: the expected released sums. */
class Ledger {
  readonly rounds = new Map<string, { count: number; sum: Float64Array }>();
  accepted = 0;
  refused = 0;
  undecided = 0;
  retries = 0;
  readonly requestMs: number[] = [];
  readonly deliveryMs: number[] = [];

  accept(roundId: string, values: Int32Array): void {
    let round = this.rounds.get(roundId);
    if (round === undefined) this.rounds.set(roundId, (round = { count: 0, sum: new Float64Array(values.length) }));
    round.count++;
    for (let i = 0; i < values.length; i++) round.sum[i] = round.sum[i]! + values[i]!;
    this.accepted++;
  }
}

class Devices {
  private next = 0;
  private round: TaskDescriptor | null = null;
  private key: HpkeKeyConfig | null = null;
  private vectors: Int32Array[] = [];
  readonly ledger = new Ledger();

  constructor(private readonly leaders: readonly Instance[], private readonly helpers: readonly Instance[]) {}

  /** The current round, from whichever leader answers (a frozen round is listed by none: wait). */
  async currentRound(stale?: string): Promise<TaskDescriptor> {
    if (this.round !== null && this.round.roundId !== stale) return this.round;
    for (let attempt = 0; ; attempt++) {
      const leader = this.leaders[(this.next++) % this.leaders.length]!;
      try {
        const answer = await http(leader.url, 'GET', '/v1/tasks');
        const found = answer.status === 200 ? (JSON.parse(answer.body) as TasksResponse).tasks.find((t) => t.task === TASK) : undefined;
        if (found !== undefined && found.roundId !== stale) return (this.round = found);
      } catch {
        // that leader is down: the next one
      }
      await sleep(Math.min(200, 20 * (attempt + 1)));
    }
  }

  async prepare(): Promise<void> {
    for (const helper of this.helpers) {
      try {
        this.key = parseHpkeConfigList(JSON.parse((await http(helper.url, 'GET', '/v1/hpke-config')).body)).configs[0]!;
        break;
      } catch {
        // next helper
      }
    }
    if (this.key === null) throw new Error('no helper published its HPKE keys');
    const descriptor = await this.currentRound();
    const n = descriptor.vectorLength;
    this.vectors = Array.from({ length: VECTORS }, () => {
      const update = new Float32Array(n);
      for (let k = 0; k < ITEMS_PER_DEVICE; k++) update[random.uniformBelow(n)] = 1 / Math.sqrt(ITEMS_PER_DEVICE);
      return honestValues(descriptor, update);
    });
  }

  /** One device's upload to `descriptor`'s round, sent until it gets a definitive answer; true if stored. */
  async upload(descriptor: TaskDescriptor): Promise<'accepted' | 'refused' | 'undecided'> {
    const values = this.vectors[random.uniformBelow(this.vectors.length)]!;
    const body = await buildSharedUpload({ values, id: randomId(), modelVersion: descriptor.model.version, roundId: descriptor.roundId, helperKey: this.key!, random });
    const path = `/v1/rounds/${encodeURIComponent(descriptor.roundId)}/contributions`;
    const first = performance.now();
    for (let attempt = 0; performance.now() - first < DELIVERY_LIMIT_MS; attempt++) {
      if (attempt > 0) {
        this.ledger.retries++;
        await sleep(Math.min(500, 25 * attempt));
      }
      const leader = this.leaders[(this.next++) % this.leaders.length]!;
      const sent = performance.now();
      let answer: Answer;
      try {
        answer = await http(leader.url, 'POST', path, body);
      } catch {
        continue; // no answer: it may or may not be stored; the same bytes again settle it
      }
      if (answer.status === 202) {
        this.ledger.requestMs.push(performance.now() - sent);
        this.ledger.deliveryMs.push(performance.now() - first);
        this.ledger.accept(descriptor.roundId, values);
        return 'accepted';
      }
      if (answer.status === 409) {
        this.ledger.refused++;
        return 'refused';
      }
      if (answer.status >= 500) continue;
      throw new Error(`upload refused with ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
    this.ledger.undecided++;
    return 'undecided';
  }

  /** `inFlight` devices uploading back to back until `until()` says stop. */
  async run(inFlight: number, until: () => boolean): Promise<void> {
    await Promise.all(Array.from({ length: inFlight }, async () => {
      let stale: string | undefined;
      while (!until()) {
        const descriptor = await this.currentRound(stale);
        stale = (await this.upload(descriptor)) === 'refused' ? descriptor.roundId : undefined;
      }
    }));
  }

  /** Tops the open round up to its minimum so that it closes, and waits until every round the devices reached is closed. */
  async drain(db: pg.Client): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await db.query<{ round_id: string; contributions: number }>("SELECT round_id, contributions FROM rounds WHERE task = $1 AND outcome = 'open'", [TASK]);
      const open = rows[0];
      if (open === undefined || !this.ledger.rounds.has(open.round_id)) return;
      if (Date.now() > deadline) throw new Error(`round ${open.round_id} did not close within 120 s of the end of the load`);
      if (open.contributions < LOADTEST_ROUND.minContributions) {
        const descriptor = await this.currentRound();
        if (descriptor.roundId === open.round_id) await this.upload(descriptor);
      } else await sleep(200);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// One phase

interface PhaseResult {
  readonly name: string;
  readonly leaders: number;
  readonly helpers: number;
  readonly seconds: number;
  readonly ledger: Ledger;
  readonly kills: { readonly leader: number; readonly helper: number };
  readonly cpu: { readonly leader: number; readonly helper: number; readonly postgres: number };
  readonly walBytes: number;
  readonly retainedBytes: number;
  readonly check: { readonly rounds: number; readonly lost: number; readonly doubled: number; readonly digestMismatches: number; readonly unexpected: number };
  readonly memory: readonly { readonly name: string; readonly startMb: number; readonly maxMb: number; readonly endMb: number; readonly slopeMbPerMin: number }[];
}

async function phase(postgres: TestPostgres, postmasterPid: number, name: string, shape: { leaders: number; helpers: number; seconds: number; kills: number }, inFlight: number): Promise<PhaseResult> {
  const tag = name.replace(/[^a-z]/g, '');
  const [leaderDb, helperDb] = [await postgres.createDatabase(`lt_${tag}_leader`), await postgres.createDatabase(`lt_${tag}_helper`)];
  const admin = new pg.Client({ connectionString: leaderDb });
  await admin.connect();
  const helpers = await Promise.all(Array.from({ length: shape.helpers }, async () => new Instance('helper', await freePort(), [helperDb])));
  // The first helper makes the key; the others load it (they would agree if started together too).
  for (const helper of helpers) await helper.start();
  const leaders = await Promise.all(Array.from({ length: shape.leaders }, async (_, i) => new Instance('leader', await freePort(), [leaderDb, helpers[i % helpers.length]!.url])));
  await Promise.all(leaders.map((l) => l.start()));
  const devices = new Devices(leaders, helpers);
  await devices.prepare();

  const walBefore = await walBytes(admin);
  const sizeBefore = await databaseBytes(admin, [leaderDb, helperDb]);
  const cpuBefore = { leader: sum(leaders.map((l) => l.cpu())), helper: sum(helpers.map((h) => h.cpu())), postgres: cpuSeconds(postmasterPid, true) + backendsCpu(postmasterPid) };
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  let stop = false;
  const sampler = setInterval(() => [...leaders, ...helpers].forEach((i) => i.sample(elapsed())), 2000);

  // Faults: one instance at a time, alternating roles, at random moments spread over the phase.
  const chaos = (async () => {
    if (shape.kills === 0) return;
    const gap = (shape.seconds * 1000) / (shape.kills + 1);
    for (let k = 0; k < shape.kills && !stop; k++) {
      await sleep(gap * (0.5 + fraction()));
      if (stop) break;
      const pool = k % 2 === 0 ? leaders : helpers;
      const victim = pool[random.uniformBelow(pool.length)]!;
      victim.kill();
      await sleep(200 + fraction() * 1300);
      await victim.start();
    }
  })();

  await devices.run(inFlight, () => stop || elapsed() >= shape.seconds);
  stop = true;
  const loadSeconds = elapsed();
  await chaos;
  clearInterval(sampler);
  const cpuAfter = { leader: sum(leaders.map((l) => l.cpu())), helper: sum(helpers.map((h) => h.cpu())), postgres: cpuSeconds(postmasterPid, true) + backendsCpu(postmasterPid) };
  const walAfter = await walBytes(admin);
  await devices.drain(admin);
  const check = await verify(admin, devices.ledger);
  const sizeAfter = await databaseBytes(admin, [leaderDb, helperDb]);
  await admin.end();
  const memory = [...leaders, ...helpers].map((i, n) => ({ name: `${i.role} ${n < leaders.length ? n + 1 : n - leaders.length + 1}`, ...memoryTrend(i.samples) }));
  await Promise.all([...leaders, ...helpers].map((i) => i.stop()));
  return {
    name,
    leaders: shape.leaders,
    helpers: shape.helpers,
    seconds: loadSeconds,
    ledger: devices.ledger,
    kills: { leader: sum(leaders.map((l) => l.kills)), helper: sum(helpers.map((h) => h.kills)) },
    cpu: { leader: cpuAfter.leader - cpuBefore.leader, helper: cpuAfter.helper - cpuBefore.helper, postgres: cpuAfter.postgres - cpuBefore.postgres },
    walBytes: walAfter - walBefore,
    retainedBytes: sizeAfter - sizeBefore,
    check,
    memory,
  };
}

/** Every round the devices were told stored their upload, against the leader's database. */
async function verify(db: pg.Client, ledger: Ledger): Promise<PhaseResult['check']> {
  const { rows } = await db.query<{ round_id: string; outcome: string; contributions: number; sum_sha256: string | null }>(
    'SELECT round_id, outcome, contributions, sum_sha256 FROM rounds WHERE task = $1',
    [TASK],
  );
  const byId = new Map(rows.map((r) => [r.round_id, r]));
  let lost = 0;
  let doubled = 0;
  let digestMismatches = 0;
  for (const [roundId, expected] of ledger.rounds) {
    const row = byId.get(roundId);
    if (row === undefined || row.outcome !== 'aggregated') {
      lost += expected.count;
      continue;
    }
    if (row.contributions < expected.count) lost += expected.count - row.contributions;
    if (row.contributions > expected.count) doubled += row.contributions - expected.count;
    if (row.sum_sha256 !== sumDigest(expected.sum)) digestMismatches++;
  }
  // Contributions in rounds no device was told about (only an undecided upload could explain one).
  const unexpected = sum(rows.filter((r) => !ledger.rounds.has(r.round_id)).map((r) => r.contributions));
  return { rounds: ledger.rounds.size, lost, doubled, digestMismatches, unexpected };
}

async function walBytes(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ wal_bytes: string }>('SELECT wal_bytes FROM pg_stat_wal');
  return Number(rows[0]!.wal_bytes);
}

async function databaseBytes(db: pg.Client, urls: readonly string[]): Promise<number> {
  const names = urls.map((u) => new URL(u).pathname.slice(1));
  const { rows } = await db.query<{ bytes: string }>('SELECT SUM(pg_database_size(datname)) AS bytes FROM pg_database WHERE datname = ANY($1)', [names]);
  return Number(rows[0]!.bytes);
}

/** CPU of the PostgreSQL backends still running (reaped ones are in the postmaster's cutime). */
function backendsCpu(postmasterPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmasterPid) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

/** RSS after the first fifth of the run, the maximum, the last, and the least-squares slope over the last four fifths. */
function memoryTrend(samples: readonly [number, number][]): { startMb: number; maxMb: number; endMb: number; slopeMbPerMin: number } {
  if (samples.length === 0) return { startMb: NaN, maxMb: NaN, endMb: NaN, slopeMbPerMin: NaN };
  const tail = samples.slice(Math.floor(samples.length / 5));
  const n = tail.length;
  const mx = sum(tail.map(([t]) => t)) / n;
  const my = sum(tail.map(([, m]) => m)) / n;
  const slope = n < 2 ? 0 : sum(tail.map(([t, m]) => (t - mx) * (m - my))) / sum(tail.map(([t]) => (t - mx) ** 2));
  return { startMb: tail[0]![1], maxMb: Math.max(...samples.map(([, m]) => m)), endMb: samples[samples.length - 1]![1], slopeMbPerMin: slope * 60 };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ------------------------------------------------------------------------------------------------

function report(results: readonly PhaseResult[]): boolean {
  const f = (v: number, digits = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log('\n| phase | instances | seconds | contributions | per second | request p50 / p99 | delivery p50 / p99 | retries | kills (leader + helper) | WAL bytes / contribution | retained bytes / contribution | CPU ms / contribution: leaders, helpers, PostgreSQL |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const n = r.ledger.accepted;
    console.log(`| ${r.name} | ${r.leaders} leaders + ${r.helpers} helpers | ${f(r.seconds)} | ${f(n)} | ${f(n / r.seconds)} | ${f(quantile(r.ledger.requestMs, 0.5), 1)} / ${f(quantile(r.ledger.requestMs, 0.99), 1)} ms | ${f(quantile(r.ledger.deliveryMs, 0.5), 1)} / ${f(quantile(r.ledger.deliveryMs, 0.99), 1)} ms | ${f(r.ledger.retries)} | ${r.kills.leader} + ${r.kills.helper} | ${f(r.walBytes / n)} | ${f(r.retainedBytes / n)} | ${f((1000 * r.cpu.leader) / n, 2)}, ${f((1000 * r.cpu.helper) / n, 2)}, ${f((1000 * r.cpu.postgres) / n, 2)} |`);
  }
  console.log('\nExactness (each round in the leader\'s database against the uploads answered 202):\n');
  console.log('| phase | rounds | contributions answered 202 | lost | counted twice | released-sum SHA-256 mismatches | in no acknowledged round | answered 409 (round closed) | undecided after 60 s |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  let ok = true;
  for (const r of results) {
    const c = r.check;
    if (c.lost + c.doubled + c.digestMismatches + c.unexpected + r.ledger.undecided > 0) ok = false;
    console.log(`| ${r.name} | ${f(c.rounds)} | ${f(r.ledger.accepted)} | ${c.lost} | ${c.doubled} | ${c.digestMismatches} | ${c.unexpected} | ${f(r.ledger.refused)} | ${r.ledger.undecided} |`);
  }
  console.log('\nResident memory per instance (MB: after the first fifth, max, end; slope over the last four fifths):\n');
  for (const r of results) {
    console.log(`${r.name}: ${r.memory.map((m) => `${m.name} ${f(m.startMb)} / ${f(m.maxMb)} / ${f(m.endMb)} (${m.slopeMbPerMin >= 0 ? '+' : ''}${f(m.slopeMbPerMin, 2)} MB/min)`).join('; ')}`);
  }
  return ok;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cores = (await import('node:os')).availableParallelism();
  console.log(`Load test: PostgreSQL (fsync on) started here; ${options.inFlight} uploads in flight; task ${TASK} (2,588 coordinates, INK2); rounds of ${LOADTEST_ROUND.minContributions}–${LOADTEST_ROUND.maxContributions} contributions or ${LOADTEST_ROUND.roundSeconds} s; everything on this machine's ${cores} cores.`);
  const postgres = await startTestPostgres({ fsync: true });
  const postmasterPid = postgres.pid;
  const results: PhaseResult[] = [];
  try {
    if (options.memorySeconds !== null) {
      results.push(await phase(postgres, postmasterPid, 'memory', { leaders: 3, helpers: 2, seconds: options.memorySeconds, kills: 0 }, options.inFlight));
    } else {
      results.push(await phase(postgres, postmasterPid, 'reference', { leaders: 1, helpers: 1, seconds: options.seconds, kills: 0 }, options.inFlight));
      results.push(await phase(postgres, postmasterPid, 'scaled', { leaders: 3, helpers: 2, seconds: options.seconds, kills: 0 }, options.inFlight));
      results.push(await phase(postgres, postmasterPid, 'faults', { leaders: 3, helpers: 2, seconds: options.faultSeconds, kills: options.kills }, options.inFlight));
    }
  } finally {
    agent.destroy();
    await postgres.stop();
  }
  const ok = report(results);
  const reference = results.find((r) => r.name === 'reference');
  const scaled = results.find((r) => r.name === 'scaled');
  if (reference !== undefined && scaled !== undefined) {
    const ratio = scaled.ledger.accepted / scaled.seconds / (reference.ledger.accepted / reference.seconds);
    console.log(`\nScaling: 3 + 2 instances / 1 + 1 = ${ratio.toFixed(2)} × on the same ${cores} cores (all instances, PostgreSQL and the load generator share them: more instances cannot add cores here; see docs/SCALING.md for the per-core figures).`);
  }
  console.log(ok ? '\nPASS: no contribution lost or counted twice.' : '\nFAIL: see the exactness table.');
  process.exitCode = ok ? 0 : 1;
}

await main();
