/**
 * `npm run simulate -- --dataset movietweetings`: issue 9's table on the long-tailed population,
 * every one of the 21,081 MovieTweetings users a device (catalogue: the items with ≥ 5 ratings;
 * each user's last 20 % held out in time order, sim/experiments/mt-data.ts).
 *
 * The run is in-process, not over HTTP: the devices' own code (the popularity and ALS task
 * handlers, the vector-sum mechanism with its discrete noise, clipped and rounded on the grid) and
 * the server's (its secure noise plan, ALS strategy and accountant's ρ), called directly by
 * sim/experiments/real-path.ts. On ml-latest-small that path gives the HTTP run's numbers (the
 * transport adds nothing: sim/README.md); replaying 21k devices through fake-indexeddb and HTTP
 * would take hours on 2 cores. Devices with nothing in the catalogue to learn from send nothing,
 * as a browser's do ('no-data'), and the noise is planned for the devices that do.
 */
import { writeFileSync } from 'node:fs';
import { zcdpToEpsilon } from '../core/dp/accountant/zcdp.js';
import { ALS_SETTINGS } from '../server/tasks.js';
import type { SimulateOptions } from './args.js';
import { centralAlsQuality } from './baselines/central-als.js';
import { popularityScorer } from './baselines/popularity.js';
import { loadMovieTweetings } from './experiments/mt-data.js';
import { runRealPath } from './experiments/real-path.js';
import { catalogueCategories } from './data.js';
import { evaluateRanking } from './metrics.js';
import { evaluationJson, formatEvaluation, TARGETS, type Evaluation } from './report.js';

export const MOVIETWEETINGS = 'movietweetings-2013';

export async function simulateMovieTweetings(options: SimulateOptions, log: (line: string) => void): Promise<number> {
  const started = Date.now();
  const data = loadMovieTweetings();
  const senders = data.interactions.filter((p) => p.length > 0).length;
  log(`${MOVIETWEETINGS}: ${data.interactions.length} devices, ${data.nItems} catalogue items, ${senders} with something to learn from`);

  const popularity = evaluateRanking(data.dataset, popularityScorer(data.dataset));
  const interactions = data.interactions.map((p) => [...p]);
  const centralQuality = centralAlsQuality(data.dataset, interactions, data.nItems, options.rounds);
  log(`centralized done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  // The factors start from the catalogue's genres, as a server started on this catalogue would (createAlsTask).
  const itemCategories = catalogueCategories(data.dataset.catalogue);
  const plain = await runRealPath(data, { epsilon: 0, rounds: options.rounds, itemCategories });
  log(`federated without DP done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const dp = await runRealPath(data, { epsilon: options.epsilon, rounds: options.rounds, noise: 'discrete', itemCategories });
  const epsilonSpent = zcdpToEpsilon(dp.rhoSpent, TARGETS.delta).epsilon;
  log(`federated with DP done (${((Date.now() - started) / 1000).toFixed(0)} s)`);

  const als = `ALS light, dim ${ALS_SETTINGS.dim}, top ${ALS_SETTINGS.topK}`;
  const rounds = `1 popularity + ${options.rounds} rounds × ${senders}`;
  const evaluation: Evaluation = {
    popularity: { method: 'popularity', quality: popularity, privacy: 'counts only' },
    central: { method: `centralized ${als} (same code)`, quality: centralQuality, privacy: 'none: all data on one server' },
    federated: { method: `federated ${als}, no DP (${rounds})`, quality: plain.quality, privacy: 'raw statistics seen by the server' },
    federatedDp: { method: `federated ${als}, DP, devices' discrete noise, in-process (${rounds})`, quality: dp.quality, privacy: `ε = ${epsilonSpent.toFixed(2)} (popularity + ALS), δ = ${TARGETS.delta}` },
    epsilonSpent,
    delta: TARGETS.delta,
  };
  process.stdout.write(`\n${formatEvaluation(evaluation)}\n\n`);
  if (options.json !== null) {
    writeFileSync(options.json, `${JSON.stringify(evaluationJson(MOVIETWEETINGS, evaluation), null, 2)}\n`);
    log(`wrote ${options.json}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s (${data.interactions.length} devices, ${options.rounds} rounds)`);
  return 0;
}
