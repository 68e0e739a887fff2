/**
 * The one table `npm run simulate` prints: every method side by side on the same held-out data,
 * and issue 9's targets checked against federated MF with and without DP; and the same as JSON
 * (`--json FILE`).
 */
import type { HistogramComparison } from './category-histogram.js';
import type { RankingQuality } from './metrics.js';
import type { ReportComparison } from './daily-report.js';
import type { SegmentsComparison } from './segments.js';

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
  /** The dashboard's DP histogram beside the truth (sim/category-histogram.ts), when the run made one. */
  readonly categoryHistogram?: HistogramComparison;
  /** Each segments release beside the truth (sim/segments.ts), when the run made them. */
  readonly segments?: readonly SegmentsComparison[];
  /** Each fixed-schedule report's period (funnel, views) beside the truth (sim/daily-report.ts), those the run compared. */
  readonly reports?: readonly ReportComparison[];
}

export function evaluationJson(dataset: string, evaluation: Evaluation, categoryHistogram?: HistogramComparison, segments?: readonly SegmentsComparison[], reports?: readonly ReportComparison[]): EvaluationJson {
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
    ...(categoryHistogram ? { categoryHistogram } : {}),
    ...(segments && segments.length > 0 ? { segments } : {}),
    ...(reports && reports.length > 0 ? { reports } : {}),
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

function signed(x: number, digits = 1): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
}

/**
 * The released category histogram beside the true one of the same devices, most common true label
 * first, then its errors in counts, in σ and as a total variation distance of the shares.
 */
export function formatHistogram(c: HistogramComparison, privacy: string): string {
  const n = c.contributions;
  const order = c.labels.map((_, i) => i).sort((a, b) => c.truth[b]! - c.truth[a]! || c.released[b]! - c.released[a]!);
  const share = (x: number): string => (n > 0 ? `${((100 * x) / n).toFixed(1)} %` : '–');
  const lines = [
    `| genre (top interest) | true | true share | released (noised) | post-processed | released − true |`,
    '|---|---:|---:|---:|---:|---:|',
    ...order.map((i) => `| ${c.labels[i]} | ${c.truth[i]} | ${share(c.truth[i]!)} | ${c.released[i]!.toFixed(1)} | ${c.projected[i]!.toFixed(1)} | ${signed(c.released[i]! - c.truth[i]!)} |`),
    '',
    `Category histogram (round ${c.roundId}, ${n} devices, ${privacy}): σ = ${c.stddev.toFixed(2)} per genre (95 %: ±${(1.96 * c.stddev).toFixed(2)}).`,
    `max |released − true| = ${c.maxError.released.toFixed(2)} (${(c.maxError.released / c.stddev).toFixed(2)} σ), post-processed ${c.maxError.projected.toFixed(2)};`
      + ` L2 ${c.l2Error.released.toFixed(2)} → ${c.l2Error.projected.toFixed(2)} post-processed (√${c.labels.length}·σ = ${(Math.sqrt(c.labels.length) * c.stddev).toFixed(2)} expected for the raw noise);`
      + ` total variation distance of the shares ${c.tvd.released.toFixed(4)}, post-processed ${c.tvd.projected.toFixed(4)}.`,
  ];
  return lines.join('\n');
}

/**
 * One segments release beside the truth of the same devices (sim/segments.ts): per segment the
 * noised size, the count it estimates, the devices now in it and centralized k-means' matched
 * cluster; then the error in σ and the WCSS against centralized k-means at the same k.
 */
export function formatSegments(c: SegmentsComparison, privacy: string): string {
  const pct = (r: number): string => `${r >= 1 ? '+' : '−'}${Math.abs(100 * (r - 1)).toFixed(1)} %`;
  const lines = [
    '| segment | description | released (noised) | true (same round) | released − true | devices in it now | centralized k-means |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...c.rows.map((r) => `| ${r.id} | ${r.description} | ${r.released.toFixed(1)} | ${r.truth} | ${signed(r.released - r.truth)} | ${r.nowIn} | ${r.central} |`),
    '',
    `Segments release ${c.release} (${c.dataset}, round ${c.roundId}${c.version === null ? '' : ` → v${c.version}`}, ${c.contributions} devices, ${privacy}): σ = ${c.stddev.toFixed(2)} per size (95 %: ±${(1.96 * c.stddev).toFixed(2)});`
      + ` max |released − true| = ${c.maxError.toFixed(2)} (${c.stddev > 0 ? (c.maxError / c.stddev).toFixed(2) : '–'} σ).`
      + ` WCSS of the released centroids on these devices' true features ${c.wcss.federated.toFixed(2)} against centralized k-means' ${c.wcss.central.toFixed(2)} at k ${c.rows.length}: ${pct(c.wcss.ratio)}.`,
  ];
  return lines.join('\n');
}

/**
 * A fixed-schedule report's period beside the truth of the same devices (sim/daily-report.ts): the
 * funnel (devices at each stage or further), the devices per segment that visited and bought (the
 * daily report), then product views per category with any view (the 28-day report).
 */
export function formatReport(c: ReportComparison, privacy: string): string {
  const row = (r: ReportComparison['funnel'][number], raw: boolean): string => `| ${r.label} | ${r.released.toFixed(1)} | ±${(1.96 * r.se).toFixed(1)} | ${r.truth.toFixed(r.truth % 1 === 0 ? 0 : 1)} | ${signed(r.released - r.truth)} |${raw ? ` ${r.raw} |` : ''}`;
  const viewed = c.views.filter((r) => r.raw > 0);
  const views = c.views.length === 0 ? [] : [
    '| views of (category) | released | 95 % | true (clipped, as reported) | released − true | raw views |',
    '|---|---:|---:|---:|---:|---:|',
    ...viewed.map((r) => row(r, true)),
    ...(viewed.length < c.views.length ? [`| ${c.views.length - viewed.length} other ${c.views.length - viewed.length === 1 ? 'category' : 'categories'} | | | 0 | | 0 |`] : []),
    '',
  ];
  const conversion = c.conversion.length === 0 ? [] : [
    '| segment: devices that | released | 95 % | true (same devices) | released − true |',
    '|---|---:|---:|---:|---:|',
    ...c.conversion.map((r) => row(r, false)),
    '',
  ];
  const lines = [
    '| funnel: devices that reached | released | 95 % | true (same devices) | released − true |',
    '|---|---:|---:|---:|---:|',
    ...c.funnel.map((r) => row(r, false)),
    '',
    ...conversion,
    ...views,
    `${c.task}, period ${c.period} (round ${c.roundId}, ${c.reports} reports, ${privacy}): σ = ${c.stddev.toFixed(2)} per value; farthest from the truth in its own standard errors: ${c.worst.label} ${signed(c.worst.error)} (${c.worst.se > 0 ? (Math.abs(c.worst.error) / c.worst.se).toFixed(2) : '–'} se).`,
  ];
  return lines.join('\n');
}
