/**
 * Aggregator configuration from command-line flags and environment variables, validated in one
 * place. A bad value stops the server with a message naming the flag, its variable and the rule.
 * Flags win over the environment; the environment wins over defaults.
 *
 * @example
 * const config = parseConfig(process.argv.slice(2), process.env);
 */

import { checkStoreLocation, redactUrl, storeKind } from './storage/store-location.js';
import { KMEANS_MAX_CATEGORIES, KMEANS_MAX_K, KMEANS_MIN_K } from '../core/models/kmeans.js';
import { KMEANS_MAX_SCHEDULES, SEGMENTS_SETTINGS } from './tasks.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http/node-server.js';

export type Durability = 'process' | 'power';

/**
 * Which aggregator this process is (../shared/DESIGN.md, privacy model point 5):
 * - single: one aggregator that sees each (locally noised) INK1 upload, as before secure aggregation;
 * - leader: the public endpoint; devices send it INK2 secret-shared uploads, it forwards the sealed
 *   helper shares to the helper and adds the two aggregate shares at round close;
 * - helper: only the leader talks to it (Bearer peer token); devices fetch its HPKE keys.
 */
export type Role =
  | { readonly kind: 'single' }
  | {
      readonly kind: 'leader';
      /** Where the leader reaches the helper. */
      readonly helperUrl: string;
      /** The helper's origin as devices reach it (/v1/tasks advertises it); default helperUrl. */
      readonly helperPublicUrl: string;
      /** Bearer token the leader sends to the helper. */
      readonly peerToken: string;
    }
  | {
      readonly kind: 'helper';
      /** Bearer token the helper requires from the leader. */
      readonly peerToken: string;
      /** Publish a fresh HPKE key at start (older keys still open uploads sealed to them). */
      readonly rotateKey: boolean;
    };

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Where the state is kept (`--store`): a SQLite file (':memory:' for tests), or a PostgreSQL
   * database as postgres://user[:password]@host[:port]/database (server/storage/open-storage.ts).
   */
  readonly dbPath: string;
  /** Exact origins (scheme://host[:port]) that may call the API cross-origin. Never '*'. */
  readonly allowedOrigins: readonly string[];
  readonly minContributions: number;
  readonly maxContributions: number;
  /** How long a round stays open before it closes with what it has (if ≥ minContributions). */
  readonly roundSeconds: number;
  /** User-level ε budget over all rounds of each task. */
  readonly epsilonBudget: number;
  readonly delta: number;
  /** Central noise σ as a multiple of the round's L2 sensitivity on the grid (noise multiplier z); 0 = no central DP. */
  readonly centralNoiseMultiplier: number;
  /** Bearer token for POST /v1/admin/quality; null disables the route. */
  readonly adminToken: string | null;
  /** Folder holding demo/ and sdk/ build outputs. */
  readonly staticDir: string;
  /** Send COOP/COEP on static files so the tfjs threaded WASM backend may run. */
  readonly crossOriginIsolation: boolean;
  /**
   * 'process': SQLite WAL with synchronous=NORMAL: an accepted contribution survives kill -9 of the
   * server (it is in the OS's page cache before the 2xx) but not a power cut.
   * 'power': synchronous=FULL, an fsync per contribution: survives power loss, much slower.
   * On PostgreSQL the database server's own settings decide ('process' keeps them; its defaults
   * already survive power loss); 'power' forces synchronous_commit on for this server's sessions.
   */
  readonly durability: Durability;
  /** Spawn the simulator in the background after start (npm start). */
  readonly seed: boolean;
  readonly role: Role;
  /**
   * Secure aggregation: the rounds each task's ε budget is planned for. Each round gets
   * ρ_round = ρ(ε, δ) / plannedRounds, and devices' noise is sized for it.
   */
  readonly plannedRounds: number;
  /**
   * The 'segments' task's owner settings (server/tasks.ts createSegmentsTask): k segments over
   * these interest categories (the activity features always follow). Absent: the task's defaults.
   */
  readonly segments?: { readonly k: number; readonly categories: readonly string[]; readonly schedules: number };
  /** The HTTP server's timeouts and connection cap (server/http/node-server.ts); absent: its defaults. */
  readonly http?: HttpLimits;
  /**
   * `--tasks`: the tasks this server runs, by name (server/tasks.ts selectTasks checks them against
   * its task list); absent: all of them. Sharding by task: each group of tasks on servers and
   * databases of its own (docs/SCALING.md). A leader and its helper take the same list.
   */
  readonly tasks?: readonly string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface Option<T> {
  readonly flag: string;
  readonly env: string;
  readonly fallback: T;
  readonly parse: (raw: string) => Parsed<T>;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rule: string };

const integerIn = (min: number, max: number) => (raw: string): Parsed<number> => {
  const value = Number(raw);
  return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(value) && value >= min && value <= max
    ? { ok: true, value }
    : { ok: false, rule: `must be an integer in [${min}, ${max}]` };
};
const numberIn = (min: number, max: number, openMin = false) => (raw: string): Parsed<number> => {
  const value = Number(raw);
  const okMin = openMin ? value > min : value >= min;
  return raw.trim() !== '' && Number.isFinite(value) && okMin && value <= max
    ? { ok: true, value }
    : { ok: false, rule: `must be a number in ${openMin ? '(' : '['}${min}, ${max}]` };
};
const nonEmpty = (raw: string): Parsed<string> =>
  raw.trim() === '' ? { ok: false, rule: 'must not be empty' } : { ok: true, value: raw };
/** Comma-separated category names: 1 to KMEANS_MAX_CATEGORIES, distinct, none empty. */
const categoryList = (raw: string): Parsed<string[]> => {
  const names = raw.split(',').map((c) => c.trim());
  const rule = `must be 1 to ${KMEANS_MAX_CATEGORIES} distinct, non-empty category names separated by commas`;
  return names.length >= 1 && names.length <= KMEANS_MAX_CATEGORIES && names.every((c) => c.length > 0 && c.length <= 100 && !c.startsWith('interest:')) && new Set(names).size === names.length
    ? { ok: true, value: names }
    : { ok: false, rule };
};
/** Task names (as server/tasks.ts checkTasks spells them), distinct, separated by commas. */
const taskList = (raw: string): Parsed<string[]> => {
  const names = raw.split(',').map((t) => t.trim());
  return names.length >= 1 && names.every((t) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(t)) && new Set(names).size === names.length
    ? { ok: true, value: names }
    : { ok: false, rule: 'must be distinct task names ([a-z0-9][a-z0-9-]*) separated by commas' };
};
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const flags = readFlags(argv);
  const used = new Set<string>();

  function get<T>(option: Option<T>): T {
    used.add(option.flag);
    const fromFlag = flags.get(option.flag);
    const raw = fromFlag ?? env[option.env];
    if (raw === undefined) return option.fallback;
    const parsed = option.parse(raw);
    if (!parsed.ok) throw new ConfigError(`--${option.flag} (${option.env}) ${parsed.rule}; got ${JSON.stringify(raw)}`);
    return parsed.value;
  }
  function bool(flag: string, envName: string, fallback: boolean): boolean {
    used.add(flag);
    const raw = flags.get(flag) ?? env[envName];
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1' || raw === 'on' || raw === '') return true;
    if (raw === 'false' || raw === '0' || raw === 'off') return false;
    throw new ConfigError(`--${flag} (${envName}) must be true/false, on/off or 1/0; got ${JSON.stringify(raw)}`);
  }

  const port = get({ flag: 'port', env: 'PORT', fallback: 8787, parse: integerIn(0, 65535) });
  const host = get({ flag: 'host', env: 'INKLING_HOST', fallback: '127.0.0.1', parse: nonEmpty });
  const dbPath = parseStore(flags, env, used);
  const originsRaw = flags.get('allowed-origins') ?? env['INKLING_ALLOWED_ORIGINS'];
  used.add('allowed-origins');
  const allowedOrigins = originsRaw === undefined
    ? [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
    : parseOrigins(originsRaw);
  const minContributions = get({ flag: 'min-contributions', env: 'INKLING_MIN_CONTRIBUTIONS', fallback: 10, parse: integerIn(1, 1_000_000) });
  const maxContributions = get({ flag: 'max-contributions', env: 'INKLING_MAX_CONTRIBUTIONS', fallback: 100, parse: integerIn(1, 10_000_000) });
  if (maxContributions < minContributions) {
    throw new ConfigError(`--max-contributions (${maxContributions}) must be ≥ --min-contributions (${minContributions})`);
  }
  const roundSeconds = get({ flag: 'round-seconds', env: 'INKLING_ROUND_SECONDS', fallback: 30, parse: numberIn(0.05, 86_400 * 30) });
  // Up to 1e6: a huge budget is how an experiment runs "without a budget stop" (ε stays finite in JSON).
  const epsilonBudget = get({ flag: 'epsilon', env: 'INKLING_EPSILON', fallback: 8, parse: numberIn(0, 1e6, true) });
  const delta = get({ flag: 'delta', env: 'INKLING_DELTA', fallback: 1e-6, parse: numberIn(0, 0.01, true) });
  const centralNoiseMultiplier = get({ flag: 'central-noise', env: 'INKLING_CENTRAL_NOISE', fallback: 1, parse: numberIn(0, 1000) });
  const adminRaw = flags.get('admin-token') ?? env['INKLING_ADMIN_TOKEN'];
  used.add('admin-token');
  if (adminRaw !== undefined && adminRaw.length < 16) {
    throw new ConfigError('--admin-token (INKLING_ADMIN_TOKEN) must be at least 16 characters');
  }
  const staticDir = get({ flag: 'static-dir', env: 'INKLING_STATIC_DIR', fallback: './dist', parse: nonEmpty });
  const crossOriginIsolation = bool('cross-origin-isolation', 'INKLING_CROSS_ORIGIN_ISOLATION', true);
  used.add('durability');
  const durabilityRaw = flags.get('durability') ?? env['INKLING_DURABILITY'] ?? 'process';
  if (durabilityRaw !== 'process' && durabilityRaw !== 'power') {
    throw new ConfigError(`--durability (INKLING_DURABILITY) must be 'process' or 'power'; got ${JSON.stringify(durabilityRaw)}`);
  }
  const seed = bool('seed', 'INKLING_SEED', false);
  const role = parseRole(flags, env, used);
  const plannedRounds = get({ flag: 'planned-rounds', env: 'INKLING_PLANNED_ROUNDS', fallback: 5, parse: integerIn(1, 100_000) });
  // k out of range is refused here, naming the flag (one segment says nothing; the upload and the id matching grow with k).
  const segmentsK = get({ flag: 'segments-k', env: 'INKLING_SEGMENTS_K', fallback: SEGMENTS_SETTINGS.k, parse: integerIn(KMEANS_MIN_K, KMEANS_MAX_K) });
  const segmentsCategories = get<readonly string[]>({ flag: 'segments-categories', env: 'INKLING_SEGMENTS_CATEGORIES', fallback: SEGMENTS_SETTINGS.categories, parse: categoryList });
  // Releases the segments task's ε is planned over (KmeansSettings.schedules): 2 or more draw the segments' drift.
  const segmentsSchedules = get({ flag: 'segments-schedules', env: 'INKLING_SEGMENTS_SCHEDULES', fallback: SEGMENTS_SETTINGS.schedules ?? 1, parse: integerIn(1, KMEANS_MAX_SCHEDULES) });

  const http = parseHttpLimits(get);
  const tasks = get<readonly string[] | null>({ flag: 'tasks', env: 'INKLING_TASKS', fallback: null, parse: taskList });

  for (const flag of flags.keys()) {
    if (!used.has(flag)) throw new ConfigError(`unknown flag --${flag}; see server/config.ts for the list`);
  }
  return {
    host, port, dbPath, allowedOrigins, minContributions, maxContributions, roundSeconds, epsilonBudget,
    delta, centralNoiseMultiplier, adminToken: adminRaw ?? null, staticDir, crossOriginIsolation,
    durability: durabilityRaw, seed, role, plannedRounds, segments: { k: segmentsK, categories: segmentsCategories, schedules: segmentsSchedules }, http,
    ...(tasks === null ? {} : { tasks }),
  };
}

/** The HTTP limits (defaults and why: DEFAULT_HTTP_LIMITS); a head must fit in the whole request's time. */
function parseHttpLimits(get: <T>(option: Option<T>) => T): HttpLimits {
  const d = DEFAULT_HTTP_LIMITS;
  const headersTimeoutMs = get({ flag: 'headers-timeout-ms', env: 'INKLING_HEADERS_TIMEOUT_MS', fallback: d.headersTimeoutMs, parse: integerIn(100, 600_000) });
  const requestTimeoutMs = get({ flag: 'request-timeout-ms', env: 'INKLING_REQUEST_TIMEOUT_MS', fallback: d.requestTimeoutMs, parse: integerIn(100, 3_600_000) });
  const keepAliveTimeoutMs = get({ flag: 'keep-alive-timeout-ms', env: 'INKLING_KEEP_ALIVE_TIMEOUT_MS', fallback: d.keepAliveTimeoutMs, parse: integerIn(100, 600_000) });
  const maxConnections = get({ flag: 'max-connections', env: 'INKLING_MAX_CONNECTIONS', fallback: d.maxConnections, parse: integerIn(1, 1_000_000) });
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`--headers-timeout-ms (INKLING_HEADERS_TIMEOUT_MS) must be ≤ --request-timeout-ms (INKLING_REQUEST_TIMEOUT_MS); got ${headersTimeoutMs} > ${requestTimeoutMs}`);
  }
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections };
}

/**
 * --store (INKLING_STORE): a SQLite path or a postgres:// URL. --db (INKLING_DB) is its older name,
 * still accepted; where both are given, --store wins (as a later flag wins over an earlier one, so
 * server/start.ts can set the helper's).
 */
function parseStore(flags: ReadonlyMap<string, string>, env: Readonly<Record<string, string | undefined>>, used: Set<string>): string {
  used.add('store');
  used.add('db');
  const sources: readonly [string, string | undefined][] = [
    ['--store (INKLING_STORE)', flags.get('store')],
    ['--db (INKLING_DB)', flags.get('db')],
    ['--store (INKLING_STORE)', env['INKLING_STORE']],
    ['--db (INKLING_DB)', env['INKLING_DB']],
  ];
  const [name, raw] = sources.find(([, value]) => value !== undefined) ?? ['--store', './data/inkling.sqlite'];
  const rule = checkStoreLocation(raw!);
  // A PostgreSQL URL may carry a password: it is echoed without it.
  if (rule !== null) throw new ConfigError(`${name} ${rule}; got ${JSON.stringify(storeKind(raw!) === 'postgres' ? redactUrl(raw!) : raw)}`);
  return raw!;
}

const ROLES = ['single', 'leader', 'helper'] as const;

/** --role with the flags each role needs, and refusing those it does not use. */
function parseRole(flags: ReadonlyMap<string, string>, env: Readonly<Record<string, string | undefined>>, used: Set<string>): Role {
  for (const flag of ['role', 'helper', 'helper-public-url', 'peer-token', 'rotate-key']) used.add(flag);
  const raw = flags.get('role') ?? env['INKLING_ROLE'] ?? 'single';
  const kind = ROLES.find((r) => r === raw);
  if (kind === undefined) throw new ConfigError(`--role (INKLING_ROLE) must be one of ${ROLES.join(', ')}; got ${JSON.stringify(raw)}`);
  const helper = flags.get('helper') ?? env['INKLING_HELPER_URL'];
  const helperPublic = flags.get('helper-public-url') ?? env['INKLING_HELPER_PUBLIC_URL'];
  const token = flags.get('peer-token') ?? env['INKLING_PEER_TOKEN'];
  const rotateRaw = flags.get('rotate-key');
  const onlyFor = (flag: string, envName: string, roles: string): ConfigError =>
    new ConfigError(`--${flag} (${envName}) is only for --role ${roles}; this is --role ${kind}`);
  if (kind !== 'leader' && helper !== undefined) throw onlyFor('helper', 'INKLING_HELPER_URL', 'leader');
  if (kind !== 'leader' && helperPublic !== undefined) throw onlyFor('helper-public-url', 'INKLING_HELPER_PUBLIC_URL', 'leader');
  if (kind === 'single' && token !== undefined) throw onlyFor('peer-token', 'INKLING_PEER_TOKEN', 'leader or helper');
  if (kind !== 'helper' && rotateRaw !== undefined) throw new ConfigError(`--rotate-key is only for --role helper; this is --role ${kind}`);
  switch (kind) {
    case 'single':
      return { kind };
    case 'leader': {
      if (helper === undefined) throw new ConfigError('--helper (INKLING_HELPER_URL) is required with --role leader: the helper\'s origin, e.g. http://127.0.0.1:8788');
      const helperUrl = helperOrigin(helper, 'helper', 'INKLING_HELPER_URL');
      const helperPublicUrl = helperPublic === undefined ? helperUrl : helperOrigin(helperPublic, 'helper-public-url', 'INKLING_HELPER_PUBLIC_URL');
      return { kind, helperUrl, helperPublicUrl, peerToken: peerToken(token, kind) };
    }
    case 'helper': {
      if (rotateRaw !== undefined && rotateRaw !== '' && rotateRaw !== 'true') throw new ConfigError(`--rotate-key takes no value; got ${JSON.stringify(rotateRaw)}`);
      return { kind, peerToken: peerToken(token, kind), rotateKey: rotateRaw !== undefined };
    }
    default: {
      const unreachable: never = kind;
      throw new ConfigError(`unknown role ${String(unreachable)}`);
    }
  }
}

function helperOrigin(raw: string, flag: string, envName: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (!ORIGIN.test(trimmed)) throw new ConfigError(`--${flag} (${envName}) must be an origin like http://127.0.0.1:8788 with no path; got ${JSON.stringify(raw)}`);
  return trimmed.toLowerCase();
}

function peerToken(raw: string | undefined, role: string): string {
  if (raw === undefined) throw new ConfigError(`--peer-token (INKLING_PEER_TOKEN) is required with --role ${role}: the bearer token the leader sends to the helper`);
  if (raw.length < 16) throw new ConfigError('--peer-token (INKLING_PEER_TOKEN) must be at least 16 characters');
  return raw;
}

function parseOrigins(raw: string): string[] {
  const origins = raw.split(',').map((o) => o.trim()).filter((o) => o.length > 0);
  for (const origin of origins) {
    if (origin === '*') throw new ConfigError("--allowed-origins (INKLING_ALLOWED_ORIGINS) must list exact origins; '*' is not allowed");
    if (!ORIGIN.test(origin)) {
      throw new ConfigError(`--allowed-origins (INKLING_ALLOWED_ORIGINS) entries must look like https://shop.example[:port] with no path; got ${JSON.stringify(origin)}`);
    }
  }
  return origins.map((o) => o.toLowerCase());
}

/** `--name value`, `--name=value` and bare `--name` (boolean true). */
function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}; flags look like --port 8787`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(arg.slice(2), next);
        i++;
      } else {
        flags.set(arg.slice(2), '');
      }
    }
  }
  return flags;
}
