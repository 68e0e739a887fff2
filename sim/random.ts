/**
 * A small seeded generator (mulberry32) for what the simulator may make reproducible: the order
 * of users, which devices take part in a round, negative sampling and initialisation. NEVER for
 * privacy noise: that always comes from core/dp's crypto.getRandomValues source.
 */
import { seededUniform } from '../core/models/seeded-uniform.js';
export type SeededRandom = () => number;

/** Uniform in [0, 1) from a 32-bit seed (core's mulberry32). */
export const seededRandom: (seed: number) => SeededRandom = seededUniform;

/** A seeded Fisher–Yates shuffle (a copy). */
export function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}
