/**
 * Centralized MF with the fast re-implementation of trainLocal (mf-fast.ts), set up as the
 * simulator's former centralized MF reference (lr 3, 10 epochs, batch 32, ≤ 20 steps per user,
 * l2 0), to check it reproduces its 0.528, and popularity's 0.378.
 *   node --import tsx sim/experiments/central-mf.ts [--dim 16] [--epochs 10] [--lr 3] [--l2 0] [--seed 1]
 */
import { evaluate, flags, fmt, loadExperimentData, num, popularity, seeded } from './common.js';
import { createMf, scoreAllFast, trainLocalFast } from './mf-fast.js';

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const dim = num(f, 'dim', 16);
  const epochs = num(f, 'epochs', 10);
  const lr = num(f, 'lr', 3);
  const l2 = num(f, 'l2', 0);
  const rng = seeded(num(f, 'seed', 20_261_123));
  const data = await loadExperimentData();
  console.log(`popularity: ${fmt(popularity(data))}`);
  const mf = createMf(data.nItems, dim, rng);
  const users = data.interactions.map(() => Float32Array.from({ length: dim }, () => (rng() - 0.5) * 0.2));
  const order = data.interactions.map((_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const u of order) {
      const pos = data.interactions[u]!;
      if (pos.length === 0) continue;
      trainLocalFast(mf, users[u]!, pos, { steps: Math.min(20, Math.ceil(pos.length / 32)), learningRate: lr, l2 }, rng);
    }
  }
  console.log(`centralized MF (fast, dim ${dim}, ${epochs} epochs, lr ${lr}, l2 ${l2}): ${fmt(evaluate(data, (i) => scoreAllFast(mf, users[i]!)))}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
