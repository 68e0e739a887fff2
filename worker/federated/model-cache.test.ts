import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../core/protocol/aggregator.js';
import { openFederatedDb } from './db.js';
import { loadLatestModel, loadModel } from './model-cache.js';

function blob(name: string, version: number): Uint8Array {
  return encodeModel({ header: { name, version, tensors: [{ name: 'w', shape: [3] }], dtype: 'float32' }, data: Float32Array.from([version, 0, 1]) });
}

describe('loadModel', () => {
  it('downloads a version once (no credentials), serves it from IndexedDB after, and drops older versions', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const requests: { url: string; credentials: RequestCredentials | undefined }[] = [];
    const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
      requests.push({ url, credentials: init?.credentials });
      const version = Number(url.split('/').at(-1));
      return new Response(new Uint8Array(blob('w', version)), { status: 200, headers: { etag: `"w@${version}"` } });
    };
    const source = { db, endpoint: 'http://agg.test', fetch };
    expect(Array.from((await loadModel(source, 'w', 1)).data)).toEqual([1, 0, 1]);
    await loadModel(source, 'w', 1);
    expect(requests).toEqual([{ url: 'http://agg.test/v1/models/w/1', credentials: 'omit' }]);
    expect(Array.from((await loadModel(source, 'w', 2)).data)).toEqual([2, 0, 1]);
    expect((await db.getAll('models')).map((m) => m.key)).toEqual(['w@2']);
  });

  it('loadLatestModel: keeps the newest version whether the fetch followed the redirect (a browser) or returned the pointer', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const urls: string[] = [];
    const followed = async (url: string): Promise<Response> => (urls.push(url), new Response(new Uint8Array(blob('w', 4)), { status: 200 }));
    expect((await loadLatestModel({ db, endpoint: 'http://agg.test', fetch: followed }, 'w')).header.version).toBe(4);
    expect(urls).toEqual(['http://agg.test/v1/models/w/latest']);
    const pointer = async (url: string): Promise<Response> =>
      url.endsWith('/latest') ? Response.json({ name: 'w', version: 5, url: '/v1/models/w/5' }, { status: 302 }) : new Response(new Uint8Array(blob('w', 5)), { status: 200 });
    expect((await loadLatestModel({ db, endpoint: 'http://agg.test', fetch: pointer }, 'w')).header.version).toBe(5);
    expect((await db.getAll('models')).map((m) => m.key)).toEqual(['w@5']);
    const other = async (): Promise<Response> => new Response(new Uint8Array(blob('x', 6)), { status: 200 });
    await expect(loadLatestModel({ db, endpoint: 'http://agg.test', fetch: other }, 'w')).rejects.toThrow(/asked for model w@6; the blob is x@6/);
  });

  it('refuses a blob that is not the version asked for', async () => {
    const db = await openFederatedDb({ indexedDB: new IDBFactory() });
    const fetch = async (): Promise<Response> => new Response(new Uint8Array(blob('w', 7)), { status: 200 });
    await expect(loadModel({ db, endpoint: 'http://agg.test', fetch }, 'w', 3)).rejects.toThrow(/asked for model w@3; the blob is w@7/);
    expect(await db.count('models')).toBe(0);
  });
});
