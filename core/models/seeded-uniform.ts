/**
 * A small seeded uniform generator (mulberry32) for what must be reproducible: model
 * initialisation, k-means++ seeding, public random projections, simulations and test data.
 * NEVER for privacy noise: that comes only from core/dp/random.ts over crypto.getRandomValues.
 */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N(0, 1) by Box–Muller over a seeded uniform (u1 kept away from 0). Initialisation only. */
export function seededNormal(uniform: () => number): number {
  const u1 = Math.max(uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform());
}
