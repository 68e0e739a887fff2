/**
 * The one source of randomness for everything that protects privacy in Inkling.
 *
 * - The default source is `crypto.getRandomValues` (a CSPRNG in every browser, worker and in Node),
 *   read in 65,536-byte blocks: the Web Crypto spec caps one call at 65,536 bytes and throws
 *   QuotaExceededError above it.
 * - If no CSPRNG exists we throw. There is no fallback to a non-cryptographic generator, ever.
 * - Integers below n come from rejection sampling (no modulo bias); bits come whole from the
 *   buffered words.
 * - A seeded, deterministic source exists for tests only, under a name that says so. It is never
 *   installed globally: a caller must pass it explicitly to a sampler, so the default cannot be
 *   swapped by accident (there is no setter anywhere).
 */
import { requireBigIntAtLeast, requireIntegerInRange } from './checks.js';

/** Web Crypto: one getRandomValues call may fill at most this many bytes. */
export const MAX_BYTES_PER_GET_RANDOM_VALUES = 65_536;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;

/** Uniform random integers and bits. Every sampler takes one of these (default: secureRandom()). */
export interface RandomSource {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform integer in [0, 2^53). */
  nextUint53(): number;
  /** A uniform bit. */
  nextBit(): 0 | 1;
  /** Uniform integer in [0, n) for a safe integer n ≥ 1, by rejection sampling. */
  uniformBelow(n: number): number;
  /** Uniform bigint in [0, n) for n ≥ 1, by rejection sampling. */
  uniformBelowBigInt(n: bigint): bigint;
  /** Fills `target` with uniform bytes (any length: split into permitted blocks). */
  fillBytes(target: Uint8Array): void;
}

/** Anything shaped like Web Crypto's `crypto` object. */
export interface CryptoLike {
  getRandomValues(array: Uint32Array): unknown;
}

const WORDS_PER_REFILL = MAX_BYTES_PER_GET_RANDOM_VALUES / 4;

/** Serves uniform words from a 64 KiB buffer refilled by one call to `refill`. */
class BufferedRandomSource implements RandomSource {
  private readonly words = new Uint32Array(WORDS_PER_REFILL);
  private index = WORDS_PER_REFILL;
  private bitWord = 0;
  private bitsLeft = 0;

  constructor(private readonly refill: (words: Uint32Array) => void) {}

  nextUint32(): number {
    if (this.index === WORDS_PER_REFILL) {
      this.refill(this.words);
      this.index = 0;
    }
    return this.words[this.index++]!;
  }

  nextUint53(): number {
    // 21 high bits and 32 low bits: exactly representable, uniform over [0, 2^53).
    return (this.nextUint32() >>> 11) * TWO_POW_32 + this.nextUint32();
  }

  nextBit(): 0 | 1 {
    if (this.bitsLeft === 0) {
      this.bitWord = this.nextUint32();
      this.bitsLeft = 32;
    }
    this.bitsLeft--;
    const bit = this.bitWord & 1;
    this.bitWord >>>= 1;
    return bit === 1 ? 1 : 0;
  }

  uniformBelow(n: number): number {
    // Inline range test keeps the hot path cheap; the checks module builds the error.
    if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) requireIntegerInRange('n', n, 1, Number.MAX_SAFE_INTEGER);
    if (n <= TWO_POW_32) {
      // Accept only x below the largest multiple of n that fits in 32 bits: every residue is then
      // equally likely. Rejection probability < n / 2^32.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n); // fmod of doubles is exact
    let x = this.nextUint53();
    while (x >= limit) x = this.nextUint53();
    return x % n;
  }

  uniformBelowBigInt(n: bigint): bigint {
    if (typeof n !== 'bigint' || n < 1n) requireBigIntAtLeast('n', n, 1n);
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return BigInt(this.uniformBelow(Number(n)));
    // Draw exactly bitLength(n - 1) bits and reject values ≥ n: acceptance probability > 1/2.
    const bits = (n - 1n).toString(2).length;
    const wordCount = Math.ceil(bits / 32);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < wordCount; i++) x = (x << 32n) | BigInt(this.nextUint32());
      x &= mask;
      if (x < n) return x;
    }
  }

  fillBytes(target: Uint8Array): void {
    for (let i = 0; i < target.length; i++) {
      // One word per byte would waste entropy; take 4 bytes per word.
      if ((i & 3) === 0) this.bitWord = this.nextUint32();
      target[i] = (this.bitWord >>> ((i & 3) * 8)) & 0xff;
    }
    this.bitsLeft = 0; // the bit cache was reused above
  }
}

/**
 * A RandomSource over `globalThis.crypto` (browser, worker, Node ≥ 19).
 * Throws if there is none: we never fall back to a non-cryptographic generator.
 */
export function createSecureRandomSource(): RandomSource {
  return secureRandomSourceFrom(globalThis.crypto);
}

/**
 * A RandomSource over the given Web Crypto object (e.g. another realm's `crypto`).
 * Throws if it is missing or has no `getRandomValues`.
 */
export function secureRandomSourceFrom(provider: CryptoLike | null | undefined): RandomSource {
  if (provider === undefined || provider === null || typeof provider.getRandomValues !== 'function') {
    throw new Error(
      'No cryptographically secure random generator: crypto.getRandomValues is missing. ' +
        'Inkling refuses to produce differentially private output without one.',
    );
  }
  return new BufferedRandomSource((words) => {
    // The buffer is exactly MAX_BYTES_PER_GET_RANDOM_VALUES bytes: one permitted call.
    provider.getRandomValues(words);
  });
}

let sharedSecureSource: RandomSource | undefined;

/** The process-wide secure source (created on first use). It cannot be replaced. */
export function secureRandom(): RandomSource {
  sharedSecureSource ??= createSecureRandomSource();
  return sharedSecureSource;
}

/**
 * FOR TESTS ONLY: a deterministic, seeded, NOT cryptographically secure source (xoshiro128**,
 * seeded through splitmix32). Pass it explicitly to a sampler to make a test reproducible. Never
 * use it for anything released off the device: its whole output follows from the seed.
 */
export function createSeededRandomSourceForTestsOnly(seed: number): RandomSource {
  requireIntegerInRange('seed', seed, 0, 0xffff_ffff);
  let splitState = seed >>> 0;
  const splitmix32 = (): number => {
    splitState = (splitState + 0x9e3779b9) | 0;
    let z = splitState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return new BufferedRandomSource((words) => {
    for (let i = 0; i < words.length; i++) words[i] = next();
  });
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
