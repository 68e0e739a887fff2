import { describe, expect, it } from 'vitest';
import { blobShimSource, chooseWorkerSource } from './worker-client.js';

describe('chooseWorkerSource', () => {
  it('starts a same-origin worker directly and a cross-origin one through a blob: shim', () => {
    expect(chooseWorkerSource('/inkling.worker.js', 'https://shop.example/a/b')).toEqual({ kind: 'same-origin', url: 'https://shop.example/inkling.worker.js' });
    expect(chooseWorkerSource('https://cdn.example/v1/inkling.worker.js', 'https://shop.example/')).toEqual({ kind: 'blob-shim', url: 'https://cdn.example/v1/inkling.worker.js' });
    expect(blobShimSource('https://cdn.example/w.js?a="b"')).toBe('import "https://cdn.example/w.js?a=\\"b\\"";');
  });
});
