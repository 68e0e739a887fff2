import { describe, expect, it } from 'vitest';
import {
  trueCountSeries,
  CONTRIBUTION_HEADER_BYTES,
  contributionByteLength,
  contributionIdHex,
  decodeContribution,
  decodeModel,
  encodeContribution,
  encodeModel,
  modelEtag,
} from './aggregator.js';

const id = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

describe('contribution framing', () => {
  it('round-trips id, version and values, and has exactly 28 + 4n bytes', () => {
    const values = Int32Array.from([0, 1, -1, 2147483647, -2147483648, 12345]);
    const bytes = encodeContribution({ id, modelVersion: 7, values });
    expect(bytes.length).toBe(contributionByteLength(values.length));
    expect(bytes.length).toBe(CONTRIBUTION_HEADER_BYTES + 4 * values.length);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('INK1');
    const decoded = decodeContribution(bytes, values.length);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(Array.from(decoded.contribution.id)).toEqual(Array.from(id));
    expect(decoded.contribution.modelVersion).toBe(7);
    expect(Array.from(decoded.contribution.values)).toEqual(Array.from(values));
  });

  it('decodes from an unaligned view', () => {
    const bytes = encodeContribution({ id, modelVersion: 1, values: Int32Array.from([5, -6]) });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const decoded = decodeContribution(shifted.subarray(1));
    expect(decoded.ok && Array.from(decoded.contribution.values)).toEqual([5, -6]);
  });

  it('rejects short bodies, wrong magic, declared/actual length mismatch and the wrong task length', () => {
    const good = encodeContribution({ id, modelVersion: 1, values: new Int32Array(4) });
    expect(decodeContribution(good.subarray(0, 10))).toMatchObject({ ok: false, error: { code: 'bad_length' } });
    const badMagic = good.slice();
    badMagic[0] = 0x58;
    expect(decodeContribution(badMagic)).toMatchObject({ ok: false, error: { code: 'bad_magic' } });
    expect(decodeContribution(good.subarray(0, good.length - 4))).toMatchObject({ ok: false, error: { code: 'bad_length' } });
    expect(decodeContribution(good, 5)).toMatchObject({ ok: false, error: { code: 'bad_length' } });
  });

  it('validates what it encodes', () => {
    expect(() => encodeContribution({ id: new Uint8Array(15), modelVersion: 1, values: new Int32Array(1) })).toThrow(RangeError);
    expect(() => encodeContribution({ id, modelVersion: 0, values: new Int32Array(1) })).toThrow(/modelVersion/);
    expect(() => contributionByteLength(0)).toThrow(/vectorLength/);
  });

  it('hex-encodes ids', () => {
    expect(contributionIdHex(Uint8Array.from([0, 15, 255]))).toBe('000fff');
  });
});

describe('model blobs', () => {
  it('round-trips header and float32 data with the data 4-byte aligned', () => {
    const data = Float32Array.from([0.5, -1.25, 3, 1e-7, 2, 3]);
    const header = { name: 'mf-items', version: 3, tensors: [{ name: 'items', shape: [2, 2] }, { name: 'bias', shape: [2] }], dtype: 'float32' as const };
    const bytes = encodeModel({ header, data });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect((4 + headerLength) % 4).toBe(0);
    const decoded = decodeModel(bytes);
    expect(decoded.header).toEqual(header);
    expect(Array.from(decoded.data)).toEqual(Array.from(data));
    expect(modelEtag('mf-items', 3)).toBe('"mf-items@3"');
  });

  it('carries labels when the header has them, and refuses labels that are not a list of short strings', () => {
    const header = { name: 'segments', version: 2, tensors: [{ name: 'w', shape: [2] }], dtype: 'float32' as const, labels: ['interest:Drama', 'recency'] };
    expect(decodeModel(encodeModel({ header, data: new Float32Array(2) })).header.labels).toEqual(['interest:Drama', 'recency']);
    for (const labels of ['recency', [1, 2], ['x'.repeat(201)]]) {
      const bad = encodeModel({ header: { ...header, labels: labels as string[] }, data: new Float32Array(2) });
      expect(() => decodeModel(bad)).toThrow(/header\.labels must be an array/);
    }
  });

  it('rejects data that does not match the header', () => {
    const header = { name: 'm', version: 1, tensors: [{ name: 'w', shape: [3] }], dtype: 'float32' as const };
    expect(() => encodeModel({ header, data: new Float32Array(2) })).toThrow(/3/);
    const bytes = encodeModel({ header, data: new Float32Array(3) });
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 4))).toThrow(RangeError);
  });
});

describe('decoding from pooled views', () => {
  it('decodes from views into a larger buffer (Node Buffers share a pool)', () => {
    const header = { name: 'm', version: 1, tensors: [{ name: 'w', shape: [2] }], dtype: 'float32' as const };
    const blob = encodeModel({ header, data: Float32Array.from([1, 2]) });
    const pool = new Uint8Array(blob.length + 64);
    pool.set(blob, 32);
    const decoded = decodeModel(pool.subarray(32, 32 + blob.length));
    expect(decoded.data.length).toBe(2);
    expect(decoded.data.buffer.byteLength).toBe(8);
    const body = encodeContribution({ id, modelVersion: 1, values: Int32Array.from([3, 4]) });
    const pooled = new Uint8Array(body.length + 64);
    pooled.set(body, 16);
    const contribution = decodeContribution(pooled.subarray(16, 16 + body.length));
    expect(contribution.ok && Array.from(contribution.contribution.values)).toEqual([3, 4]);
  });
});

describe("the simulator's true counts", () => {
  it('names one series per released figure, or none when the name cannot be a series', () => {
    expect(trueCountSeries('segment', 3)).toBe('segment.3');
    expect(trueCountSeries('funnel', 'viewed-product')).toBe('funnel.viewed-product');
    expect(trueCountSeries('views', 'Sci-Fi')).toBe('views.Sci-Fi');
    expect(trueCountSeries('views', 'Home & Garden')).toBeNull();
    expect(trueCountSeries('views', 'x'.repeat(64))).toBeNull();
  });
});
