/**
 * What a model of recency would buy against the popularity baseline (issue 9's MovieTweetings gap):
 * popularity counts with each training rating weighted exp(−age/τ), age measured back from the
 * data set's last training rating, ranked as the popularity baseline ranks (no DP: an upper
 * estimate of what a recency-weighted DP histogram could give), on both data sets with the splits
 * `npm run simulate` evaluates on. τ = ∞ is the baseline itself.
 *
 *   node --import tsx sim/experiments/recency-popularity.ts [--tau-days 730,365,180,90,30,14]
 *
 * Caveat, as for the baseline: other users' training ratings after a user's held-out ones are
 * counted too (the split is per user, not global), so an emphasis on the data's last months is
 * partly an emphasis on the months most held-out ratings fall in.
 */
import type { Dataset } from '../data.js';
import { evaluateRanking, type RankingQuality } from '../metrics.js';
import { flags, loadExperimentData } from './common.js';
import { loadMovieTweetings } from './mt-data.js';

const DAY_MS = 86_400_000;

/** HR@10 / NDCG@10 of the catalogue ranked by recency-weighted counts (τ in days; Infinity: plain counts). */
export function recencyPopularity(dataset: Dataset, tauDays: number): RankingQuality {
  if (!(tauDays > 0)) throw new RangeError(`tauDays must be > 0; got ${tauDays}`);
  let end = Number.NEGATIVE_INFINITY;
  for (const user of dataset.users) for (const rating of user.train) end = Math.max(end, rating.timestamp);
  const counts = new Float64Array(dataset.catalogue.ids.length);
  for (const user of dataset.users) {
    for (const rating of user.train) {
      const row = dataset.catalogue.indexOf.get(rating.itemId);
      if (row !== undefined) counts[row] += Number.isFinite(tauDays) ? Math.exp(-(end - rating.timestamp) / (tauDays * DAY_MS)) : 1;
    }
  }
  return evaluateRanking(dataset, () => counts);
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const taus = [Number.POSITIVE_INFINITY, ...(f['tau-days'] ?? '730,365,180,90,30,14').split(',').map(Number)];
  const sets: [string, Dataset][] = [
    ['ml-latest-small', (await loadExperimentData()).dataset],
    ['movietweetings-2013', loadMovieTweetings().dataset],
  ];
  console.log(`| τ (days) | ${sets.map(([name]) => `${name} HR@10 (× plain popularity)`).join(' | ')} |`);
  console.log(`|---:|${sets.map(() => '---:').join('|')}|`);
  const plain = sets.map(([, dataset]) => recencyPopularity(dataset, Number.POSITIVE_INFINITY).hitRate);
  for (const tau of taus) {
    const cells = sets.map(([, dataset], i) => {
      const hr = recencyPopularity(dataset, tau).hitRate;
      return `${hr.toFixed(4)} (${(hr / plain[i]!).toFixed(2)} ×)`;
    });
    console.log(`| ${Number.isFinite(tau) ? tau : '∞ (the baseline)'} | ${cells.join(' | ')} |`);
  }
}

if (process.argv[1]?.endsWith('recency-popularity.ts')) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
