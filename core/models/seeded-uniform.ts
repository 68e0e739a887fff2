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
