/**
 * HelperService's key start-up when instances share one store: whatever the interleaving, helpers
 * starting together publish ONE key (devices seal to the first key of /v1/hpke-config, and two
 * instances answering with different first keys would split a round's uploads between them).
 */
import { describe, expect, it } from 'vitest';
import { openHelperStorage } from '../storage/open-storage.js';
import { testStores } from '../storage/stores.testkit.js';
import { exactHistogramTask } from './testkit.js';
import { HelperService } from './helper.js';
import type { HelperStorage } from './helper-storage.js';

const stores = testStores();
const tasks = [exactHistogramTask('bins', 4)];

describe('HelperService.create', () => {
  it('publishes one key when a second instance read the empty store before the first stored its key', async () => {
    const location = await stores.fresh('sqlite');
    const [a, b] = [await openHelperStorage(location), await openHelperStorage(location)];
    // B reads "no keys" first; A then makes its key; only then does B go on (the race CI once hit).
    let releaseB!: () => void;
    const bMayGoOn = new Promise<void>((resolve) => { releaseB = resolve; });
    let firstRead = true;
    const slowB: HelperStorage = Object.assign(Object.create(b) as HelperStorage, {
      keys: async () => {
        const keys = await b.keys();
        if (firstRead) { firstRead = false; await bMayGoOn; }
        return keys;
      },
    });
    const startingB = HelperService.create({ storage: slowB, tasks, minContributions: 2 });
    const serviceA = await HelperService.create({ storage: a, tasks, minContributions: 2 });
    releaseB();
    const serviceB = await startingB;
    expect((await a.keys()).map((k) => k.pair.config.id)).toEqual([1]);
    expect(await serviceB.hpkeConfig()).toEqual(await serviceA.hpkeConfig());
    await Promise.all([a.close(), b.close()]);
  });
});
