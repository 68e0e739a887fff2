/**
 * The helper's node:crypto HPKE open against @hpke/core (the reference): what the library seals,
 * this opens, for random keys, seeds and AADs; whatever the library refuses, this refuses.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createHpkeOpener, generateHpkeKeyPair, sealSeed } from '../../core/secagg/hpke.js';
import { createNodeHpkeOpener } from './hpke-open-node.js';

describe('node:crypto HPKE open (helper)', () => {
  it('opens what @hpke/core seals: 5 keys × 20 random seeds and AADs', async () => {
    for (let k = 0; k < 5; k++) {
      const pair = await generateHpkeKeyPair(k);
      const fast = createNodeHpkeOpener(pair);
      for (let i = 0; i < 20; i++) {
        const seed = new Uint8Array(randomBytes(16));
        const aad = new Uint8Array(randomBytes(1 + (i % 60)));
        const sealed = await sealSeed(pair.config, seed, aad);
        expect(await fast.open(sealed, aad)).toEqual(seed);
      }
    }
  });

  it('refuses exactly what @hpke/core refuses: any flipped bit, another AAD, another key, a short body', async () => {
    const pair = await generateHpkeKeyPair(3);
    const fast = createNodeHpkeOpener(pair);
    const reference = await createHpkeOpener(pair);
    const aad = new Uint8Array([1, 2, 3]);
    const sealed = await sealSeed(pair.config, new Uint8Array(16).fill(9), aad);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const tampered = sealed.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      const [ours, theirs] = [await fast.open(tampered, aad), await reference.open(tampered, aad)];
      expect(ours, `bit ${bit}`).toEqual(theirs);
      expect(ours, `bit ${bit}`).toBeNull();
    }
    expect(await fast.open(sealed, new Uint8Array([1, 2, 4]))).toBeNull();
    expect(await createNodeHpkeOpener(await generateHpkeKeyPair(3)).open(sealed, aad)).toBeNull();
    expect(await fast.open(sealed.subarray(0, 40), aad)).toBeNull();
    expect(await fast.open(new Uint8Array(64), aad)).toBeNull();
  });
});
