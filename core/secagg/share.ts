/**
 * Two-party additive sharing of an integer vector over Z_{2^32}, with the helper's share sent as
 * a seed (the shape of Prio3's "helper share as a seed" in the VDAF draft):
 *
 *   helper share  h = PRG(seed)            (uniform; the helper learns h and nothing else)
 *   leader share  l = x − h  (mod 2^32)    (uniform to anyone without the seed)
 *
 * Each share alone is uniformly distributed whatever x is, so one aggregator learns nothing about
 * a device's vector; Σ l + Σ h = Σ x (mod 2^32). The upload stays 4 bytes per coordinate plus a
 * 16-byte seed sealed to the helper.
 */
import type { RandomSource } from '../dp/random.js';
import { expandSeed, SEED_BYTES } from './prg.js';
import { subtractMod } from './ring.js';

export interface SharedVector {
  /** x − PRG(seed) mod 2^32: sent in the clear to the leader. */
  readonly leaderShare: Uint32Array;
  /** 16 fresh random bytes: sealed to the helper's key. */
  readonly helperSeed: Uint8Array;
}

/**
 * @example const { leaderShare, helperSeed } = await shareVector(privatized.values, secureRandom());
 */
export async function shareVector(values: Int32Array, random: RandomSource): Promise<SharedVector> {
  if (!(values instanceof Int32Array) || values.length < 1) throw new RangeError('values must be a non-empty Int32Array');
  const helperSeed = new Uint8Array(SEED_BYTES);
  random.fillBytes(helperSeed);
  const helperShare = await expandSeed(helperSeed, values.length);
  return { leaderShare: subtractMod(values, helperShare), helperSeed };
}
