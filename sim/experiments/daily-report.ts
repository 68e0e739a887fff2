/**
 * Fixed-schedule private reports (issue 12 §2) on both shared data sets, every user a device that
 * sends one report (core/models/daily-report.ts) per period over the data's whole span — zeros on
 * the days it did nothing — and the owner's category histogram estimated from the released sums
 * against the truth.
 *
 * Each rating is a product view of the film's genres (sim/experiments/sequences.ts), funnel stage
 * 'viewed-product'; the data sets have no carts, buys, searches or segments, but the report carries
 * those blocks all the same (the category vocabulary as search terms, 4 segments), so Δ and the
 * noise are the shipping report's. One period's sum gets Gaussian noise σ = Δ/√(2ρ_period) with
 * ρ_day the largest ρ with zcdpToEpsilon(ρ, δ) ≤ ε (common.ts rhoForEpsilon) and ρ_period =
 * share·periodDays·ρ_day (a weekly report spends what seven daily ones would: zCDP adds up; `share`
 * is the report's part of the day's ρ when several reports split it, as the shipped two do). Windows:
 *
 *   whole   the released sums of every period added up (post-processing): noise σ·√periods,
 *           the question an owner asks of a histogram ("which genres, over the quarter")
 *   busy    the busiest single period alone (the data's most active day or week)
 *
 * Per category: truth = raw views in the window (unclipped), clipped = the noiseless sum of the
 * clipped reports, estimate = the decoded noisy sum (seed 1). relative error = |estimate − truth| /
 * truth; rmse = √((clipped − truth)² + noise variance)/truth, the seed-free expectation the target
 * is judged on. The share columns do the same for the category's share of all views
 * (estimate_i/Σestimate), which the proportional clip keeps nearly unbiased.
 *
 *   node --import tsx sim/experiments/daily-report.ts [--dataset mt|ml|both] [--eps 1] [--delta 1e-6]
 *     [--period 1] [--share 1] [--b 2] [--m 16] [--seed 1] [--json]
 *     [--shipped]   (the two reports as server/tasks.ts ships them: the 28-day categories, the daily funnel; half of ε a day each)
 *     [--sweep [--sweep-periods 1,7] [--sweep-caps 1/2,1/4,2/8]]   (b/m pairs; the whole window only)
 */
import {
  dailyReportClipNorm,
  dailyReportLayout,
  decodeDailyReport,
  encodeDailyReport,
  periodLabel,
  periodOf,
  reportBounds,
  type DailyReportLayout,
} from '../../core/models/daily-report.js';
import { flags, gaussian, num, rhoForEpsilon, seeded } from './common.js';
import { loadMovieLensSequences, loadMovieTweetingsSequences, type SequenceDataset } from './sequences.js';

interface CategoryRow {
  readonly category: string;
  readonly share: number;
  readonly truth: number;
  readonly clipped: number;
  readonly estimate: number;
  readonly se: number;
  readonly relativeError: number;
  readonly rmse: number;
  readonly shareEstimate: number;
  readonly shareRelativeError: number;
}

interface WindowResult {
  readonly window: 'whole' | 'busy';
  readonly label: string;
  readonly periods: number;
  readonly sigmaPeriod: number;
  readonly sigmaWindow: number;
  readonly views: number;
  readonly kept: number;
  readonly rows: readonly CategoryRow[];
  /** Categories with ≥ 1 % share: the largest rmse and the largest seed-1 relative error, of counts and of shares. */
  readonly worstRmse: number;
  readonly worstError: number;
  readonly worstShareError: number;
  readonly funnel: { readonly truth: number; readonly estimate: number; readonly se: number };
  readonly pass: boolean;
}

interface DatasetResult {
  readonly dataset: string;
  readonly devices: number;
  readonly epsilon: number;
  readonly delta: number;
  readonly periodDays: number;
  readonly share: number;
  readonly blocks: Options['blocks'];
  readonly rhoPeriod: number;
  readonly clipNorm: number;
  readonly reportLength: number;
  readonly windows: readonly WindowResult[];
}

interface Options {
  readonly epsilon: number;
  readonly delta: number;
  readonly periodDays: number;
  /** The share of the day's ρ this report gets (the rest goes to the other fixed-schedule reports). */
  readonly share: number;
  readonly b: number;
  readonly m: number;
  readonly seed: number;
  /**
   * Which blocks the report carries: 'all' (one report with every block, the first design: the
   * category vocabulary as search terms, 4 segments), 'categories' (the shipped 28-day report:
   * views/carts/buys per category and the funnel) or 'funnel' (the shipped daily report: the
   * funnel, searches and conversion, no categories).
   */
  readonly blocks: 'all' | 'categories' | 'funnel';
}

/** Per period: the sum of the raw view counts, the sum of the encoded reports, the active devices. */
interface PeriodSums {
  readonly raw: Float64Array;
  readonly encoded: Float64Array;
  active: number;
}

function periodSums(data: SequenceDataset, layout: DailyReportLayout, periodDays: number): Map<number, PeriodSums> {
  const out = new Map<number, PeriodSums>();
  const k = layout.categories.length;
  for (const user of data.users) {
    const byPeriod = new Map<number, Float64Array>();
    for (const step of user.steps) {
      const p = periodOf(step.at, periodDays);
      let counts = byPeriod.get(p);
      if (!counts) byPeriod.set(p, (counts = new Float64Array(k)));
      for (const c of step.categories) counts[c]! += 1;
    }
    for (const [p, counts] of byPeriod) {
      let sums = out.get(p);
      if (!sums) out.set(p, (sums = { raw: new Float64Array(k), encoded: new Float64Array(layout.length), active: 0 }));
      const views: Record<string, number> = {};
      counts.forEach((v, i) => {
        sums!.raw[i]! += v;
        if (v > 0) views[layout.categories[i]!] = v;
      });
      const report = encodeDailyReport(layout, { views, stage: 'viewed-product' });
      for (let i = 0; i < report.length; i++) sums.encoded[i]! += report[i]!;
      sums.active += 1;
    }
  }
  return out;
}

function windowResult(
  window: 'whole' | 'busy',
  label: string,
  periods: readonly number[],
  sums: Map<number, PeriodSums>,
  layout: DailyReportLayout,
  sigma: number,
  devices: number,
  seed: number,
): WindowResult {
  const k = layout.categories.length;
  const raw = new Float64Array(k);
  const clipped = new Float64Array(layout.length);
  const noisy = new Float64Array(layout.length);
  let active = 0;
  const rng = seeded(seed);
  for (const p of periods) {
    const s = sums.get(p);
    if (s) {
      for (let i = 0; i < k; i++) raw[i]! += s.raw[i]!;
      for (let i = 0; i < layout.length; i++) clipped[i]! += s.encoded[i]!;
      active += s.active;
    }
    // Every device reports every period, so every period is released, active or not.
    for (let i = 0; i < layout.length; i++) noisy[i]! += (s ? s.encoded[i]! : 0) + sigma * gaussian(rng);
  }
  const sigmaWindow = sigma * Math.sqrt(periods.length);
  const est = decodeDailyReport(layout, noisy, sigmaWindow, devices * periods.length);
  const total = raw.reduce((a, v) => a + v, 0);
  const estTotal = est.views.reduce((a, e) => a + e.value, 0);
  const rows: CategoryRow[] = layout.categories.map((category, i) => {
    const truth = raw[i]!;
    const estimate = est.views[i]!.value;
    const share = truth / total;
    const shareEstimate = estimate / estTotal;
    return {
      category,
      share,
      truth,
      clipped: clipped[layout.views + i]!,
      estimate,
      se: sigmaWindow,
      relativeError: truth > 0 ? Math.abs(estimate - truth) / truth : Infinity,
      rmse: truth > 0 ? Math.sqrt((clipped[layout.views + i]! - truth) ** 2 + sigmaWindow ** 2) / truth : Infinity,
      shareEstimate,
      shareRelativeError: share > 0 ? Math.abs(shareEstimate - share) / share : Infinity,
    };
  });
  rows.sort((a, b) => b.truth - a.truth);
  const big = rows.filter((r) => r.share >= 0.01);
  // A report without categories (the daily one) has no histogram to judge: NaN, not a pass.
  const worstRmse = big.length === 0 ? Number.NaN : Math.max(...big.map((r) => r.rmse));
  return {
    window,
    label,
    periods: periods.length,
    sigmaPeriod: sigma,
    sigmaWindow,
    views: total,
    kept: clipped.subarray(layout.views, layout.views + k).reduce((a, v) => a + v, 0),
    rows,
    worstRmse,
    worstError: big.length === 0 ? Number.NaN : Math.max(...big.map((r) => r.relativeError)),
    worstShareError: big.length === 0 ? Number.NaN : Math.max(...big.map((r) => r.shareRelativeError)),
    funnel: { truth: active, estimate: est.funnel[1]!.value, se: est.funnel[1]!.se },
    pass: worstRmse <= 0.05,
  };
}

function run(data: SequenceDataset, o: Options): DatasetResult {
  const shipped = reportBounds(o.periodDays);
  const layout = dailyReportLayout({
    categories: o.blocks === 'funnel' ? [] : data.vocabulary,
    searchTerms: o.blocks === 'categories' ? [] : data.vocabulary,
    segments: o.blocks === 'categories' ? 0 : 4,
    bounds: o.blocks === 'all' ? { views: { perCategory: o.b, perPeriod: o.m }, carts: { perCategory: 1, perPeriod: 2 }, buys: { perCategory: 1, perPeriod: 2 }, searches: 2 } : { ...shipped, views: { perCategory: o.b, perPeriod: o.m } },
  });
  const clipNorm = dailyReportClipNorm(layout);
  const rhoPeriod = o.share * o.periodDays * rhoForEpsilon(o.epsilon, o.delta);
  const sigma = clipNorm / Math.sqrt(2 * rhoPeriod);
  const sums = periodSums(data, layout, o.periodDays);
  const ids = [...sums.keys()].sort((a, b) => a - b);
  const all: number[] = [];
  for (let p = ids[0]!; p <= ids[ids.length - 1]!; p++) all.push(p);
  let busy = ids[0]!;
  for (const p of ids) if (sums.get(p)!.raw.reduce((a, v) => a + v, 0) > sums.get(busy)!.raw.reduce((a, v) => a + v, 0)) busy = p;
  const devices = data.users.length;
  return {
    dataset: data.name,
    devices,
    epsilon: o.epsilon,
    delta: o.delta,
    periodDays: o.periodDays,
    share: o.share,
    blocks: o.blocks,
    rhoPeriod,
    clipNorm,
    reportLength: layout.length,
    windows: [
      windowResult('whole', `${periodLabel(all[0]!, o.periodDays)} … ${periodLabel(all[all.length - 1]!, o.periodDays)}`, all, sums, layout, sigma, devices, o.seed),
      windowResult('busy', periodLabel(busy, o.periodDays), [busy], sums, layout, sigma, devices, o.seed + 1000),
    ],
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? '–' : Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '∞');

function print(r: DatasetResult): void {
  console.log(
    `\n### ${r.dataset}: ${r.devices} devices, ε ${r.epsilon} per device per day (δ ${r.delta}) of which this report's share ${r.share}, period ${r.periodDays} d, ρ/period ${r.rhoPeriod.toFixed(4)}, ` +
      `report ${r.reportLength} values (${r.blocks} blocks), Δ ${r.clipNorm.toFixed(3)}`,
  );
  for (const w of r.windows) {
    console.log(
      `\n${w.window} (${w.label}, ${w.periods} releases): σ/period ${w.sigmaPeriod.toFixed(1)}, σ of the window ${w.sigmaWindow.toFixed(1)}, ` +
        `${w.rows.length === 0 ? 'no categories in this report' : `views ${w.views} (clip kept ${pct(w.kept / w.views)})`}; devices that viewed a product: truth ${w.funnel.truth}, estimate ${w.funnel.estimate.toFixed(0)} ± ${w.funnel.se.toFixed(0)}`,
    );
    if (w.rows.length === 0) continue;
    console.log('| category | share | truth | clipped | estimate ± se | rel. error | rmse | share est. | share rel. error |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of w.rows) {
      const flag = row.share >= 0.01 ? '' : ' (< 1 %)';
      console.log(
        `| ${row.category}${flag} | ${pct(row.share)} | ${row.truth} | ${row.clipped.toFixed(0)} | ${row.estimate.toFixed(0)} ± ${row.se.toFixed(0)} | ` +
          `${pct(row.relativeError)} | ${pct(row.rmse)} | ${pct(row.shareEstimate)} | ${pct(row.shareRelativeError)} |`,
      );
    }
    console.log(
      `target (rmse ≤ 5 % for every category with ≥ 1 % share): ${w.pass ? 'PASS' : 'FAIL'} — worst rmse ${pct(w.worstRmse)}, ` +
        `worst seed error ${pct(w.worstError)}, worst share error ${pct(w.worstShareError)}`,
    );
  }
}

function main(): void {
  const f = flags(process.argv.slice(2));
  const which = f.dataset ?? 'both';
  const datasets: SequenceDataset[] = [];
  if (which === 'mt' || which === 'both') datasets.push(loadMovieTweetingsSequences());
  if (which === 'ml' || which === 'both') datasets.push(loadMovieLensSequences());
  const base: Options = {
    epsilon: num(f, 'eps', 1),
    delta: num(f, 'delta', 1e-6),
    periodDays: num(f, 'period', 1),
    share: num(f, 'share', 1),
    b: num(f, 'b', 2),
    m: num(f, 'm', 16),
    seed: num(f, 'seed', 1),
    blocks: 'all',
  };
  if (f.shipped === 'true') {
    // The two reports as they ship (server/tasks.ts): each half of ε a day, the caps of its period.
    const views = (days: number) => reportBounds(days).views;
    const monthly = { ...base, periodDays: 28, share: 0.5, b: views(28).perCategory, m: views(28).perPeriod, blocks: 'categories' as const };
    const daily = { ...base, periodDays: 1, share: 0.5, b: views(1).perCategory, m: views(1).perPeriod, blocks: 'funnel' as const };
    const results = datasets.flatMap((d) => [run(d, monthly), run(d, daily)]);
    if (f.json === 'true') console.log(JSON.stringify(results, null, 2));
    else results.forEach(print);
    return;
  }
  if (f.sweep === 'true') {
    console.log('| dataset | period | b | m | Δ | σ/period | σ whole | kept | worst rmse (≥ 1 %) | worst seed error | worst share error |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const data of datasets) {
      for (const periodDays of (f['sweep-periods'] ?? '1,7').split(',').map(Number)) {
        for (const [b, m] of (f['sweep-caps'] ?? '1/2,1/4,1/8,2/4,2/8,4/16,8/32').split(',').map((c) => c.split('/').map(Number) as [number, number])) {
          const r = run(data, { ...base, periodDays, b, m });
          const w = r.windows[0]!;
          console.log(
            `| ${r.dataset} | ${periodDays} d | ${b} | ${m} | ${r.clipNorm.toFixed(2)} | ${w.sigmaPeriod.toFixed(1)} | ${w.sigmaWindow.toFixed(0)} | ${pct(w.kept / w.views)} | ` +
              `${pct(w.worstRmse)} | ${pct(w.worstError)} | ${pct(w.worstShareError)} |`,
          );
        }
      }
    }
    return;
  }
  const results = datasets.map((d) => run(d, base));
  if (f.json === 'true') console.log(JSON.stringify(results, null, 2));
  else results.forEach(print);
}

main();
