/**
 * Fixed-schedule private reports (issue 12 §2): every consenting device sends exactly one report
 * per period (a UTC day by default) whether or not it did anything, so that taking part reveals
 * nothing — the same length, the same schedule, zeros for an idle day. This module is the report's
 * contract: its fixed-length layout, the device's encoder (clipping), the report's exact L2 bound
 * (the task's clipNorm), the period a timestamp belongs to, and the decoder from a released noisy
 * sum to estimates with standard errors. Isomorphic, imports only core/dp/checks; measured in
 * sim/experiments/daily-report.ts (sim/experiments/README.md, "Fixed-schedule reports").
 *
 * Layout (`dailyReportLayout`), one block after the other, K categories, V search terms, S segments:
 *
 * | block      | length | entry                                               | L2 bound            |
 * |------------|--------|-----------------------------------------------------|---------------------|
 * | views      | K      | product views in the category, ≤ perCategory          | blockBound(b, m)    |
 * | carts      | K      | products added to the cart in the category           | blockBound(b, m)    |
 * | buys       | K      | products bought in the category                      | blockBound(b, m)    |
 * | funnel     | 4      | one-hot: the furthest stage reached in the period    | 1                   |
 * | searches   | V      | searches for the public term, ≤ 1 each               | √m_s                |
 * | conversion | 2·S    | [visited, bought] (0/1) in the device's segment's slot | √2 (0 when S = 0)  |
 *
 * Funnel stages: visited → viewed a product → carted → bought; a device writes a 1 at the furthest
 * one it reached (nothing when it did not visit), so the number of devices that reached stage s or
 * further is the suffix sum from s (`decodeDailyReport`), each device counted once per period.
 *
 * Clipping (the device's, so the bound is exact and the aggregator's own clip never changes a
 * report): each per-category count is first capped at `perCategory` (b), then, when the block's
 * total exceeds `perPeriod` (m), the whole block is scaled by m/total (proportional, so a heavy
 * device's category mix is kept and only its volume is cut). The block is then in
 * { 0 ≤ x_i ≤ b, Σx_i ≤ m }, whose largest L2 norm is at a vertex: ⌊m/b⌋ entries at b and one at
 * m − b⌊m/b⌋ (`blockBound`). The report's bound is the root of the blocks' squared bounds
 * (`dailyReportClipNorm`); every report has L2 ≤ it, whatever the day.
 *
 * Privacy: one report per device per period, so one period's released sum (secure aggregation
 * plus Gaussian noise σ on the sum, or the DP path) costs each device ρ = Δ²/(2σ²) (Bun & Steinke
 * 2016, Prop. 1.6) with Δ = dailyReportClipNorm; the device ledger charges it once per period like
 * any round. Everything in `decodeDailyReport` is post-processing of the released sum (Dwork &
 * Roth 2014, Prop. 2.1): clamping at 0, the funnel made monotone, rates and their delta-method
 * standard errors. Summing the released sums of several periods (a week, the whole data) is also
 * post-processing; its noise is σ·√periods.
 */
import { fail, requireFiniteVector, requireIntegerInRange, requireNonNegativeFinite, requirePositiveFinite } from '../dp/checks.js';

/** A UTC day in milliseconds. */
export const DAY_MS = 86_400_000;

/** The funnel's stages, in order; a device reports the furthest one it reached. */
export const FUNNEL_STAGES = ['visited', 'viewed-product', 'carted', 'bought'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** Per-block clipping: each count ≤ perCategory, the block's total ≤ perPeriod. */
export interface BlockClip {
  readonly perCategory: number;
  readonly perPeriod: number;
}

export interface DailyReportBounds {
  readonly views: BlockClip;
  readonly carts: BlockClip;
  readonly buys: BlockClip;
  /** Searches: each public term counted at most once, at most this many terms per period. */
  readonly searches: number;
}

/**
 * Defaults, measured (sim/experiments/daily-report.ts --sweep on MovieTweetings, 21,081 devices,
 * ε 1 per day): for daily reports views b 2, m 16 had the lowest error of the sweep (12 % rmse on
 * the whole-period histogram; b 1 m 4: 33 %, b 4 m 32: 18 %): smaller caps lose the bursty days'
 * views (MovieTweetings users rate many films in one sitting), larger ones add noise. Carts and
 * buys are rarer (a few products a day): 1 per category, 2 per day; 2 search terms.
 * Δ² = 32 + 2 + 2 + 1 + 2 + 2 = 41 with segments and ≥ 8 categories (Δ 6.4).
 */
export const DEFAULT_DAILY_REPORT_BOUNDS: DailyReportBounds = {
  views: { perCategory: 2, perPeriod: 16 },
  carts: { perCategory: 1, perPeriod: 2 },
  buys: { perCategory: 1, perPeriod: 2 },
  searches: 2,
};

/**
 * The caps for a period of `periodDays` days: a longer period's report must carry more (a device's
 * busiest four weeks hold about as many views as its busiest day, but not sixteen times as few),
 * and the caps are what the device clips with, so they follow from the period the task advertises
 * rather than from a field a device would have to trust. Measured (sim/experiments/daily-report.ts
 * --sweep, MovieTweetings, the whole window): 1 day b 2 m 16 (worst rmse 12.2 %), 7 days b 8 m 64
 * (5.6 %), 28 days b 16 m 128 (3.7 %); carts and buys, rarer, 1/2 a day and 2/8 over a week or more.
 *
 * @example reportBounds(28).views; // { perCategory: 16, perPeriod: 128 }
 */
export function reportBounds(periodDays: number): DailyReportBounds {
  requireIntegerInRange('periodDays', periodDays, 1, DAILY_REPORT_MAX_PERIOD_DAYS);
  if (periodDays < 7) return DEFAULT_DAILY_REPORT_BOUNDS;
  const rare = { perCategory: 2, perPeriod: 8 };
  return { views: periodDays < 28 ? { perCategory: 8, perPeriod: 64 } : { perCategory: 16, perPeriod: 128 }, carts: rare, buys: rare, searches: DEFAULT_DAILY_REPORT_BOUNDS.searches };
}

/** Sizes the task may ask for: the upload is 3K + 4 + V + 2S floats. */
export const DAILY_REPORT_MAX_CATEGORIES = 64;
export const DAILY_REPORT_MAX_SEARCH_TERMS = 256;
export const DAILY_REPORT_MAX_SEGMENTS = 16;
/** Periods the task may ask for, in days (a day … four weeks). */
export const DAILY_REPORT_MAX_PERIOD_DAYS = 28;

/** The owner's task configuration: the public vocabularies a device maps its events onto. */
export interface DailyReportSpec {
  readonly categories: readonly string[];
  readonly searchTerms: readonly string[];
  /** Segments with a conversion slot each (0: no per-segment conversion). */
  readonly segments: number;
  readonly bounds?: DailyReportBounds;
}

/** Offsets of each block in the report vector. */
export interface DailyReportLayout {
  readonly categories: readonly string[];
  readonly searchTerms: readonly string[];
  readonly segments: number;
  readonly bounds: DailyReportBounds;
  readonly views: number;
  readonly carts: number;
  readonly buys: number;
  readonly funnel: number;
  readonly searches: number;
  readonly conversion: number;
  readonly length: number;
}

function checkClip(name: string, clip: BlockClip): void {
  requireIntegerInRange(`${name}.perCategory`, clip.perCategory, 1, 1000);
  requireIntegerInRange(`${name}.perPeriod`, clip.perPeriod, 1, 10_000);
}

function checkNames(name: string, values: readonly string[], max: number): void {
  if (!Array.isArray(values)) fail(name, 'an array of strings', values);
  requireIntegerInRange(`${name}.length`, values.length, 0, max);
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (typeof v !== 'string' || v === '') fail(`${name}[${i}]`, 'a non-empty string', v);
    if (seen.has(v)) fail(`${name}[${i}]`, 'unique', v);
    seen.add(v);
  }
}

/**
 * The report's layout for a spec (validated: every argument error is a RangeError naming it).
 *
 * @example
 * const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: ['drama'], segments: 2 });
 * layout.length; // 3·2 + 4 + 1 + 2·2 = 15
 */
export function dailyReportLayout(spec: DailyReportSpec): DailyReportLayout {
  if (spec === null || typeof spec !== 'object') fail('spec', 'an object', spec);
  // No categories is a report of its own: the daily one carries only the funnel, searches and
  // conversion, the per-category counts going to the 28-day report (reportBounds).
  checkNames('spec.categories', spec.categories, DAILY_REPORT_MAX_CATEGORIES);
  checkNames('spec.searchTerms', spec.searchTerms, DAILY_REPORT_MAX_SEARCH_TERMS);
  requireIntegerInRange('spec.segments', spec.segments, 0, DAILY_REPORT_MAX_SEGMENTS);
  const bounds = spec.bounds ?? DEFAULT_DAILY_REPORT_BOUNDS;
  checkClip('spec.bounds.views', bounds.views);
  checkClip('spec.bounds.carts', bounds.carts);
  checkClip('spec.bounds.buys', bounds.buys);
  requireIntegerInRange('spec.bounds.searches', bounds.searches, 0, 1000);
  const k = spec.categories.length;
  const views = 0;
  const carts = k;
  const buys = 2 * k;
  const funnel = 3 * k;
  const searches = funnel + FUNNEL_STAGES.length;
  const conversion = searches + spec.searchTerms.length;
  const length = conversion + 2 * spec.segments;
  return { categories: [...spec.categories], searchTerms: [...spec.searchTerms], segments: spec.segments, bounds, views, carts, buys, funnel, searches, conversion, length };
}

/**
 * The largest L2 norm of x with 0 ≤ x_i ≤ b and Σx_i ≤ m (enough coordinates): ⌊m/b⌋ at b, one at
 * the remainder (a convex function's maximum over a polytope is at a vertex; these are the vertices
 * farthest from 0).
 *
 * @example
 * blockBound({ perCategory: 1, perPeriod: 4 }); // 2
 */
export function blockBound(clip: BlockClip, coordinates = Infinity): number {
  const full = Math.min(Math.floor(clip.perPeriod / clip.perCategory), coordinates);
  const rest = full < coordinates ? clip.perPeriod - full * clip.perCategory : 0;
  return Math.sqrt(full * clip.perCategory ** 2 + rest ** 2);
}

/**
 * The exact L2 bound of every report of the layout (the task's clipNorm): the largest norm the
 * encoder can produce, reached by a device that maxes every block.
 *
 * @example
 * dailyReportClipNorm(dailyReportLayout({ categories: ['a', 'b', 'c', 'd'], searchTerms: ['x', 'y'], segments: 4 })); // 5: √(4·2² + 2 + 2 + 1 + 2 + 2)
 */
export function dailyReportClipNorm(layout: DailyReportLayout): number {
  const k = layout.categories.length;
  const b = layout.bounds;
  const searches = Math.min(b.searches, layout.searchTerms.length);
  const squares = blockBound(b.views, k) ** 2 + blockBound(b.carts, k) ** 2 + blockBound(b.buys, k) ** 2 + 1 + searches + (layout.segments > 0 ? 2 : 0);
  return Math.sqrt(squares);
}

/** What the device's engine counted in one period (raw, unclipped; names outside the vocabularies are not reported). */
export interface PeriodActivity {
  readonly views?: Readonly<Record<string, number>>;
  readonly carts?: Readonly<Record<string, number>>;
  readonly buys?: Readonly<Record<string, number>>;
  readonly searches?: Readonly<Record<string, number>>;
  /** The furthest funnel stage reached (null or absent: the device did not visit). */
  readonly stage?: FunnelStage | null;
  /** The device's segment id in [0, segments) (null or absent: none known; conversion block stays 0). */
  readonly segment?: number | null;
}

function writeBlock(out: Float64Array, offset: number, names: readonly string[], counts: Readonly<Record<string, number>> | undefined, clip: BlockClip, label: string): void {
  if (counts === undefined) return;
  if (counts === null || typeof counts !== 'object') fail(label, 'a record of counts', counts);
  let total = 0;
  for (const [i, name] of names.entries()) {
    const raw = Object.prototype.hasOwnProperty.call(counts, name) ? counts[name]! : 0;
    requireNonNegativeFinite(`${label}.${name}`, raw);
    const v = Math.min(raw, clip.perCategory);
    out[offset + i] = v;
    total += v;
  }
  if (total > clip.perPeriod) {
    const scale = clip.perPeriod / total;
    for (let i = 0; i < names.length; i++) out[offset + i]! *= scale;
  }
}

/**
 * The device's report for one period: always `layout.length` values, zeros for an idle period,
 * L2 ≤ dailyReportClipNorm(layout).
 *
 * @example
 * const layout = dailyReportLayout({ categories: ['Drama', 'Comedy'], searchTerms: [], segments: 0 });
 * encodeDailyReport(layout, { views: { Drama: 3 }, stage: 'viewed-product' });
 * // → [2, 0, 0, 0, 0, 0, 0, 1, 0, 0]: Drama's 3 views capped at 2, funnel one-hot on 'viewed-product'
 */
export function encodeDailyReport(layout: DailyReportLayout, activity: PeriodActivity): Float64Array {
  if (activity === null || typeof activity !== 'object') fail('activity', 'an object', activity);
  const out = new Float64Array(layout.length);
  const b = layout.bounds;
  writeBlock(out, layout.views, layout.categories, activity.views, b.views, 'activity.views');
  writeBlock(out, layout.carts, layout.categories, activity.carts, b.carts, 'activity.carts');
  writeBlock(out, layout.buys, layout.categories, activity.buys, b.buys, 'activity.buys');
  writeBlock(out, layout.searches, layout.searchTerms, activity.searches, { perCategory: 1, perPeriod: Math.max(b.searches, 1) }, 'activity.searches');
  if (b.searches === 0) out.fill(0, layout.searches, layout.conversion);
  const stage = activity.stage ?? null;
  if (stage !== null) {
    const s = FUNNEL_STAGES.indexOf(stage);
    if (s < 0) fail('activity.stage', `one of ${FUNNEL_STAGES.join(', ')} or null`, stage);
    out[layout.funnel + s] = 1;
  }
  const segment = activity.segment ?? null;
  if (segment !== null && layout.segments > 0) {
    requireIntegerInRange('activity.segment', segment, 0, layout.segments - 1);
    if (stage !== null) {
      out[layout.conversion + 2 * segment] = 1;
      if (stage === 'bought') out[layout.conversion + 2 * segment + 1] = 1;
    }
  }
  return out;
}

/** The period a time belongs to: whole periods of `periodDays` UTC days since the Unix epoch. */
export function periodOf(atMs: number, periodDays = 1): number {
  if (typeof atMs !== 'number' || !Number.isFinite(atMs)) fail('atMs', 'a finite number', atMs);
  requireIntegerInRange('periodDays', periodDays, 1, DAILY_REPORT_MAX_PERIOD_DAYS);
  return Math.floor(atMs / (periodDays * DAY_MS));
}

/** The period's [start, end) in milliseconds. */
export function periodBounds(period: number, periodDays = 1): { readonly start: number; readonly end: number } {
  requireIntegerInRange('period', period, -1e8, 1e8);
  requireIntegerInRange('periodDays', periodDays, 1, DAILY_REPORT_MAX_PERIOD_DAYS);
  return { start: period * periodDays * DAY_MS, end: (period + 1) * periodDays * DAY_MS };
}

/**
 * The period id as the task's round names it ("2013-10-16" for a day, "2013-10-14+7d" otherwise):
 * the start day in UTC.
 */
export function periodLabel(period: number, periodDays = 1): string {
  const day = new Date(periodBounds(period, periodDays).start).toISOString().slice(0, 10);
  return periodDays === 1 ? day : `${day}+${periodDays}d`;
}

/** One released estimate: the post-processed value and the standard error of the raw one. */
export interface Estimate {
  readonly value: number;
  readonly se: number;
}

export interface DailyReportEstimates {
  readonly views: readonly Estimate[];
  readonly carts: readonly Estimate[];
  readonly buys: readonly Estimate[];
  /** Devices that reached each stage or further (visited ≥ viewed-product ≥ carted ≥ bought). */
  readonly funnel: readonly Estimate[];
  readonly searches: readonly Estimate[];
  /** Per segment: devices that visited, that bought, and the rate bought/visited in [0, 1]. */
  readonly conversion: readonly { readonly visited: Estimate; readonly bought: Estimate; readonly rate: Estimate }[];
}

/**
 * Pool-adjacent-violators for a non-increasing fit (equal weights): the least-squares
 * non-increasing sequence nearest to `values` (Barlow et al. 1972).
 */
export function nonIncreasing(values: readonly number[]): number[] {
  const blocks: { sum: number; n: number }[] = [];
  for (const v of values) {
    blocks.push({ sum: v, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.sum / prev.n >= last.sum / last.n) break;
      prev.sum += last.sum;
      prev.n += last.n;
      blocks.pop();
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.n).fill(b.sum / b.n));
}

/**
 * Estimates from a released sum (one period's, or several periods' added up): `sum` is the noisy
 * sum of `reports` reports, `sigma` the standard deviation of its noise on each coordinate (for k
 * periods added up, σ·√k). Counts are clamped at 0 (and the funnel at `reports`), the funnel made
 * non-increasing, each `se` is the raw estimate's (σ; σ·√stages for a funnel suffix sum; the delta
 * method for a rate). Pure post-processing: no ε.
 *
 * @example
 * const est = decodeDailyReport(layout, noisySum, sigma, devices);
 * est.views[0]; // { value: 1234.5, se: 17.9 }
 */
export function decodeDailyReport(layout: DailyReportLayout, sum: ArrayLike<number>, sigma: number, reports: number): DailyReportEstimates {
  requireFiniteVector('sum', sum, layout.length);
  requireNonNegativeFinite('sigma', sigma);
  requireNonNegativeFinite('reports', reports);
  const counts = (offset: number, n: number): Estimate[] =>
    Array.from({ length: n }, (_, i) => ({ value: Math.max(0, sum[offset + i]!), se: sigma }));
  const stages = FUNNEL_STAGES.length;
  const suffix: number[] = [];
  let acc = 0;
  for (let s = stages - 1; s >= 0; s--) {
    acc += sum[layout.funnel + s]!;
    suffix[s] = acc;
  }
  const monotone = nonIncreasing(suffix).map((v) => Math.min(reports, Math.max(0, v)));
  const funnel = monotone.map((value, s) => ({ value, se: sigma * Math.sqrt(stages - s) }));
  const conversion = Array.from({ length: layout.segments }, (_, g) => {
    const visitedRaw = sum[layout.conversion + 2 * g]!;
    const boughtRaw = sum[layout.conversion + 2 * g + 1]!;
    const visited = Math.min(reports, Math.max(0, visitedRaw));
    const bought = Math.min(visited, Math.max(0, boughtRaw));
    const rate = visited > 0 ? bought / visited : 0;
    // Var(B/V) ≈ σ²(1 + r²)/V² (delta method, independent noise on B and V).
    const rateSe = visited > 0 ? (sigma * Math.sqrt(1 + rate * rate)) / visited : Infinity;
    return { visited: { value: visited, se: sigma }, bought: { value: bought, se: sigma }, rate: { value: rate, se: rateSe } };
  });
  return {
    views: counts(layout.views, layout.categories.length),
    carts: counts(layout.carts, layout.categories.length),
    buys: counts(layout.buys, layout.categories.length),
    funnel,
    searches: counts(layout.searches, layout.searchTerms.length),
    conversion,
  };
}

/**
 * σ of the Gaussian noise on one period's sum for a per-period zCDP budget ρ: σ = Δ/√(2ρ) (Bun &
 * Steinke 2016, Prop. 1.6), Δ = dailyReportClipNorm(layout).
 */
export function dailyReportSigma(layout: DailyReportLayout, rho: number): number {
  requirePositiveFinite('rho', rho);
  return dailyReportClipNorm(layout) / Math.sqrt(2 * rho);
}

/** The task's name on the aggregator (server/tasks.ts createDailyReportTask): the funnel, searches and conversion, every day. */
export const DAILY_REPORT_TASK = 'daily-report';
/** The 28-day report's: views, carts and buys per category (a day's caps lose too much; see reportBounds). */
export const MONTHLY_REPORT_TASK = 'monthly-report';
export const MONTHLY_REPORT_PERIOD_DAYS = 28;
/** The fixed-schedule report tasks a device fills with this contract. */
export const REPORT_TASKS: readonly string[] = [DAILY_REPORT_TASK, MONTHLY_REPORT_TASK];

/**
 * One name per value of the report, in layout order: `views:<category>`, `carts:<category>`,
 * `buys:<category>`, `funnel:<stage>`, `search:<term>`, `segment:<g>:visited`, `segment:<g>:bought`.
 * The task publishes them as its labels; a device rebuilds the layout from them (`layoutFromLabels`).
 *
 * @example
 * dailyReportLabels(dailyReportLayout({ categories: ['Drama'], searchTerms: [], segments: 0 }));
 * // → ['views:Drama', 'carts:Drama', 'buys:Drama', 'funnel:visited', 'funnel:viewed-product', 'funnel:carted', 'funnel:bought']
 */
export function dailyReportLabels(layout: DailyReportLayout): string[] {
  return [
    ...layout.categories.map((c) => `views:${c}`),
    ...layout.categories.map((c) => `carts:${c}`),
    ...layout.categories.map((c) => `buys:${c}`),
    ...FUNNEL_STAGES.map((s) => `funnel:${s}`),
    ...layout.searchTerms.map((t) => `search:${t}`),
    ...Array.from({ length: layout.segments }, (_, g) => [`segment:${g}:visited`, `segment:${g}:bought`]).flat(),
  ];
}

/**
 * The layout a task's labels describe (the inverse of `dailyReportLabels`), with the given bounds;
 * a RangeError names the first label out of place, so a device refuses a task it cannot fill.
 */
export function layoutFromLabels(labels: readonly string[], bounds: DailyReportBounds = DEFAULT_DAILY_REPORT_BOUNDS): DailyReportLayout {
  if (!Array.isArray(labels)) fail('labels', 'an array of strings', labels);
  const categories = labels.filter((l) => typeof l === 'string' && l.startsWith('views:')).map((l) => l.slice('views:'.length));
  const searchTerms = labels.filter((l) => typeof l === 'string' && l.startsWith('search:')).map((l) => l.slice('search:'.length));
  const segments = labels.filter((l) => typeof l === 'string' && /^segment:\d+:visited$/.test(l)).length;
  const layout = dailyReportLayout({ categories, searchTerms, segments, bounds });
  const wanted = dailyReportLabels(layout);
  if (labels.length !== wanted.length) fail('labels.length', `${wanted.length} (the layout of its views/search/segment labels)`, labels.length);
  for (let i = 0; i < wanted.length; i++) if (labels[i] !== wanted[i]) fail(`labels[${i}]`, JSON.stringify(wanted[i]), labels[i]);
  return layout;
}

/**
 * A report must belong to the open period: one for an earlier period is refused naming it (its
 * sum is released, a late report would be a second report from the device or lost silently), one
 * for a later period likewise (the device's clock is ahead). Throws a RangeError.
 *
 * @example
 * checkReportPeriod(periodOf(Date.UTC(2013, 9, 15)), periodOf(Date.UTC(2013, 9, 16)));
 * // RangeError: report for period 2013-10-15 is for a closed period; the open period is 2013-10-16
 */
export function checkReportPeriod(period: number, openPeriod: number, periodDays = 1): void {
  requireIntegerInRange('period', period, -1e8, 1e8);
  requireIntegerInRange('openPeriod', openPeriod, -1e8, 1e8);
  if (period === openPeriod) return;
  const which = period < openPeriod ? 'a closed period' : 'a period not open yet';
  throw new RangeError(`report for period ${periodLabel(period, periodDays)} is for ${which}; the open period is ${periodLabel(openPeriod, periodDays)}`);
}
