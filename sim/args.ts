/**
 * Command-line options of `npm run simulate`, validated in one place: a bad value stops the run
 * with a message naming the flag and the rule, before any work starts.
 */
import { TARGETS } from './report.js';
import { ALS_ROUNDS } from '../server/tasks.js';

/** The populations `npm run simulate` runs on (../shared/data). */
export const DATASETS = ['ml-latest-small', 'movietweetings'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface SimulateOptions {
  /** ml-latest-small: the real path over HTTP; movietweetings: 21,081 devices, in-process (sim/movietweetings.ts). */
  readonly dataset: DatasetName;
  /** Simulated devices, one MovieLens user each (the first N by userId). */
  readonly clients: number;
  /** Federated rounds per federated run. */
  readonly rounds: number;
  /** Devices asked to contribute per round (capped by the server's maxContributions). */
  readonly perRound: number;
  /** User-level ε the DP run may spend over all its rounds (δ = 1e−6). */
  readonly epsilon: number;
  /** An aggregator already running: the DP run goes there. Default: start one on a temp SQLite. */
  readonly server: string | null;
  /**
   * Seeding mode (`npm start`): only train the global model on this server so the first visitor
   * gets learned recommendations; no baselines, no table.
   */
  readonly seedServer: string | null;
  /** Bearer token for `POST /v1/admin/quality`; quality is not posted without one. */
  readonly adminToken: string | null;
  /** No progress bar (tests). */
  readonly quiet: boolean;
  /** `--json FILE`: also write the table as JSON (sim/report.ts EvaluationJson). */
  readonly json: string | null;
}

export const DEFAULT_OPTIONS: SimulateOptions = {
  dataset: 'ml-latest-small',
  clients: 671,
  // ALS rounds after the popularity round: the task's (server/tasks.ts ALS_ROUNDS, 2: measured best under DP).
  rounds: ALS_ROUNDS,
  // Every device in every round: with secure aggregation the round's noise is fixed, so the more
  // devices share it, the smaller it is against their summed signal.
  perRound: 671,
  epsilon: TARGETS.maxEpsilon,
  server: null,
  seedServer: null,
  adminToken: null,
  quiet: false,
  json: null,
};

export const USAGE = `Usage: npm run simulate -- [--dataset D] [--clients N] [--rounds R] [--per-round P] [--epsilon E] [--server URL] [--seed-server URL] [--admin-token T] [--json FILE] [--quiet]
  --dataset D        ml-latest-small (default: 671 devices over HTTP, leader + helper) or movietweetings
                     (21,081 devices: the device code and the server's ALS in-process; --clients, --per-round,
                     --server and --seed-server do not apply)
  --clients N        simulated devices, one MovieLens user each (1–671, default ${DEFAULT_OPTIONS.clients})
  --rounds R         federated rounds per run (default ${DEFAULT_OPTIONS.rounds})
  --per-round P      devices per round (default ${DEFAULT_OPTIONS.perRound}; capped by the server's maxContributions)
  --epsilon E        user-level ε of the DP run over all rounds, δ = 1e-6 (default ${DEFAULT_OPTIONS.epsilon})
  --server URL       use this aggregator for the DP run instead of starting one
  --seed-server URL  seeding mode for npm start: train the global model on URL, print progress, no table
  --admin-token T    token for POST /v1/admin/quality (default: $INKLING_ADMIN_TOKEN)
                     ($INKLING_SIM_CLIENTS and $INKLING_SIM_ROUNDS set --clients and --rounds when the flags are absent)
  --json FILE        also write the table as JSON: {"dataset", "rows": [{"method", "hr10", "ndcg10", "epsilon", "delta"}],
                     "categoryHistogram": {"labels", "truth", "released", "projected", "stddev", "maxError", "tvd", ...},
                     "segments": [{"release", "rows": [{"id", "description", "released", "truth", "nowIn", "central"}], "stddev", "wcss", ...}]}
  --quiet            no progress bar`;

function positiveInteger(flag: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1 || n > max) throw new RangeError(`${flag} must be an integer from 1 to ${max}; got ${value ?? 'nothing'}`);
  return n;
}

function url(flag: string, value: string | undefined): string {
  if (value === undefined) throw new RangeError(`${flag} needs a URL such as http://127.0.0.1:8787`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new RangeError(`${flag} must be an http(s) URL; got "${value}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RangeError(`${flag} must be an http(s) URL; got "${value}"`);
  return parsed.origin;
}

/**
 * Flags win over the environment. INKLING_SIM_CLIENTS / INKLING_SIM_ROUNDS reach the seeder that
 * `npm start` spawns (server/main.ts passes only --seed-server): a test starts the real path with
 * fewer simulated visitors that way.
 */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): SimulateOptions {
  let options: SimulateOptions = { ...DEFAULT_OPTIONS, adminToken: env.INKLING_ADMIN_TOKEN ?? null };
  if (env.INKLING_SIM_CLIENTS !== undefined) options = { ...options, clients: positiveInteger('INKLING_SIM_CLIENTS', env.INKLING_SIM_CLIENTS, 671) };
  if (env.INKLING_SIM_ROUNDS !== undefined) options = { ...options, rounds: positiveInteger('INKLING_SIM_ROUNDS', env.INKLING_SIM_ROUNDS, 1000) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--clients':
        options = { ...options, clients: positiveInteger(flag, value(), 671) };
        break;
      case '--rounds':
        options = { ...options, rounds: positiveInteger(flag, value(), 1000) };
        break;
      case '--per-round':
        options = { ...options, perRound: positiveInteger(flag, value(), 671) };
        break;
      case '--epsilon': {
        const raw = value();
        const e = Number(raw);
        if (raw === undefined || !Number.isFinite(e) || e <= 0) throw new RangeError(`--epsilon must be a positive number; got ${raw ?? 'nothing'}`);
        options = { ...options, epsilon: e };
        break;
      }
      case '--server':
        options = { ...options, server: url(flag, value()) };
        break;
      case '--seed-server':
        options = { ...options, seedServer: url(flag, value()) };
        break;
      case '--admin-token': {
        const token = value();
        if (!token) throw new RangeError('--admin-token needs a value');
        options = { ...options, adminToken: token };
        break;
      }
      case '--json': {
        const file = value();
        if (!file || file.startsWith('--')) throw new RangeError('--json needs a file path');
        options = { ...options, json: file };
        break;
      }
      case '--quiet':
        options = { ...options, quiet: true };
        break;
      case '--dataset': {
        const name = value();
        if (!DATASETS.includes(name as DatasetName)) throw new RangeError(`--dataset must be one of ${DATASETS.join(', ')}; got ${name ?? 'nothing'}`);
        options = { ...options, dataset: name as DatasetName };
        break;
      }
      default:
        throw new RangeError(`unknown option "${arg}"\n${USAGE}`);
    }
  }
  if (options.dataset === 'movietweetings') {
    const given = ['--clients', '--per-round', '--server', '--seed-server'].filter((f) => argv.some((a) => a === f || a.startsWith(`${f}=`)));
    if (given.length > 0) throw new RangeError(`--dataset movietweetings runs every user as a device in-process; ${given.join(', ')} does not apply`);
  }
  return options;
}
