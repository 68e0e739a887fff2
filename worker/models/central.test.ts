import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainCentral } from './central.js';
import { scoreAll, topK } from './mf-score.js';
import type { Interaction } from './feedback.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('trainCentral', () => {
  it('learns two taste groups: a user’s held-out item of their group ranks in their top 10 of 40', async () => {
    // 40 users; even users like items 0–19, odd users 20–39. Each sees 8 items of their group and
    // holds out one more of it (which other users of the group have seen).
    const heldOutOf = (u: number): number => (u % 2 === 0 ? 0 : 20) + (Math.floor(u / 2) % 20);
    const random = lcg(1);
    const users: Interaction[][] = Array.from({ length: 40 }, (_, u) => {
      const offset = u % 2 === 0 ? 0 : 20;
      const seen = new Set<number>();
      while (seen.size < 8) {
        const item = offset + Math.floor(random() * 20);
        if (item !== heldOutOf(u)) seen.add(item);
      }
      return [...seen].map((item) => ({ item, weight: 1 }));
    });
    const losses: number[] = [];
    const model = await trainCentral({ nItems: 40, dim: 4, users, epochs: 30, learningRate: 0.3, batchSize: 8, random: lcg(2), onEpoch: (_, loss) => losses.push(loss) });
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    let hits = 0;
    users.forEach((seen, u) => {
      const heldOut = heldOutOf(u);
      const scores = scoreAll(model.userEmbeddings[u]!, model.globalParameters, { nItems: 40, dim: 4 });
      if (topK(scores, 10, new Set(seen.map((s) => s.item))).includes(heldOut)) hits++;
    });
    // Random ranking puts it in the top 10 of 32 unseen items 31 % of the time; learning the groups makes it ≥ 80 %.
    expect(hits / users.length).toBeGreaterThanOrEqual(0.8);
  });
});
