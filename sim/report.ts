/**
 * The one table `npm run simulate` prints: every method side by side on the same held-out data,
 * and issue 9's targets checked against federated MF with and without DP; and the same as JSON
 * (`--json FILE`).
 */
import type { RankingQuality } from './metrics.js';

/** Issue 9's targets: federated MF with DP at ε ≤ 8, δ = 1e−6 (device-level, over all of training), and without DP. */
export const TARGETS = {
  /** fed-DP HR@10 ≥ 90 % of centralized MF's. */
  minShareOfCentral: 0.9,
  /** fed-DP HR@10 ≥ 1.25 × popularity's. */
  minTimesPopularity: 1.25,
  /** Federated without DP HR@10 ≥ 95 % of centralized. */
  minNoDpShareOfCentral: 0.95,
  /** The targets are stated for this ε or less. */
  maxEpsilon: 8,
  delta: 1e-6,
} as const;

export interface MethodResult {
  readonly method: string;
  readonly quality: RankingQuality;
  /** What this row's privacy is, in words: 'none (all data on one server)', 'ε = 7.9, δ = 1e−6'... */
  readonly privacy: string;
}

export interface TargetCheck {
  readonly name: string;
  readonly value: number;
  readonly target: number;
  readonly pass: boolean;
}

export interface Evaluation {
  readonly popularity: MethodResult;
  readonly central: MethodResult;
  readonly federated: MethodResult;
  readonly federatedDp: MethodResult;
  /** User-level ε actually spent by the DP run (from the server's accountant), and its δ. */
  readonly epsilonSpent: number;
  readonly delta: number;
}

export function checkTargets(evaluation: Evaluation): TargetCheck[] {
  const fedDp = evaluation.federatedDp.quality.hitRate;
  const central = evaluation.central.quality.hitRate;
  const popularity = evaluation.popularity.quality.hitRate;
  const epsilonOk = evaluation.epsilonSpent <= TARGETS.maxEpsilon && evaluation.delta <= TARGETS.delta;
  return [
    { name: 'fed-DP HR@10 / centralized HR@10', value: central > 0 ? fedDp / central : 0, target: TARGETS.minShareOfCentral, pass: epsilonOk && fedDp >= TARGETS.minShareOfCentral * central },
    { name: 'fed-DP HR@10 / popularity HR@10', value: popularity > 0 ? fedDp / popularity : 0, target: TARGETS.minTimesPopularity, pass: epsilonOk && fedDp >= TARGETS.minTimesPopularity * popularity },
    { name: `privacy: ε ≤ ${TARGETS.maxEpsilon} at δ ≤ 1e-6`, value: evaluation.epsilonSpent, target: TARGETS.maxEpsilon, pass: epsilonOk },
    {
      name: 'federated (no DP) HR@10 / centralized HR@10',
      value: central > 0 ? evaluation.federated.quality.hitRate / central : 0,
      target: TARGETS.minNoDpShareOfCentral,
      pass: evaluation.federated.quality.hitRate >= TARGETS.minNoDpShareOfCentral * central,
    },
  ];
}

/** `--json FILE`: the table as data (issue 9's schema). */
export interface EvaluationJson {
  readonly dataset: string;
  readonly rows: readonly {
    readonly method: 'popularity' | 'centralized' | 'federated' | 'federated-dp';
    readonly hr10: number;
    readonly ndcg10: number;
    readonly epsilon: number | null;
    readonly delta: number | null;
  }[];
}

export function evaluationJson(dataset: string, evaluation: Evaluation): EvaluationJson {
  const row = (method: EvaluationJson['rows'][number]['method'], r: MethodResult, epsilon: number | null, delta: number | null) =>
    ({ method, hr10: r.quality.hitRate, ndcg10: r.quality.ndcg, epsilon, delta });
  return {
    dataset,
    rows: [
      row('popularity', evaluation.popularity, null, null),
      row('centralized', evaluation.central, null, null),
      row('federated', evaluation.federated, null, null),
      row('federated-dp', evaluation.federatedDp, Number.isFinite(evaluation.epsilonSpent) ? evaluation.epsilonSpent : null, evaluation.delta),
    ],
  };
}

function fixed(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

/** The markdown table, then the target checks, as printed on stdout. */
export function formatEvaluation(evaluation: Evaluation): string {
  const rows = [evaluation.popularity, evaluation.central, evaluation.federated, evaluation.federatedDp];
  const central = evaluation.central.quality.hitRate;
  const popularity = evaluation.popularity.quality.hitRate;
  const lines = [
    `| method | HR@${rows[0]?.quality.k ?? 10} | NDCG@${rows[0]?.quality.k ?? 10} | HR vs centralized | HR vs popularity | users | privacy |`,
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.method} | ${fixed(r.quality.hitRate)} | ${fixed(r.quality.ndcg)} | ${central > 0 ? fixed(r.quality.hitRate / central, 2) : '–'} | ${popularity > 0 ? fixed(r.quality.hitRate / popularity, 2) + '×' : '–'} | ${r.quality.users} | ${r.privacy} |`,
    ),
    '',
    '| target (the federated model) | measured | needed | result |',
    '|---|---:|---:|---|',
    ...checkTargets(evaluation).map((c) => `| ${c.name} | ${fixed(c.value, 3)} | ${c.name.startsWith('privacy') ? '≤ ' : '≥ '}${c.target} | ${c.pass ? 'PASS' : 'FAIL'} |`),
  ];
  return lines.join('\n');
}
