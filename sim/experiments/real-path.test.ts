/**
 * The experiments' claims about what ships rest on one equivalence: the replica (fed-als.ts, the
 * loop of als.ts as a function) IS the shipping code (device handlers, the server's ALS strategy,
 * the scorer) once the two things the replica chooses differently are set its way: the init draw
 * and the scoring of a device with none of the rows. This pins it on
 * a small synthetic population (deterministic: seeded data, seeded noise, ε 8), so a change to either side that the other does not make fails here.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset, UserHistory } from '../data.js';
import { seededRandom } from '../random.js';
import type { ExperimentData } from './common.js';
import { runFedAls } from './fed-als.js';
import { runRealPath } from './real-path.js';

/** 160 users over 90 items with a popularity skew; 8 users hold only tail items (mostly outside the top rows). */
function syntheticData(): ExperimentData {
  const random = seededRandom(4242);
  const nItems = 90;
  const ids = Array.from({ length: nItems }, (_, i) => `m${i}`);
  const weights = [Math.log2(3), Math.log2(3.5), 2, Math.log2(4.5), Math.log2(5)];
  const users: UserHistory[] = [];
  const interactions: { item: number; weight: number }[][] = [];
  for (let u = 0; u < 160; u++) {
    const tail = u < 8;
    const picked = new Set<number>();
    const k = tail ? 3 : 6 + Math.floor(random() * 20);
    while (picked.size < k + 3) {
      // Tail users draw from the last 20 items only; the others with a skew towards low rows.
      picked.add(tail ? nItems - 1 - Math.floor(random() * 20) : Math.floor(nItems * random() ** 2));
    }
    const items = [...picked];
    const train = items.slice(0, k);
    const heldOut = items.slice(k);
    users.push({
      userId: u + 1,
      train: train.map((i, t) => ({ itemId: ids[i]!, rating: 4, timestamp: t })),
      heldOut: heldOut.map((i, t) => ({ itemId: ids[i]!, rating: 4, timestamp: 1000 + t })),
    });
    interactions.push(train.map((item) => ({ item, weight: weights[Math.floor(random() * weights.length)]! })));
  }
  const dataset: Dataset = {
    catalogue: { ids, indexOf: new Map(ids.map((id, i) => [id, i])), movies: new Map(), products: new Map() },
    users,
  };
  return { dataset, nItems, interactions };
}

describe('the shipping ALS path against the replica', () => {
  const data = syntheticData();
  const replicaWay = { init: 'replica', evaluation: 'replica' } as const;
  const replica = { dim: 8, alpha: 0.5, lambda: 1, iters: 3, clip: 1, unorm: 1, topk: 40, histShare: 0.05, popw: 0.03, noise: 'central' } as const;

  it.each([1, 2, 3])('gives the replica’s HR@10 and NDCG@10 under DP noise (ε 8, seed %i)', async (seed) => {
    const real = await runRealPath(data, { ...replicaWay, seed, epsilon: 8, topK: 40 });
    const fed = runFedAls(data, { ...replica, seed, eps: 8, lambdaDp: 5 });
    expect(real.quality.hitRate).toBe(fed.quality.hitRate);
    expect(real.quality.ndcg).toBeCloseTo(fed.quality.ndcg, 12);
  });

  it('counts the devices holding none of the rows: they send zeros with their noise share', async () => {
    const shipped = await runRealPath(data, { seed: 1, epsilon: 8, topK: 40 });
    const rows = new Set(shipped.rows);
    const holding = data.interactions.filter((p) => p.some((x) => rows.has(x.item))).length;
    expect(holding).toBeLessThan(160);
    for (const round of shipped.rounds) expect(round).toMatchObject({ contributions: 160, withRows: holding });
  });
});
