/**
 * The device's and the helper's halves of one shared contribution, built from the pieces of this
 * folder: share the privatized vector (./share.ts), seal the helper's seed to the helper's key
 * bound to the upload's fields (./hpke.ts), frame it (../protocol/secure-aggregation.ts); and, on
 * the helper, open a sealed seed and expand it back into the helper's share.
 */
import type { RandomSource } from '../dp/random.js';
import { encodeSharedContribution, sealedSeedAad } from '../protocol/secure-aggregation.js';
import { sealSeed, type HpkeKeyConfig, type HpkeOpener } from './hpke.js';
import { expandSeed } from './prg.js';
import { shareVector } from './share.js';

export interface SharedUploadInput {
  /** The privatized integer vector (clipped, rounded, noised on the device). */
  readonly values: Int32Array;
  /** 16 fresh random bytes. */
  readonly id: Uint8Array;
  readonly modelVersion: number;
  readonly roundId: string;
  /** The helper key to seal to (the first of its published list). */
  readonly helperKey: HpkeKeyConfig;
  readonly random: RandomSource;
}

/** The INK2 body a device POSTs to the leader. */
export async function buildSharedUpload(input: SharedUploadInput): Promise<Uint8Array<ArrayBuffer>> {
  const { values, id, modelVersion, roundId, helperKey, random } = input;
  const { leaderShare, helperSeed } = await shareVector(values, random);
  const aad = sealedSeedAad({ id, modelVersion, vectorLength: values.length, keyId: helperKey.id, roundId });
  const sealedSeed = await sealSeed(helperKey, helperSeed, aad);
  helperSeed.fill(0);
  return encodeSharedContribution({ id, modelVersion, keyId: helperKey.id, sealedSeed, leaderShare });
}

export interface SealedShareFields {
  readonly id: Uint8Array;
  readonly modelVersion: number;
  readonly vectorLength: number;
  readonly keyId: number;
  readonly roundId: string;
  readonly sealed: Uint8Array;
}

/** The helper's seed for one contribution, or null when it does not open (wrong key, moved, tampered). */
export async function openHelperSeed(opener: HpkeOpener, fields: SealedShareFields): Promise<Uint8Array | null> {
  if (fields.keyId !== opener.keyId) return null;
  return opener.open(fields.sealed, sealedSeedAad(fields));
}

/** The helper's share of a contribution from its seed. */
export function helperShareOf(seed: Uint8Array, vectorLength: number): Promise<Uint32Array> {
  return expandSeed(seed, vectorLength);
}
