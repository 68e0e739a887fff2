/**
 * Shared pieces of the fast, in-process model experiments (issue 9, part 4): the same data, the
 * same device-side positives and the same metrics as `npm run simulate`, with the model maths in
 * plain Float32Array loops (no tfjs, no aggregator, no fake-indexeddb after the first replay).
 *
 * - `loadExperimentData()`: the storefront catalogue (2,588 items), every user's time split, and
 *   each user's weighted positives exactly as the device derives them (replayed once through the
 *   engine, sim/population.ts, then cached in /tmp as JSON).
 * - `evaluate(scores)`: sim/metrics.ts evaluateRanking over per-user score vectors.
 * - `rhoForEpsilon(ε, δ)`: the zCDP ρ whose tightest conversion (core/dp zcdpToEpsilon) is ε.
 * - `gaussian(rng)`: a seeded normal (experiment noise only; the SDK draws from the CSPRNG).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { storefrontCatalogueIds } from '../catalogue-source.js';
import { loadDataset, splitHistory, type Dataset } from '../data.js';
import { evaluateRanking, type RankingQuality } from '../metrics.js';
import { popularityScorer } from '../baselines/popularity.js';
import { zcdpToEpsilon } from '../../core/dp/accountant/zcdp.js';
import type { Interaction } from '../../worker/models/feedback.js';
import { seededRandom, type SeededRandom } from '../random.js';

export interface ExperimentData {
  readonly dataset: Dataset;
  readonly nItems: number;
  /** Per user (dataset order): positives as catalogue rows with the device's confidence weights. */
  readonly interactions: readonly (readonly Interaction[])[];
}

const CACHE = '/tmp/inkling-exp-interactions.json';

/**
 * 'test': every user's training 80 % and held-out last 20 % (what `npm run simulate` evaluates);
 * 'validation': the same rule applied inside the training part (its first 80 % trains, its last
 * 20 % is held out), so choices can be made without looking at the test items.
 */
export type HoldOut = 'test' | 'validation';

export async function loadExperimentData(holdOut: HoldOut = 'test'): Promise<ExperimentData> {
  const source = storefrontCatalogueIds();
  const full = loadDataset({ catalogueIds: source.ids });
  const dataset = holdOut === 'test' ? full : validationSplit(full);
  const nItems = dataset.catalogue.ids.length;
  const cache = holdOut === 'test' ? CACHE : CACHE.replace('.json', '-validation.json');
  let interactions: Interaction[][];
  if (existsSync(cache)) {
    interactions = JSON.parse(readFileSync(cache, 'utf8')) as Interaction[][];
  } else {
    const { replayPopulation } = await import('../population.js');
    const visitors = await replayPopulation(dataset);
    interactions = visitors.map((v) => v.interactions.map((i) => ({ item: i.item, weight: i.weight })));
    writeFileSync(cache, JSON.stringify(interactions));
  }
  if (interactions.length !== dataset.users.length) throw new Error('interaction cache does not match the data set');
  return { dataset, nItems, interactions };
}

/** The training part of every user split again by the same rule: its tail becomes the held-out items. */
function validationSplit(dataset: Dataset): Dataset {
  const inCatalogue = (id: string): boolean => dataset.catalogue.indexOf.has(id);
  return { catalogue: dataset.catalogue, users: dataset.users.filter((u) => u.train.length >= 2).map((u) => splitHistory(u.userId, u.train, inCatalogue)) };
}

export function evaluate(data: ExperimentData, scores: (userIndex: number) => Float32Array): RankingQuality {
  return evaluateRanking(data.dataset, (_u, i) => scores(i));
}

export function popularity(data: ExperimentData): RankingQuality {
  return evaluateRanking(data.dataset, popularityScorer(data.dataset));
}

/** Largest ρ with zcdpToEpsilon(ρ, δ).epsilon ≤ ε (bisection). */
export function rhoForEpsilon(epsilon: number, delta: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpToEpsilon(mid, delta).epsilon <= epsilon) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** σ of the Gaussian noise on ONE round's sum: clip C, R rounds sharing ρ_total, each device once per round. */
export function sumSigma(clip: number, rounds: number, rhoTotal: number): number {
  return clip * Math.sqrt(rounds / (2 * rhoTotal));
}

export type Rng = SeededRandom;

/** The simulator's mulberry32 (sim/random.ts): experiments and simulator draw the same streams. */
export const seeded = seededRandom;

export function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

export function fmt(q: RankingQuality): string {
  return `HR@10 ${q.hitRate.toFixed(4)} NDCG@10 ${q.ndcg.toFixed(4)} (${q.users} users)`;
}

/** Parses `--key value` pairs into a record (numbers where they parse). */
export function flags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
      else {
        out[a.slice(2)] = next;
        i++;
      }
    }
  }
  return out;
}

export function num(f: Record<string, string>, key: string, fallback: number): number {
  const v = f[key];
  return v === undefined ? fallback : Number(v);
}
