/**
 * Issue 9 part 3: hostile devices under secure aggregation, in the fast ALS experiment (the best DP
 * row of README.md when it was measured: federated ALS light with the confidence Gram (each device
 * also sent c − 1 per row; the robust defence bounds ‖B_i‖ by it), dim 8, top 200, α 0.5, 3 rounds,
 * C 1, λ_dp 5, pop prior 0.03, ε 8 at δ 1e−6, all 671 ml-latest-small users every round; kept on
 * that layout so its table in sim/README.md reproduces). Hostile devices are a seeded
 * random subset of the users (their honest vector is replaced); the target is the item ranked 150th
 * by training popularity (inside the top-200 model). See fed-als.ts for the attacks and defences.
 *
 *   node --import tsx sim/experiments/hostile.ts [--seeds 1,2,3] [--attacks a,b] [--defences d,e] [--lambda-dp 5] [--popw 0.03]
 *
 * Prints attack × defence → HR@10 (mean over seeds), the target's hit rate (share of users with it in
 * their top 10) and mean rank, and the largest ‖round sum‖ / normclip bound seen.
 */
import { flags, loadExperimentData, seeded } from './common.js';
import { runFedAls, sampleUsers, type Attack, type Defence } from './fed-als.js';
import { popularityCounts } from '../baselines/popularity.js';

interface Row {
  label: string;
  attack: Attack;
  frac: number;
}

const ATTACKS: Record<string, Row> = {
  none: { label: 'no attack', attack: 'none', frac: 0 },
  random1: { label: 'random garbage 1 %', attack: 'random', frac: 0.01 },
  random5: { label: 'random garbage 5 %', attack: 'random', frac: 0.05 },
  targeted1: { label: 'targeted 1 % (S −B)', attack: 'targeted', frac: 0.01 },
  targeted5: { label: 'targeted 5 % (S −B)', attack: 'targeted', frac: 0.05 },
  adaptive1: { label: 'targeted 1 %, adaptive (S +B)', attack: 'adaptive', frac: 0.01 },
  adaptive5: { label: 'targeted 5 %, adaptive (S +B)', attack: 'adaptive', frac: 0.05 },
  sybil5: { label: 'sybil 5 % (honest-norm, ‖x‖ ≤ C)', attack: 'sybil', frac: 0.05 },
};

const DEFENCES: Record<string, { defences: Defence[]; topk: number }> = {
  none: { defences: [], topk: 200 },
  normclip: { defences: ['normclip'], topk: 200 },
  clamp: { defences: ['clamp'], topk: 200 },
  top100: { defences: [], topk: 100 },
  robust: { defences: ['robust'], topk: 200 },
  vcap: { defences: ['vcap'], topk: 200 },
  'robust+vcap': { defences: ['robust', 'vcap'], topk: 200 },
};

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const seeds = (f.seeds ?? '1,2,3').split(',').map(Number);
  const attacks = (f.attacks ?? Object.keys(ATTACKS).join(',')).split(',');
  const defs = (f.defences ?? Object.keys(DEFENCES).join(',')).split(',');
  const data = await loadExperimentData();
  const pop = popularityCounts(data.dataset);
  const byPop = Array.from(pop.keys()).sort((a, b) => pop[b]! - pop[a]! || a - b);
  const target = byPop[149]!;
  const nUsers = data.interactions.length;
  console.log(`target: catalogue row ${target} (${data.dataset.catalogue.ids[target]}, ${pop[target]} training interactions, popularity rank 150)`);
  const base = { confidenceGram: true, dim: 8, iters: 3, alpha: 0.5, clip: 1, unorm: 1, eps: 8, lambdaDp: Number(f['lambda-dp'] ?? 5), popw: Number(f.popw ?? 0.03), target };
  let printedBound = false;
  console.log('| attack | defence | HR@10 | NDCG@10 | target in top 10 | target mean rank | max ‖sum‖/bound |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const a of attacks) {
    const row = ATTACKS[a]!;
    for (const d of defs) {
      const def = DEFENCES[d]!;
      let hr = 0;
      let nd = 0;
      let th = 0;
      let tr = 0;
      let mx = 0;
      let inModel = 0;
      for (const seed of seeds) {
        const k = Math.round(row.frac * nUsers);
        const hostile = sampleUsers(nUsers, k, seeded(seed * 4099 + 11));
        const r = runFedAls(data, { ...base, topk: def.topk, seed, attack: row.attack, hostile, defences: def.defences });
        if (!printedBound) {
          console.log(`σ_sum ${r.sigmaSum.toFixed(3)}, σ_l ${r.bound.sigmaLocal.toFixed(4)}, B = C + σ_l·√(2 ln(2d/β)) = ${r.bound.B.toFixed(3)} (d ${r.vectorLength}), histogram B_h ${r.bound.Bh.toFixed(3)}; hostile 1 % = ${Math.round(0.01 * nUsers)}, 5 % = ${Math.round(0.05 * nUsers)} of ${nUsers}`);
          printedBound = true;
        }
        hr += r.quality.hitRate;
        nd += r.quality.ndcg;
        th += r.targetHitRate;
        tr += r.targetMeanRank;
        mx = Math.max(mx, r.maxSumNormRatio);
        inModel += r.targetInModel ? 1 : 0;
      }
      const m = seeds.length;
      console.log(`| ${row.label} | ${d} | ${(hr / m).toFixed(4)} | ${(nd / m).toFixed(4)} | ${(th / m).toFixed(3)} | ${(tr / m).toFixed(0)} | ${mx.toFixed(2)}${inModel < m ? ` (target modelled ${inModel}/${m})` : ''} |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
