/**
 * The helper's HPKE open (RFC 9180 §5.1.2, base mode, single shot) for the one suite Inkling uses —
 * DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM — on node:crypto's synchronous
 * primitives instead of @hpke/core's WebCrypto path.
 *
 * Why not the library here: the helper opens one sealed seed per contribution, and @hpke/core's
 * open is ~12 awaited WebCrypto calls (≈ 1 ms each open on this machine, measured in
 * bench/secure-aggregation.bench.ts), which caps a helper core far below the leader. The same steps
 * on node:crypto cost one X25519 and six HMACs (≈ 0.1 ms). Devices still seal with @hpke/core
 * (core/secagg/hpke.ts), and ./hpke-open-node.test.ts checks this opener against it on random
 * keys, seeds and AADs and on every tampering, so the library stays the reference.
 *
 * Steps (RFC 9180 §4.1 DHKEM Decap, §5.1 KeySchedule with mode_base, §5.2 Open, seq = 0):
 *   dh = X25519(skR, enc); kem_context = enc ‖ pkR
 *   shared_secret = LabeledExpand(LabeledExtract("", "eae_prk", dh), "shared_secret", kem_context, 32)   [suite "KEM" ‖ 0x0020]
 *   ksc = 0x00 ‖ LabeledExtract("", "psk_id_hash", "") ‖ LabeledExtract("", "info_hash", info)            [suite "HPKE" ‖ 0x0020 ‖ 0x0001 ‖ 0x0001]
 *   secret = LabeledExtract(shared_secret, "secret", ""); key = LabeledExpand(secret, "key", ksc, 16);
 *   nonce = LabeledExpand(secret, "base_nonce", ksc, 12); seed = AES-128-GCM-Open(key, nonce, aad, ct)
 */
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { AEAD_ID, HPKE_INFO, KDF_ID, KEM_ID, PUBLIC_KEY_BYTES, SEALED_SEED_BYTES, fromBase64Url, type HpkeKeyPair, type HpkeOpener } from '../../core/secagg/hpke.js';

const VERSION = Buffer.from('HPKE-v1');
const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), u16(KEM_ID)]);
const HPKE_SUITE = Buffer.concat([Buffer.from('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_ID)]);
const TAG_BYTES = 16;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** HKDF-Extract with HMAC-SHA256; an empty salt is HashLen zero bytes (RFC 5869), which HMAC pads to anyway. */
function labeledExtract(suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(VERSION).update(suite).update(label).update(ikm).digest();
}

/** HKDF-Expand for L ≤ 32 (one block): T(1) = HMAC(prk, info ‖ 0x01). */
function labeledExpand(suite: Buffer, prk: Uint8Array, label: string, info: Uint8Array, length: number): Buffer {
  const labeledInfo = Buffer.concat([u16(length), VERSION, suite, Buffer.from(label), info]);
  return createHmac('sha256', prk).update(labeledInfo).update(Buffer.of(1)).digest().subarray(0, length);
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** An opener for one helper key, with the key-independent part of the key schedule done once. */
export function createNodeHpkeOpener(pair: HpkeKeyPair): HpkeOpener {
  const publicKey = fromBase64Url(pair.config.publicKey);
  if (publicKey.length !== PUBLIC_KEY_BYTES || pair.privateKey.length !== 32) throw new RangeError('an X25519 key pair has 32-byte keys');
  const privateKey: KeyObject = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(pair.privateKey), x: b64url(publicKey) }, format: 'jwk' });
  const empty = new Uint8Array(0);
  const keyScheduleContext = Buffer.concat([
    Buffer.of(0),
    labeledExtract(HPKE_SUITE, empty, 'psk_id_hash', empty),
    labeledExtract(HPKE_SUITE, empty, 'info_hash', HPKE_INFO),
  ]);
  return {
    keyId: pair.config.id,
    async open(sealed, aad) {
      if (sealed.length !== SEALED_SEED_BYTES) return null;
      try {
        const enc = sealed.subarray(0, PUBLIC_KEY_BYTES);
        const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(enc) }, format: 'jwk' });
        const dh = diffieHellman({ privateKey, publicKey: ephemeral });
        const kemContext = Buffer.concat([enc, publicKey]);
        const sharedSecret = labeledExpand(KEM_SUITE, labeledExtract(KEM_SUITE, empty, 'eae_prk', dh), 'shared_secret', kemContext, 32);
        const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', empty);
        const key = labeledExpand(HPKE_SUITE, secret, 'key', keyScheduleContext, 16);
        const nonce = labeledExpand(HPKE_SUITE, secret, 'base_nonce', keyScheduleContext, 12);
        const ct = sealed.subarray(PUBLIC_KEY_BYTES, sealed.length - TAG_BYTES);
        const decipher = createDecipheriv('aes-128-gcm', key, nonce);
        decipher.setAAD(aad);
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(ct), decipher.final()]);
        return new Uint8Array(plain);
      } catch {
        // A low-order point, a bad tag or a malformed key: it does not open, whatever the reason.
        return null;
      }
    },
  };
}
