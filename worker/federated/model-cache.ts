/**
 * Global model blobs, downloaded once per version and kept in IndexedDB under 'name@version'.
 * A version is immutable (the server serves it with a strong ETag and Cache-Control immutable), so
 * a cached version is never re-fetched; when a newer version of a name lands, older ones are
 * deleted. Requests carry no cookie and no identifier: every device asks for the same URL.
 */
import { decodeModel, modelEtag, type LatestModelPointer, type ModelBlob } from '../../core/protocol/aggregator.js';
import type { FederatedDb, StoredModel } from './db.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ModelSource {
  readonly db: FederatedDb;
  /** Aggregator origin, e.g. 'https://agg.example.com' (no trailing slash). */
  readonly endpoint: string;
  readonly fetch: FetchLike;
  readonly now?: () => number;
}

/** What a model request's init always is: no credentials, no referrer, nothing device-specific. */
export const ANONYMOUS_REQUEST: RequestInit = { credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store' };

/**
 * The blob of `name@version`, from IndexedDB when present, else from the aggregator.
 * @example const blob = await loadModel({ db, endpoint, fetch }, 'mf-items', 4);
 */
export async function loadModel(source: ModelSource, name: string, version: number): Promise<ModelBlob> {
  const key = modelKey(name, version);
  const cached = await source.db.get('models', key);
  if (cached) return checkedBlob(decodeModel(cached.bytes), name, version);

  const url = `${source.endpoint}/v1/models/${encodeURIComponent(name)}/${version}`;
  const response = await source.fetch(url, { ...ANONYMOUS_REQUEST, method: 'GET' });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const blob = checkedBlob(decodeModel(bytes), name, version);
  await storeModel(source, blob, bytes, response.headers.get('etag'));
  return blob;
}

/**
 * The newest version of `name` the aggregator holds (GET /v1/models/:name/latest), cached like any
 * version: for a model no open task lists any more (a task that spent its budget in one round),
 * whose release a device would otherwise never download.
 * @example const prior = await loadLatestModel({ db, endpoint, fetch }, 'buy-intent');
 */
export async function loadLatestModel(source: ModelSource, name: string): Promise<ModelBlob> {
  const url = `${source.endpoint}/v1/models/${encodeURIComponent(name)}/latest`;
  const response = await source.fetch(url, { ...ANONYMOUS_REQUEST, method: 'GET' });
  // The 302's JSON pointer, where the fetch did not follow it (an in-process app in tests and the simulator).
  if (response.status === 302) {
    const pointer = (await response.json()) as Partial<LatestModelPointer>;
    const version = pointer.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new Error(`GET ${url}: the pointer's version must be a positive integer; got ${JSON.stringify(version)}`);
    return loadModel(source, name, version);
  }
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const blob = decodeModel(bytes);
  checkedBlob(blob, name, blob.header.version);
  await storeModel(source, blob, bytes, response.headers.get('etag'));
  return blob;
}

/** Keeps `blob` under 'name@version' and deletes the older versions of its name, in one transaction. */
async function storeModel(source: ModelSource, blob: ModelBlob, bytes: Uint8Array, etag: string | null): Promise<void> {
  const { name, version } = blob.header;
  const record: StoredModel = { key: modelKey(name, version), name, version, etag: etag ?? modelEtag(name, version), bytes, storedAt: (source.now ?? Date.now)() };
  const tx = source.db.transaction('models', 'readwrite');
  const older = await tx.store.index('name').getAll(name);
  await Promise.all([
    ...older.filter((m) => m.version < version).map((m) => tx.store.delete(m.key)),
    tx.store.put(record),
    tx.done,
  ]);
}

export function modelKey(name: string, version: number): string {
  return `${name}@${version}`;
}

function checkedBlob(blob: ModelBlob, name: string, version: number): ModelBlob {
  if (blob.header.name !== name || blob.header.version !== version) {
    throw new Error(`asked for model ${name}@${version}; the blob is ${blob.header.name}@${blob.header.version}`);
  }
  return blob;
}
