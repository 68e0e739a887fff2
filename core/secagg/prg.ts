/**
 * Seed → pseudorandom ring elements, identical on every platform: AES-128 in counter mode over
 * WebCrypto (the browser's and Node's `crypto.subtle`), the key being the 16-byte seed, the
 * counter block starting at zero, the keystream read as little-endian uint32.
 *
 * Why AES-CTR: it is a PRG under the standard assumption that AES is a PRP, it is in WebCrypto
 * everywhere (no hand-written cipher), and it runs at memory speed with AES-NI, so the helper can
 * expand 44k coordinates per contribution far faster than it receives them. A seed is used for
 * one expansion only (a fresh seed per contribution), so a fixed counter start is safe.
 */

export const SEED_BYTES = 16;
/** Keystream per `encrypt` call (2^16 AES blocks): bounds each call's buffer; the counter carries on across chunks. */
const CHUNK_BYTES = 1 << 20;

/** A CryptoKey for expanding `seed` (import once when expanding many vectors from one seed: never here). */
async function importSeed(seed: Uint8Array): Promise<CryptoKey> {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new RangeError(`seed must be ${SEED_BYTES} bytes`);
  return crypto.subtle.importKey('raw', new Uint8Array(seed), { name: 'AES-CTR' }, false, ['encrypt']);
}

/**
 * `length` uint32 ring elements from `seed`.
 * @example const mask = await expandSeed(seed, 43_996);
 */
export async function expandSeed(seed: Uint8Array, length: number): Promise<Uint32Array> {
  if (!Number.isInteger(length) || length < 1 || length > 2 ** 28) throw new RangeError(`length must be an integer in [1, 2^28]; got ${length}`);
  const key = await importSeed(seed);
  const out = new Uint8Array(4 * length);
  for (let offset = 0; offset < out.length; offset += CHUNK_BYTES) {
    const size = Math.min(CHUNK_BYTES, out.length - offset);
    const counter = new Uint8Array(16);
    // Block index of this chunk in the last 8 bytes, big-endian (the CTR counter's convention).
    new DataView(counter.buffer).setBigUint64(8, BigInt(offset / 16));
    const block = await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, key, new Uint8Array(size));
    out.set(new Uint8Array(block), offset);
  }
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) return new Uint32Array(out.buffer);
  const view = new DataView(out.buffer);
  const values = new Uint32Array(length);
  for (let i = 0; i < length; i++) values[i] = view.getUint32(4 * i, true);
  return values;
}
