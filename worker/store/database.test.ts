import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ValidEvent } from '../../core/events/event.js';
import { emptyProfile } from '../features/profile-state.js';
import { Database } from './database.js';
import { unwrap } from 'idb';
import { appendEvents, evictEvents, evictOldest, queueEventRows, ReplayWatch } from './event-log.js';
import { writeWithQuotaRetry } from './quota.js';
import { DB_VERSION, PROFILE_KEY } from './schema.js';

const view = (id: string, at: number): ValidEvent => ({
  id,
  at,
  path: null,
  name: 'Product Viewed',
  product: { productId: 'p', categories: ['A'], price: null, quantity: 1 },
});

function fresh(): { factory: IDBFactory; database: Database } {
  const factory = new IDBFactory();
  return { factory, database: new Database(factory, 'inkling:test') };
}

describe('Database', () => {
  it('commits a batch and its profile together, or neither when it fails mid-batch', async () => {
    const { database } = fresh();
    const before = emptyProfile();
    await database.write(['events', 'profile'], async (tx) => {
      await appendEvents(tx, [view('a', 1)]);
      await tx.objectStore('profile').put(before, PROFILE_KEY);
    });
    const changed = { ...emptyProfile(), eventsApplied: 99 };
    await expect(
      database.write(['events', 'profile'], async (tx) => {
        await appendEvents(tx, [view('b', 2), view('c', 3)]);
        await tx.objectStore('profile').put(changed, PROFILE_KEY);
        throw new Error('crash mid-batch');
      }),
    ).rejects.toThrow('crash mid-batch');
    const db = await database.connection();
    expect(await db.count('events')).toBe(1);
    expect((await db.get('profile', PROFILE_KEY))?.eventsApplied).toBe(0);
  });

  it('a queued, unawaited request that fails aborts the whole transaction and is reported as the cause', async () => {
    const { database } = fresh();
    await database.write(['events'], async (tx) => {
      await appendEvents(tx, [view('a', 1)]);
    });
    const written = database.write(['events', 'profile'], async (tx) => {
      queueEventRows(tx, [view('b', 2), view('a', 1)], new ReplayWatch()); // 'a' is stored already
      unwrap(tx.objectStore('profile')).put({ ...emptyProfile(), eventsApplied: 7 }, PROFILE_KEY);
    });
    // Not a bare AbortError: the quota retry and the replay handling both need the cause.
    await expect(written).rejects.toMatchObject({ name: 'ConstraintError' });
    const db = await database.connection();
    expect(await db.count('events')).toBe(1);
    expect(await db.get('profile', PROFILE_KEY)).toBeUndefined();
  });

  it('evicts by age and by cap inside the transaction, and the oldest fraction on demand', async () => {
    const { database } = fresh();
    await database.write(['events'], async (tx) => {
      await appendEvents(tx, Array.from({ length: 10 }, (_, i) => view(`e${i}`, 1000 + i)));
      // Older than 7 ms at t = 1010: e0, e1, e2.
      expect(await evictEvents(tx, 1010, { maxAgeMs: 7, maxEvents: 100 })).toEqual({ evicted: 3, size: 7 });
      // Over a cap of 5: cut to LOW_WATER × 5 = 4 rows, the oldest first.
      expect(await evictEvents(tx, 1010, { maxAgeMs: 1e9, maxEvents: 5 })).toEqual({ evicted: 3, size: 4 });
      expect(await evictEvents(tx, 1010, { maxAgeMs: 1e9, maxEvents: 5 })).toEqual({ evicted: 0, size: 4 });
    });
    const db = await database.connection();
    expect((await db.getAll('events')).map((e) => e.eventId).sort()).toEqual(['e6', 'e7', 'e8', 'e9']);
    expect(await evictOldest(database, 0.5, 1)).toBe(2);
    expect((await db.getAll('events')).map((e) => e.eventId).sort()).toEqual(['e8', 'e9']);
    expect(await evictOldest(database, 0.5, 1000)).toBe(2);
    expect(await db.count('events')).toBe(0);
    expect(await evictOldest(database, 0.5, 1000)).toBe(0);
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
