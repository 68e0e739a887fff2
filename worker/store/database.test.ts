import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ValidEvent } from '../../core/events/event.js';
import { emptyProfile } from '../features/profile-state.js';
import { Database } from './database.js';
import { unwrap } from 'idb';
import { countLoggedEvents, evictEvents, evictOldest, queueEventRows, readLoggedEvents, ReplayWatch, storedEventIds } from './event-log.js';
import { writeWithQuotaRetry } from './quota.js';
import { DB_VERSION, MAX_EVENTS_PER_ROW, PROFILE_KEY } from './schema.js';

const view = (id: string, at: number): ValidEvent => ({
  id,
  at,
  path: null,
  name: 'Product Viewed',
  product: { productId: 'p', categories: ['A'], price: null, quantity: 1 },
});

/** Queues the rows of a batch (in time order) in `tx`; they land with its commit. */
function append(tx: Parameters<typeof queueEventRows>[0], events: readonly ValidEvent[]): void {
  queueEventRows(tx, events, new ReplayWatch());
}

const idsOf = async (database: Database) => (await readLoggedEvents(database)).map((event) => event.id);

function fresh(): { factory: IDBFactory; database: Database } {
  const factory = new IDBFactory();
  return { factory, database: new Database(factory, 'inkling:test') };
}

describe('Database', () => {
  it('commits a batch and its profile together, or neither when it fails mid-batch', async () => {
    const { database } = fresh();
    const before = emptyProfile();
    await database.write(['events', 'profile'], async (tx) => {
      append(tx, [view('a', 1)]);
      await tx.objectStore('profile').put(before, PROFILE_KEY);
    });
    const changed = { ...emptyProfile(), eventsApplied: 99 };
    await expect(
      database.write(['events', 'profile'], async (tx) => {
        append(tx, [view('b', 2), view('c', 3)]);
        await tx.objectStore('profile').put(changed, PROFILE_KEY);
        throw new Error('crash mid-batch');
      }),
    ).rejects.toThrow('crash mid-batch');
    expect(await idsOf(database)).toEqual(['a']);
    const db = await database.connection();
    expect((await db.get('profile', PROFILE_KEY))?.eventsApplied).toBe(0);
  });

  it('a queued, unawaited request that fails aborts the whole transaction and is reported as the cause', async () => {
    const { database } = fresh();
    await database.write(['events'], async (tx) => append(tx, [view('a', 1), view('b', 2)]));
    const watch = new ReplayWatch();
    const written = database.write(['events', 'profile'], async (tx) => {
      queueEventRows(tx, [view('c', 0)], watch);
      queueEventRows(tx, [view('a', 1), view('b', 2)], watch); // this batch is stored already
      unwrap(tx.objectStore('profile')).put({ ...emptyProfile(), eventsApplied: 7 }, PROFILE_KEY);
    });
    // Not a bare AbortError: the quota retry and the replay handling both need the cause.
    await expect(written).rejects.toMatchObject({ name: 'ConstraintError' });
    expect(watch.replayed).toBe(true);
    expect(await idsOf(database)).toEqual(['a', 'b']);
    const db = await database.connection();
    expect(await db.get('profile', PROFILE_KEY)).toBeUndefined();
  });

  it('evicts by age and by cap inside the transaction, and the oldest fraction on demand', async () => {
    const { database } = fresh();
    await database.write(['events'], async (tx) => {
      append(tx, Array.from({ length: 10 }, (_, i) => view(`e${i}`, 1000 + i)));
      // Older than 7 ms at t = 1010: e0, e1, e2 (the row keeps e3…e9).
      expect(await evictEvents(tx, 1010, { maxAgeMs: 7, maxEvents: 100 })).toEqual({ evicted: 3, size: 7 });
      // Over a cap of 5: cut to LOW_WATER × 5 = 4 events, the oldest first.
      expect(await evictEvents(tx, 1010, { maxAgeMs: 1e9, maxEvents: 5 })).toEqual({ evicted: 3, size: 4 });
      expect(await evictEvents(tx, 1010, { maxAgeMs: 1e9, maxEvents: 5 })).toEqual({ evicted: 0, size: 4 });
    });
    expect(await idsOf(database)).toEqual(['e6', 'e7', 'e8', 'e9']);
    expect(await evictOldest(database, 0.5, 1)).toBe(2);
    expect(await idsOf(database)).toEqual(['e8', 'e9']);
    expect(await evictOldest(database, 0.5, 1000)).toBe(2);
    expect(await idsOf(database)).toEqual([]);
    expect(await evictOldest(database, 0.5, 1000)).toBe(0);
  });

  it('evicts across rows: whole rows by key range, the row on the boundary rewritten', async () => {
    const { database } = fresh();
    // Rows of 3, 1 and 4 events (three batches), times 1…8.
    const batches = [[1, 2, 3], [4], [5, 6, 7, 8]].map((times) => times.map((t) => view(`e${t}`, t)));
    for (const batch of batches) await database.write(['events'], async (tx) => append(tx, batch));
    await database.write(['events'], async (tx) => {
      expect(await countLoggedEvents(tx.objectStore('events'))).toBe(8);
      // Older than t = 4.5: the first two rows whole, the third untouched.
      expect(await evictEvents(tx, 10, { maxAgeMs: 5.5, maxEvents: 100 })).toEqual({ evicted: 4, size: 4 });
      // Cap 2 → LOW_WATER × 2 = 1 left: three of the last row's four go, the row is rewritten.
      expect(await evictEvents(tx, 10, { maxAgeMs: 1e9, maxEvents: 2 })).toEqual({ evicted: 3, size: 1 });
    });
    expect(await idsOf(database)).toEqual(['e8']);
    const db = await database.connection();
    expect(await db.getAllKeys('events')).toEqual([[8, 'e8', 1]]);
  });

  it('splits a large batch into rows of MAX_EVENTS_PER_ROW and finds stored ids across them', async () => {
    const { database } = fresh();
    const batch = Array.from({ length: MAX_EVENTS_PER_ROW + 5 }, (_, i) => view(`e${i}`, i));
    await database.write(['events'], async (tx) => append(tx, batch));
    const db = await database.connection();
    expect((await db.getAllKeys('events')).map((key) => key[2])).toEqual([MAX_EVENTS_PER_ROW, 5]);
    await database.write(['events'], async (tx) => {
      const found = await storedEventIds(tx, [view('e3', 3), view('new', 4), view(`e${MAX_EVENTS_PER_ROW + 2}`, MAX_EVENTS_PER_ROW + 2)]);
      expect([...found].sort()).toEqual(['e202', 'e3']);
    });
  });

  it('migrates a version-1 log (one row per event) to rows, keeping every event in time order', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('inkling:test', 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore('events', { keyPath: ['at', 'eventId'] });
        for (const name of ['profile', 'itemJournal']) request.result.createObjectStore(name, name === 'itemJournal' ? { autoIncrement: true } : undefined);
        request.result.createObjectStore('items', { keyPath: 'id' });
        request.result.createObjectStore('catalog', { keyPath: 'id' });
        request.result.createObjectStore('meta', { keyPath: 'key' });
        for (const at of [30, 10, 20]) store.add({ eventId: `e${at}`, at, event: view(`e${at}`, at) });
      };
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const database = new Database(factory, 'inkling:test');
    expect((await database.connection()).version).toBe(DB_VERSION);
    expect(await readLoggedEvents(database)).toEqual([view('e10', 10), view('e20', 20), view('e30', 30)]);
    expect(await (await database.connection()).getAllKeys('events')).toEqual([[10, 'e10', 3]]);
  });

  it('steps aside when another tab opens a newer version, instead of blocking it', async () => {
    const { factory, database } = fresh();
    await database.connection();
    const outcome = await new Promise<string>((resolve) => {
      const request = factory.open('inkling:test', DB_VERSION + 1);
      request.onblocked = () => resolve('blocked');
      request.onsuccess = () => {
        request.result.close();
        resolve('opened');
      };
    });
    expect(outcome).toBe('opened');
  });

  it('reopens a lost connection and retries the operation once', async () => {
    const { database } = fresh();
    const db = await database.connection();
    db.close(); // what Safari does behind our back: no 'close' event, the handle just stops working
    await database.write(['meta'], async (tx) => {
      await tx.objectStore('meta').put({ key: 'created', value: 1 });
    });
    expect(await (await database.connection()).get('meta', 'created')).toEqual({ key: 'created', value: 1 });
  });

  it('deletes itself', async () => {
    const { factory, database } = fresh();
    await database.connection();
    await database.destroy();
    expect(await factory.databases()).toEqual([]);
  });
});

describe('writeWithQuotaRetry', () => {
  const quota = () => new DOMException('disk full', 'QuotaExceededError');

  it('evicts and retries on QuotaExceededError, then writes without the log as a last resort', async () => {
    const calls: string[] = [];
    const result = await writeWithQuotaRetry(
      async (keepLog) => {
        calls.push(keepLog ? 'write+log' : 'write-profile-only');
        if (keepLog) throw quota();
        return 'profile kept';
      },
      async () => calls.push('evict'),
      2,
    );
    expect(result).toBe('profile kept');
    expect(calls).toEqual(['write+log', 'evict', 'write+log', 'evict', 'write-profile-only']);
  });

  it('stops retrying once a write succeeds and lets other errors through', async () => {
    let n = 0;
    expect(await writeWithQuotaRetry(async () => (n++ === 0 ? Promise.reject(quota()) : n), async () => undefined)).toBe(2);
    await expect(writeWithQuotaRetry(async () => Promise.reject(new TypeError('bug')), async () => undefined)).rejects.toThrow('bug');
  });
});
