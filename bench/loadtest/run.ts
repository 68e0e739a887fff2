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
 * (first try to definitive answer, retries included), WAL bytes, database growth and the id row
 * kept per contribution, CPU per contribution per role and of PostgreSQL; per instance its CPU
 * and its memory (RSS, V8 heap, external buffers, native), with slopes. `--in-flight N` is per
 * leader instance (default 24).
 *
 *   npm run loadtest                          # the three phases, 30 + 30 + 120 s
 *   npm run loadtest -- --seconds 60 --fault-seconds 180 --in-flight 32
 *   npm run loadtest -- --memory 600          # only: 3 + 2 instances at full speed for 600 s, memory per instance
 *   npm run loadtest -- --memory 600 --sqlite # the same with 1 + 1 on SQLite files
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { secureRandom } from '../../core/dp/random.js';
import type { TaskDescriptor, TasksResponse } from '../../core/protocol/aggregator.js';
import { parseHpkeConfigList, type HpkeKeyConfig } from '../../core/secagg/hpke.js';
import { buildSharedUpload } from '../../core/secagg/upload.js';
import { sumDigest } from '../../server/rounds/sum-digest.js';
import { startTestPostgres, type TestPostgres } from '../../server/storage/postgres.testkit.js';
import { honestValues, randomId } from '../../server/testkit.js';
import { postgresLeaderDatabase, sqliteLeaderDatabase, type LeaderDatabase } from './leader-database.js';
import { LOADTEST_ROUND, MEMORY_ROUND, roundEnvironment, THROUGHPUT_ROUND, type LoadtestRound } from './settings.js';
import { freePort } from '../../test/support/free-port.js';

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
  /** The memory run on SQLite (1 leader + 1 helper), where the issue measured growth. */
  readonly sqlite: boolean;
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
    sqlite: argv.includes('--sqlite'),
  };
}

// ------------------------------------------------------------------------------------------------
// Instances


/** /proc/PID/stat: the parent's pid, and CPU seconds (user + system) of the process and of its reaped children; null once it has exited. */
function procStat(pid: number | string): { readonly ppid: number; readonly own: number; readonly reaped: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 0, ppid 1; utime 11, stime 12, cutime 13, cstime 14.
    return { ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, reaped: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** CPU seconds of a process (with `children`, also of its reaped children); 0 once it has exited. */
function cpuSeconds(pid: number, children = false): number {
  const stat = procStat(pid);
  return stat === null ? 0 : stat.own + (children ? stat.reaped : 0);
}

/** One memory line of an instance (./instance.ts prints one every 2 s). */
interface MemorySample {
  /** performance.now() of the driver when it arrived. */
  readonly at: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** Buffers and typed arrays outside the V8 heap (process.memoryUsage().external). */
  readonly externalMb: number;
  /** RSS − the V8 heap's reserved pages − external: native allocations (SQLite, the allocator, code). */
  readonly nativeMb: number;
}

/** One instance: a port it keeps across restarts, the CPU its killed processes used, its memory samples, its round closes. */
class Instance {
  private child: ChildProcess | null = null;
  private cpuOfKilled = 0;
  /** The current process's memory lines. */
  samples: MemorySample[] = [];
  kills = 0;
  closes = 0;

  constructor(readonly role: 'leader' | 'helper', readonly port: number, private readonly args: readonly string[], private readonly round: LoadtestRound) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // LOADTEST_PROFILE=leader (or helper) writes a V8 CPU profile of each such instance to /tmp/prof when it stops.
    const profile = process.env['LOADTEST_PROFILE'] === this.role ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
    const child = spawn(process.execPath, [...profile, '--import=tsx', INSTANCE, this.role, String(this.port), ...this.args], {
      cwd: root,
      env: { ...process.env, INKLING_PEER_TOKEN: PEER_TOKEN, ...roundEnvironment(this.round) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.samples = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === `listening ${this.port}`) resolve();
        else if (line.startsWith('closed ')) this.closes++;
        else if (line.startsWith('memory ')) {
          const m = JSON.parse(line.slice(7)) as { rss: number; heapTotal: number; heapUsed: number; external: number };
          const mb = (bytes: number): number => bytes / 2 ** 20;
          this.samples.push({ at: performance.now(), rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external), nativeMb: mb(m.rss - m.heapTotal - m.external) });
        }
      });
      child.once('exit', (code, signal) => reject(new Error(`${this.role} on ${this.port} exited before listening (${signal ?? code}): ${stderr}`)));
    });
  }

  /** SIGKILL, no warning: what a crash or an OOM kill does. */
  kill(): void {
    if (this.child === null) return;
    this.cpuOfKilled += cpuSeconds(this.child.pid!);
    this.child.kill('SIGKILL');
    this.child = null;
    this.kills++;
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

  constructor(private readonly leaders: readonly Instance[], private readonly helpers: readonly Instance[], private readonly settings: LoadtestRound) {}

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
  async drain(db: LeaderDatabase): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const open = await db.openRound(TASK);
      if (open === undefined || !this.ledger.rounds.has(open.round_id)) return;
      if (Date.now() > deadline) throw new Error(`round ${open.round_id} did not close within 120 s of the end of the load`);
      if (open.contributions < this.settings.minContributions) {
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
  readonly closes: number;
  readonly kills: { readonly leader: number; readonly helper: number };
  readonly cpu: { readonly leader: number; readonly helper: number; readonly postgres: number };
  readonly store: Store['kind'];
  readonly walBytes: number | null;
  readonly retainedBytes: number;
  /** What the leader keeps for ever per contribution: its id row and index entry (the idempotency key). */
  readonly idBytes: number | null;
  readonly check: { readonly rounds: number; readonly lost: number; readonly doubled: number; readonly digestMismatches: number; readonly unexpected: number };
  /** Per instance: its memory, and the CPU seconds it used during the load (killed processes' included). */
  readonly memory: readonly ({ readonly name: string; readonly cpuSeconds: number } & MemoryTrend)[];
}

/** Where a phase keeps its state: one PostgreSQL server (a database per role and phase), or SQLite files (one instance per role). */
type Store = { readonly kind: 'postgres'; readonly server: TestPostgres } | { readonly kind: 'sqlite'; readonly dir: string };

async function phase(store: Store, name: string, shape: { leaders: number; helpers: number; seconds: number; kills: number; round: LoadtestRound }, inFlight: number): Promise<PhaseResult> {
  const tag = name.replace(/[^a-z]/g, '');
  let leaderDb: string;
  let helperDb: string;
  let database: LeaderDatabase;
  switch (store.kind) {
    case 'postgres':
      [leaderDb, helperDb] = [await store.server.createDatabase(`lt_${tag}_leader`), await store.server.createDatabase(`lt_${tag}_helper`)];
      database = await postgresLeaderDatabase(leaderDb, helperDb);
      break;
    case 'sqlite':
      // The running sums of a SQLite store live in its process: one instance per file.
      if (shape.leaders !== 1 || shape.helpers !== 1) throw new RangeError('a SQLite phase runs 1 leader + 1 helper (one process per SQLite file)');
      [leaderDb, helperDb] = [join(store.dir, `${tag}-leader.sqlite`), join(store.dir, `${tag}-helper.sqlite`)];
      database = sqliteLeaderDatabase(leaderDb, helperDb);
      break;
    default: {
      const unreachable: never = store;
      throw new Error(`unknown store ${JSON.stringify(unreachable)}`);
    }
  }
  const postgresCpu = (): number => (store.kind === 'postgres' ? cpuSeconds(store.server.pid, true) + backendsCpu(store.server.pid) : 0);
  const helpers = await Promise.all(Array.from({ length: shape.helpers }, async () => new Instance('helper', await freePort(), [helperDb], shape.round)));
  // The first helper makes the key; the others load it (they would agree if started together too).
  for (const helper of helpers) await helper.start();
  const leaders = await Promise.all(Array.from({ length: shape.leaders }, async (_, i) => new Instance('leader', await freePort(), [leaderDb, helpers[i % helpers.length]!.url], shape.round)));
  await Promise.all(leaders.map((l) => l.start()));
  const devices = new Devices(leaders, helpers, shape.round);
  await devices.prepare();

  const bytesBefore = await database.bytes();
  const instances = [...leaders, ...helpers];
  const cpuBeforeEach = instances.map((i) => i.cpu());
  const cpuBefore = { leader: sum(leaders.map((l) => l.cpu())), helper: sum(helpers.map((h) => h.cpu())), postgres: postgresCpu() };
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  let stop = false;

  // Faults: one instance at a time, alternating roles, at random moments over the phase (drawn up
  // front and sorted; a restart still under way when the next moment comes delays that kill).
  const moments = Array.from({ length: shape.kills }, () => shape.seconds * 1000 * (0.05 + 0.9 * fraction())).sort((a, b) => a - b);
  const chaos = (async () => {
    for (const [k, moment] of moments.entries()) {
      await sleep(moment - elapsed() * 1000);
      if (stop) break;
      const pool = k % 2 === 0 ? leaders : helpers;
      const victim = pool[random.uniformBelow(pool.length)]!;
      victim.kill();
      await sleep(200 + fraction() * 1300);
      await victim.start();
    }
  })();

  // As fast as the instances take them: the same number in flight per leader instance, so that
  // each one's group commits are as full as the single instance's.
  await devices.run(inFlight * shape.leaders, () => stop || elapsed() >= shape.seconds);
  stop = true;
  const loadSeconds = elapsed();
  await chaos;
  const cpuAfter = { leader: sum(leaders.map((l) => l.cpu())), helper: sum(helpers.map((h) => h.cpu())), postgres: postgresCpu() };
  const cpuEach = instances.map((i, n) => i.cpu() - cpuBeforeEach[n]!);
  const walAfter = (await database.bytes()).wal;
  await devices.drain(database);
  const check = await verify(database, devices.ledger);
  const bytesAfter = await database.bytes();
  await database.close();
  const memory = instances.map((i, n) => ({ name: `${i.role} ${n < leaders.length ? n + 1 : n - leaders.length + 1}`, cpuSeconds: cpuEach[n]!, ...memoryTrend(i.samples) }));
  const closes = sum(leaders.map((l) => l.closes));
  await Promise.all([...leaders, ...helpers].map((i) => i.stop()));
  return {
    name,
    leaders: shape.leaders,
    helpers: shape.helpers,
    seconds: loadSeconds,
    ledger: devices.ledger,
    closes,
    kills: { leader: sum(leaders.map((l) => l.kills)), helper: sum(helpers.map((h) => h.kills)) },
    cpu: { leader: cpuAfter.leader - cpuBefore.leader, helper: cpuAfter.helper - cpuBefore.helper, postgres: cpuAfter.postgres - cpuBefore.postgres },
    store: store.kind,
    walBytes: walAfter === null || bytesBefore.wal === null ? null : walAfter - bytesBefore.wal,
    retainedBytes: bytesAfter.size - bytesBefore.size,
    idBytes: bytesAfter.perId,
    check,
    memory,
  };
}

/** Every round the devices were told stored their upload, against the leader's database. */
async function verify(db: LeaderDatabase, ledger: Ledger): Promise<PhaseResult['check']> {
  const rows = await db.rounds(TASK);
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

/** CPU of the PostgreSQL backends still running (reaped ones are in the postmaster's cutime). */
function backendsCpu(postmasterPid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat?.ppid === postmasterPid) total += stat.own;
  }
  return total;
}

interface MemoryTrend {
  readonly rssStartMb: number;
  readonly rssMaxMb: number;
  readonly rssEndMb: number;
  readonly rssSlopeMbPerMin: number;
  readonly heapStartMb: number;
  readonly heapEndMb: number;
  readonly heapSlopeMbPerMin: number;
  readonly externalEndMb: number;
  readonly externalSlopeMbPerMin: number;
  readonly nativeEndMb: number;
  readonly nativeSlopeMbPerMin: number;
}

/** Resident set and V8 heap after the first fifth of the samples and at the end, and their least-squares slopes over the last four fifths. */
function memoryTrend(samples: readonly MemorySample[]): MemoryTrend {
  const tail = samples.slice(Math.floor(samples.length / 5));
  const slope = (pick: (s: MemorySample) => number): number => {
    const n = tail.length;
    if (n < 2) return NaN;
    const mt = sum(tail.map((s) => s.at)) / n;
    const my = sum(tail.map(pick)) / n;
    return (sum(tail.map((s) => (s.at - mt) * (pick(s) - my))) / sum(tail.map((s) => (s.at - mt) ** 2))) * 60_000;
  };
  const first = tail[0];
  const last = samples[samples.length - 1];
  return {
    rssStartMb: first?.rssMb ?? NaN,
    rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
    rssEndMb: last?.rssMb ?? NaN,
    rssSlopeMbPerMin: slope((s) => s.rssMb),
    heapStartMb: first?.heapMb ?? NaN,
    heapEndMb: last?.heapMb ?? NaN,
    heapSlopeMbPerMin: slope((s) => s.heapMb),
    externalEndMb: last?.externalMb ?? NaN,
    externalSlopeMbPerMin: slope((s) => s.externalMb),
    nativeEndMb: last?.nativeMb ?? NaN,
    nativeSlopeMbPerMin: slope((s) => s.nativeMb),
  };
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
  // '–' where there is no figure (an instance restarted too late in the phase to report its memory).
  const f = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
  console.log('\n| phase | instances | seconds | contributions | per second | request p50 / p99 | delivery p50 / p99 | retries | kills (leader + helper) | WAL bytes / contribution | database growth / contribution (before vacuum) | id kept / contribution | CPU ms / contribution: leaders, helpers, PostgreSQL |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const n = r.ledger.accepted;
    console.log(`| ${r.name} | ${r.leaders} leaders + ${r.helpers} helpers on ${r.store === 'postgres' ? 'PostgreSQL' : 'SQLite'} | ${f(r.seconds)} | ${f(n)} | ${f(n / r.seconds)} | ${f(quantile(r.ledger.requestMs, 0.5), 1)} / ${f(quantile(r.ledger.requestMs, 0.99), 1)} ms | ${f(quantile(r.ledger.deliveryMs, 0.5), 1)} / ${f(quantile(r.ledger.deliveryMs, 0.99), 1)} ms | ${f(r.ledger.retries)} | ${r.kills.leader} + ${r.kills.helper} | ${r.walBytes === null ? '–' : f(r.walBytes / n)} | ${f(r.retainedBytes / n)} | ${r.idBytes === null ? '–' : f(r.idBytes)} | ${f((1000 * r.cpu.leader) / n, 2)}, ${f((1000 * r.cpu.helper) / n, 2)}, ${f((1000 * r.cpu.postgres) / n, 2)} |`);
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
  console.log('\nPer instance: CPU during the load (ms per contribution of the phase; an instance killed in the run counts its killed processes too) and memory (MB; "start" is after the first fifth of the samples, slopes are least squares over the last four fifths, both from the last restart):\n');
  console.log('| phase | round closes | instance | CPU s (ms / contribution) | RSS start / max / end | RSS slope | V8 heap start / end | heap slope | external: end, slope | native (RSS − heap reserved − external): end, slope |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const m of r.memory) {
      const signed = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${f(v, 2)} MB/min` : '–');
      console.log(`| ${r.name} | ${f(r.closes)} | ${m.name} | ${f(m.cpuSeconds, 1)} (${f((1000 * m.cpuSeconds) / Math.max(1, r.ledger.accepted), 2)}) | ${f(m.rssStartMb)} / ${f(m.rssMaxMb)} / ${f(m.rssEndMb)} | ${signed(m.rssSlopeMbPerMin)} | ${f(m.heapStartMb, 1)} / ${f(m.heapEndMb, 1)} | ${signed(m.heapSlopeMbPerMin)} | ${f(m.externalEndMb, 1)}, ${signed(m.externalSlopeMbPerMin)} | ${f(m.nativeEndMb)}, ${signed(m.nativeSlopeMbPerMin)} |`);
    }
  }
  return ok;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cores = (await import('node:os')).availableParallelism();
  console.log(`Load test: PostgreSQL (fsync on) started here; ${options.inFlight} uploads in flight per leader instance; task ${TASK} (2,588 coordinates, INK2); rounds of ${LOADTEST_ROUND.minContributions}–${THROUGHPUT_ROUND.maxContributions} contributions (${LOADTEST_ROUND.maxContributions} with faults, ${MEMORY_ROUND.maxContributions} in the memory run) or ${LOADTEST_ROUND.roundSeconds} s; everything on this machine's ${cores} cores.`);
  const postgres: Store = { kind: 'postgres', server: await startTestPostgres({ fsync: true }) };
  const sqliteDir = mkdtempSync(join(tmpdir(), 'inkling-loadtest-'));
  const results: PhaseResult[] = [];
  try {
    if (options.memorySeconds !== null) {
      const store: Store = options.sqlite ? { kind: 'sqlite', dir: sqliteDir } : postgres;
      const instances = options.sqlite ? { leaders: 1, helpers: 1 } : { leaders: 3, helpers: 2 };
      results.push(await phase(store, 'memory', { ...instances, seconds: options.memorySeconds, kills: 0, round: MEMORY_ROUND }, options.inFlight));
    } else {
      results.push(await phase(postgres, 'reference', { leaders: 1, helpers: 1, seconds: options.seconds, kills: 0, round: THROUGHPUT_ROUND }, options.inFlight));
      results.push(await phase(postgres, 'scaled', { leaders: 3, helpers: 2, seconds: options.seconds, kills: 0, round: THROUGHPUT_ROUND }, options.inFlight));
      results.push(await phase(postgres, 'faults', { leaders: 3, helpers: 2, seconds: options.faultSeconds, kills: options.kills, round: LOADTEST_ROUND }, options.inFlight));
    }
  } finally {
    agent.destroy();
    await postgres.server.stop();
    rmSync(sqliteDir, { recursive: true, force: true });
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
