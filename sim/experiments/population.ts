/**
 * Issue 9 part 5: population scale, on MovieTweetings 2013 (mt-data.ts: 21,081 users, every user a
 * device; catalogue = items with ≥ 5 ratings, 3,464; users with one rating train on nothing and
 * still send an all-zero statistics vector with their noise share). Model: the best DP row of
 * README.md (federated ALS light, dim 8, top 200, α 0.5, the shipped ALS_ROUNDS (2), C 1, λ_dp 5,
 * pop prior 0.03).
 * Devices with no positives among the model rows rank by the (DP) counts (cold fallback).
 *
 *   node --import tsx sim/experiments/population.ts --table [--seeds 1,2,3]
 *   node --import tsx sim/experiments/population.ts --curve [--seeds 1,2,3] [--sizes 100,300,...]
 *
 * --table: popularity, centralized ALS, federated ALS without DP, federated ALS DP at ε 8 with the
 *   distributed noise of this design (per-device shares σ_sum/√(n−1), summed), all devices every round.
 * --curve: HR@10 against devices per round (a fresh uniform sample each round, the histogram from one
 *   sample), evaluated on every user: no DP, central DP (σ_sum once on the sum), this design
 *   (distributed shares; the realised noise std / σ_sum is printed), local DP (σ_local = σ_sum on
 *   each device: √n·σ_sum on the sum).
 * HR@10 "all" counts every user with a held-out catalogue item (cold ones get the counts ranking);
 * "warm" only those with ≥ 1 training item in the catalogue.
 */
import { evaluateRanking } from '../metrics.js';
import { popularityScorer } from '../baselines/popularity.js';
import { ALS_ROUNDS } from '../../server/tasks.js';
import { flags } from './common.js';
import { runFedAls, type FedAlsOptions, type NoiseModel } from './fed-als.js';
import { loadMovieTweetings } from './mt-data.js';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const seeds = (f.seeds ?? '1,2,3').split(',').map(Number);
  const data = loadMovieTweetings(Number(f['min-ratings'] ?? 5));
  const evaluated = data.dataset.users.filter((u) => u.heldOut.length > 0).length;
  const warmEval = data.dataset.users.filter((u, i) => u.heldOut.length > 0 && data.warm[i]).length;
  const single = data.dataset.users.filter((u) => u.train.length === 0).length;
  console.log(
    `MovieTweetings 2013: ${data.interactions.length} devices, catalogue ${data.nItems} items (≥ ${f['min-ratings'] ?? 5} ratings), ` +
      `${single} with one rating (train nothing), ${data.warm.filter(Boolean).length} warm (≥ 1 training item in the catalogue); ` +
      `evaluated ${evaluated} (warm ${warmEval})`,
  );
  const topk = Number(f.topk ?? 200);
  const model: FedAlsOptions = { dim: 8, topk, iters: ALS_ROUNDS, alpha: 0.5, coldFallback: true };
  const fed: FedAlsOptions = { ...model, clip: 1, unorm: 1 };
  const dp: FedAlsOptions = { ...fed, eps: 8, lambdaDp: Number(f['lambda-dp'] ?? 5), popw: Number(f.popw ?? 0.03) };
  const mean = (opts: FedAlsOptions): { all: number; warm: number; ndcg: number; ratio: number; sigma: number; sl: number } => {
    let all = 0;
    let warm = 0;
    let ndcg = 0;
    let ratio = 0;
    let sigma = 0;
    let sl = 0;
    for (const seed of seeds) {
      const r = runFedAls(data, { ...opts, seed, evalMask: data.warm });
      all += r.quality.hitRate;
      ndcg += r.quality.ndcg;
      warm += r.masked.hitRate;
      ratio += r.noiseRatio;
      sigma = r.sigmaSum;
      sl = r.bound.sigmaLocal;
    }
    const m = seeds.length;
    return { all: all / m, warm: warm / m, ndcg: ndcg / m, ratio: ratio / m, sigma, sl };
  };
  if (f.table) {
    const pop = evaluateRanking(data.dataset, popularityScorer(data.dataset));
    const popWarm = evaluateRanking({ ...data.dataset, users: data.dataset.users.filter((_, i) => data.warm[i]) }, popularityScorer(data.dataset));
    console.log(`\n| method | HR@10 all | HR@10 warm | NDCG@10 all | vs popularity (all) | ε |`);
    console.log('|---|---:|---:|---:|---:|---|');
    console.log(`| popularity | ${pop.hitRate.toFixed(4)} | ${popWarm.hitRate.toFixed(4)} | ${pop.ndcg.toFixed(4)} | 1.00× | – |`);
    const rows: [string, FedAlsOptions, string][] = [
      [`centralized ALS light, dim 8, top ${topk}`, model, 'none'],
      [`federated ALS light, no DP (C 1), top ${topk}`, fed, 'none'],
      [`federated ALS light, DP ε 8, distributed noise, top ${topk}, pop prior`, { ...dp, noise: 'distributed' }, '8'],
    ];
    for (const [label, opts, eps] of rows) {
      const r = mean(opts);
      const extra = eps === '8' ? ` (σ_sum ${r.sigma.toFixed(3)}, σ_l ${r.sl.toFixed(4)}, realised noise/σ_sum ${r.ratio.toFixed(4)})` : '';
      console.log(`| ${label} | ${r.all.toFixed(4)} | ${r.warm.toFixed(4)} | ${r.ndcg.toFixed(4)} | ${(r.all / pop.hitRate).toFixed(2)}× | ${eps}${extra} |`);
    }
  }
  if (f.curve) {
    const sizes = (f.sizes ?? '100,300,1000,3000,10000,20000').split(',').map(Number);
    const methods: [string, NoiseModel | 'nodp'][] = [
      ['no DP', 'nodp'],
      ['central DP', 'central'],
      ['secagg + distributed noise', 'distributed'],
      ['local DP', 'local'],
    ];
    console.log(`\nHR@10 (all evaluated users / warm), mean of seeds ${seeds.join(',')}, ε 8 δ 1e−6, ${ALS_ROUNDS} rounds, fresh sample of n devices per round`);
    console.log(`| devices per round | ${methods.map((m) => m[0]).join(' | ')} | distributed noise / σ_sum |`);
    console.log(`|---:|${methods.map(() => '---:').join('|')}|---:|`);
    for (const n of sizes) {
      const cells: string[] = [];
      let ratio = 0;
      for (const [, m] of methods) {
        const r = m === 'nodp' ? mean({ ...fed, perRound: n }) : mean({ ...dp, perRound: n, noise: m });
        cells.push(`${r.all.toFixed(4)} / ${r.warm.toFixed(4)}`);
        if (m === 'distributed') ratio = r.ratio;
      }
      console.log(`| ${n} | ${cells.join(' | ')} | ${ratio.toFixed(4)} (√(n/(n−1)) = ${Math.sqrt(n / (n - 1)).toFixed(4)}) |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
