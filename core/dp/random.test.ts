import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as randomModule from './random.js';
import {
  createSecureRandomSource,
  createSeededRandomSourceForTestsOnly,
  MAX_BYTES_PER_GET_RANDOM_VALUES,
  secureRandom,
  secureRandomSourceFrom,
  type CryptoLike,
} from './random.js';

/** The real Web Crypto object, wrapped only to record request sizes (and enforce the spec limit). */
function recordingCrypto(): { crypto: CryptoLike; requests: number[] } {
  const requests: number[] = [];
  return {
    requests,
    crypto: {
      getRandomValues(array: Uint32Array) {
        requests.push(array.byteLength);
        return globalThis.crypto.getRandomValues(array);
      },
    },
  };
}

describe('secure random source', () => {
  it('throws instead of falling back when there is no crypto.getRandomValues', () => {
    expect(() => secureRandomSourceFrom(undefined)).toThrow(/getRandomValues is missing/);
    expect(() => secureRandomSourceFrom(null)).toThrow(/getRandomValues is missing/);
    const noMethod: Partial<CryptoLike> = {};
    expect(() => secureRandomSourceFrom(noMethod as CryptoLike)).toThrow(/getRandomValues is missing/);
  });

  it('never asks getRandomValues for more than 65,536 bytes, even for large requests', () => {
    const { crypto, requests } = recordingCrypto();
    const source = secureRandomSourceFrom(crypto);
    const bytes = new Uint8Array(300_000);
    source.fillBytes(bytes);
    for (let i = 0; i < 50_000; i++) source.nextUint53();
    expect(requests.length).toBeGreaterThan(1);
    expect(Math.max(...requests)).toBeLessThanOrEqual(MAX_BYTES_PER_GET_RANDOM_VALUES);
    // Real CSPRNG bytes: all 256 values occur in 300k bytes (P[one missing] < 256·e^(−1171)).
    expect(new Set(bytes).size).toBe(256);
  });

  it('the default source is shared, secure and cannot be replaced through the module', () => {
    expect(secureRandom()).toBe(secureRandom());
    const namespace: Record<string, unknown> = randomModule;
    expect(() => {
      namespace.secureRandom = () => createSeededRandomSourceForTestsOnly(1);
    }).toThrow(TypeError);
    expect(Object.keys(randomModule).filter((name) => /^set|install|override/i.test(name))).toEqual([]);
  });

  it('uniformBelow stays in range on the 32-bit, 53-bit and BigInt paths', () => {
    const source = createSeededRandomSourceForTestsOnly(7);
    for (const n of [1, 2, 3, 10, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 3 * 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      for (let i = 0; i < 200; i++) {
        const x = source.uniformBelow(n);
        expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      }
    }
    const big = 3n * 2n ** 70n + 5n;
    let sawHigh = false;
    for (let i = 0; i < 200; i++) {
      const x = source.uniformBelowBigInt(big);
      expect(x >= 0n && x < big).toBe(true);
      if (x >= 2n * 2n ** 70n) sawHigh = true;
    }
    expect(sawHigh).toBe(true); // P[no draw in the top third] = (2/3)^200 ≈ 10^−35
  });

  it('uniformBelow(6) is unbiased (chi-square, 60,000 seeded draws, df 5, critical 20.5 at α = 10⁻³)', () => {
    const source = createSeededRandomSourceForTestsOnly(11);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[source.uniformBelow(6)]!++;
    const chi = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(20.5);
  });

  it('bits are balanced (100,000 bits; tolerance 5 standard errors, false failure < 10⁻⁶)', () => {
    const source = createSecureRandomSource();
    let ones = 0;
    for (let i = 0; i < 100_000; i++) ones += source.nextBit();
    expect(Math.abs(ones - 50_000)).toBeLessThan(5 * Math.sqrt(25_000));
  });

  it('rejects bad arguments with a RangeError naming them', () => {
    const source = createSeededRandomSourceForTestsOnly(1);
    expect(() => source.uniformBelow(0)).toThrow(RangeError);
    expect(() => source.uniformBelow(0)).toThrow(/^n must be an integer in \[1, /);
    expect(() => source.uniformBelow(2.5)).toThrow(/^n must be/);
    expect(() => source.uniformBelow(2 ** 60)).toThrow(/^n must be/);
    expect(() => source.uniformBelowBigInt(0n)).toThrow(/^n must be a bigint ≥ 1/);
    expect(() => createSeededRandomSourceForTestsOnly(-1)).toThrow(/^seed must be/);
  });

  it('the seeded test source is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const s = createSeededRandomSourceForTestsOnly(seed);
      return Array.from({ length: 8 }, () => s.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });
});

describe('core/dp has no non-cryptographic randomness', () => {
  it('no source file under core/dp mentions the banned generator', () => {
    const banned = new RegExp(['Math', 'random'].join('\\s*\\.\\s*'));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(name) && banned.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(import.meta.dirname);
    expect(offenders).toEqual([]);
  });
});
