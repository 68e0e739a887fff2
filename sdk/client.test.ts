/**
 * The SDK's client against the real engine: worker/entry.worker.ts's WorkerApi over
 * fake-indexeddb, exposed with the real Comlink on a MessageChannel, reached through the SDK's
 * own rpc client, exactly the path a browser takes minus the Worker thread and the DOM.
 */
import 'fake-indexeddb/auto';
import * as Comlink from 'comlink';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../worker/engine.js';
import { createEngine } from '../worker/engine.js';
import { createWorkerApi } from '../worker/entry.worker.js';
import type { ErrorReport } from './api.js';
import { createClient, type Host } from './client.js';
import { createFacade } from './facade.js';
import { remoteEngine } from './rpc.js';

const catalog = {
  items: [
    { id: 'm1', title: 'Alien', categories: ['Sci-Fi', 'Horror'], price: 3.99, popularity: 0.9 },
    { id: 'm2', title: 'Heat', categories: ['Crime'], price: 2.99, popularity: 0.8 },
    { id: 'm3', title: 'Solaris', categories: ['Sci-Fi'], price: 3.49, popularity: 0.4 },
  ],
};

interface World {
  readonly factory: IDBFactory;
  readonly store: Map<string, string>;
}

function newWorld(): World {
  return { factory: new IDBFactory(), store: new Map() };
}

function harness(world: World, navigator: Host['navigator'] = { userAgent: 'Mozilla/5.0 test', webdriver: false }, options: { brokenWorker?: boolean } = {}) {
  const engines: Engine[] = [];
  let connections = 0;
  const host: Host = {
    pageUrl: () => 'https://shop.example/movie/1',
    path: () => '/movie/1',
    now: Date.now,
    navigator,
    storage: () => ({ getItem: (k) => world.store.get(k) ?? null, setItem: (k, v) => void world.store.set(k, v) }),
    defaultWorkerUrl: 'https://shop.example/inkling.worker.js',
    connect() {
      connections++;
      const { port1, port2 } = new MessageChannel();
      const api = createWorkerApi({
        open: async (config) => {
          const engine = await createEngine({ site: config.site, idbFactory: world.factory, ...(config.consent && { consent: config.consent }) });
          engines.push(engine);
          return { engine };
        },
        fetchJson: async () => catalog,
      });
      if (!options.brokenWorker) Comlink.expose(api, port2, ['']);
      port1.start();
      let fail!: (error: Error) => void;
      const failure = new Promise<never>((_, reject) => (fail = reject));
      failure.catch(() => {});
      if (options.brokenWorker) fail(new Error('the Worker failed: not loaded'));
      return {
        call: remoteEngine(port1, failure),
        failure,
        terminate() {
          fail(new Error('the Worker was stopped'));
          port1.close();
          // A terminated Worker's database connections close with it.
          for (const engine of engines.splice(0)) void engine.close();
        },
      };
    },
    onHidden: () => () => {},
    autocapture: () => ({ detach: () => {}, ready: Promise.resolve() }),
    console: undefined,
  };
  const client = createClient(host);
  const api = createFacade(client);
  const reports: ErrorReport[] = [];
  api.on('error', (report) => reports.push(report));
  return { client, api, reports, connections: () => connections, close: () => { for (const engine of engines) void engine.close(); } };
}

const databases = async (world: World) => (await world.factory.databases()).map((d) => d.name);
const viewed = (id: string, category: string) => ['Product Viewed', { product_id: id, category, price: 3.99 }] as const;

describe('InklingClient with the real engine', () => {
  it('holds a pending visitor’s events in memory only, then persists them when consent is granted', async () => {
    const world = newWorld();
    const { client, api, reports, close } = harness(world);
    client.configure({ site: 'shop-1', catalog: '/catalog.json' });
    api.track(...viewed('m1', 'Sci-Fi'));
    api.track(...viewed('m3', 'Sci-Fi'));
    await api.flush();
    const pending = await api.profile();
    expect(pending?.consent).toBe('pending');
    expect(pending?.interests[0]?.category).toBe('Sci-Fi');
    expect(await databases(world)).toEqual([]);

    api.consent('granted');
    await api.flush();
    expect((await api.profile())?.consent).toBe('granted');
    expect(await databases(world)).toHaveLength(1);
    expect(world.store.get('inkling:shop-1:consent')).toBe('granted');
    const picks = await api.recommend({ k: 2 });
    expect(picks.map((p) => p.id)).not.toContain(undefined);
    expect(reports).toEqual([]);
    close();
  });

  it('answers a question after the events tracked before it (read your writes), in either batching mode', async () => {
    for (const batch of ['idle', 'microtask'] as const) {
      const { client, api, close } = harness(newWorld());
      client.configure({ site: 'shop-1', batch });
      api.track(...viewed('m2', 'Crime'));
      expect((await api.profile())?.interests[0]?.category).toBe('Crime');
      close();
    }
  });

  it('hands a burst larger than the engine’s per-call limit over in several messages, losing none', async () => {
    const { client, api, reports, close } = harness(newWorld());
    client.configure({ site: 'shop-1', consent: 'granted' });
    for (let i = 0; i < 2500; i++) api.track('Product Viewed', { product_id: `p${i}`, category: i % 2 ? 'Crime' : 'Sci-Fi', price: 1 });
    await api.flush();
    expect(reports).toEqual([]);
    expect((await api.profile())?.storage.events).toBe(2500);
    close();
  });

  it('keeps a granted profile for the next page, and erases it when consent is withdrawn', async () => {
    const world = newWorld();
    const first = harness(world);
    first.client.configure({ site: 'shop-1', consent: 'granted' });
    first.api.track(...viewed('m2', 'Crime'));
    await first.api.flush();
    first.close();

    const second = harness(world);
    second.client.configure({ site: 'shop-1' });
    const profile = await second.api.profile();
    expect(profile?.consent).toBe('granted');
    expect(profile?.interests.map((i) => i.category)).toContain('Crime');

    second.api.optOut();
    expect(second.client.state.mode).toBe('stopped');
    await expect.poll(() => databases(world)).toEqual([]);
    expect(world.store.get('inkling:shop-1:consent')).toBe('denied');
    second.api.track(...viewed('m1', 'Sci-Fi'));
    expect(await second.api.recommend()).toEqual([]);
  });

  it('honours Global Privacy Control: no Worker, nothing stored, consent("granted") refused with a report', async () => {
    const world = newWorld();
    const { client, api, reports, connections } = harness(world, { userAgent: 'Mozilla/5.0', globalPrivacyControl: true });
    client.configure({ site: 'shop-1', consent: 'granted' });
    api.track(...viewed('m1', 'Sci-Fi'));
    api.consent('granted');
    expect(client.state).toMatchObject({ mode: 'stopped', consent: 'denied' });
    expect(connections()).toBe(0);
    expect(await api.profile()).toBeNull();
    expect(await databases(world)).toEqual([]);
    expect(reports).toEqual([expect.objectContaining({ field: 'state', rule: 'privacy-signal', method: 'consent' })]);
  });

  it('records nothing in an automated browser unless the site allows automation', () => {
    const bot = { userAgent: 'Mozilla/5.0 HeadlessChrome/120', webdriver: true };
    const skipped = harness(newWorld(), bot);
    skipped.client.configure({ site: 'shop-1' });
    expect(skipped.client.state.mode).toBe('stopped');
    expect(skipped.connections()).toBe(0);
    const allowed = harness(newWorld(), bot);
    allowed.client.configure({ site: 'shop-1', allowAutomation: true });
    expect(allowed.client.state.mode).toBe('running');
    allowed.close();
  });

  it('reports the engine’s field errors with the event id, and the engine’s option errors with the option', async () => {
    const { client, api, reports, close } = harness(newWorld());
    client.configure({ site: 'shop-1' });
    api.track('Product Viewed', { product_id: 'm1', price: Number.NaN });
    api.track('Launch Missiles', {});
    await api.flush();
    expect(reports.some((r) => r.field === 'properties.price' && typeof r.eventId === 'string' && r.method === 'track')).toBe(true);
    expect(reports.some((r) => r.field === 'name' || r.field === 'event')).toBe(true);
    reports.length = 0;
    expect(await api.recommend({ k: 0 })).toEqual([]);
    expect(reports).toEqual([expect.objectContaining({ field: 'options.k', method: 'recommend' })]);
    close();
  });

  it('reports a malformed site at once, and the other options\' broken rules from the Worker when it starts', async () => {
    const unsited = harness(newWorld());
    unsited.client.configure({ site: 'has space' });
    expect(unsited.reports).toEqual([expect.objectContaining({ field: 'options.site', rule: 'pattern', method: 'init' })]);
    expect(unsited.connections()).toBe(0);

    const { client, api, reports, close } = harness(newWorld());
    const ready = new Promise((resolve) => api.on('ready', resolve));
    client.configure({ site: 'shop-1', consent: 'yes', debug: () => true, autocapture: { typo: true } });
    // A function cannot travel to the Worker: reported at once, as the clone-safe rule it breaks.
    expect(reports).toEqual([expect.objectContaining({ field: 'options.debug', rule: 'serializable', method: 'init' })]);
    await ready;
    expect(reports.map((r) => `${r.field} ${r.rule} ${r.method}`)).toEqual(['options.debug serializable init', 'options.consent one-of init', 'options.autocapture.typo one-of init']);
    expect(client.state.consent).toBe('pending');
    close();
  });

  it('answers with fallbacks, never rejections, when the Worker cannot load', async () => {
    const { client, api, reports } = harness(newWorld(), undefined, { brokenWorker: true });
    client.configure({ site: 'shop-1' });
    await expect(api.recommend({ k: 3 })).resolves.toEqual([]);
    await expect(api.profile()).resolves.toBeNull();
    await expect(api.flush()).resolves.toBeUndefined();
    expect(reports.some((r) => r.field === 'worker')).toBe(true);
  });

  it('survives 1,000 hostile calls: none throws, each is reported, and the stored profile is intact', async () => {
    const world = newWorld();
    const { client, api, reports, close } = harness(world);
    client.configure({ site: 'shop-1', consent: 'granted' });
    api.track(...viewed('m1', 'Sci-Fi'));
    await api.flush();
    const before = (await api.profile())?.interests;

    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile: (() => unknown)[] = [
      () => api.track(42 as unknown as string),
      () => api.track('Product Viewed', 'not an object' as unknown as Record<string, unknown>),
      () => api.track('', {}),
      () => api.track('Product Viewed', { product_id: () => 1 }),
      () => api.track('Product Viewed', { product_id: 'x'.repeat(100_000) }),
      () => api.track('Product Viewed', cyclic),
      () => api.page(null as unknown as Record<string, unknown>),
      () => api.consent('maybe' as 'granted'),
      () => api.recommend('five' as unknown as { k: number }),
      () => api.on('nonsense' as 'error', () => {}),
    ];
    let thrown = 0;
    let expected = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        const result = hostile[i % hostile.length]!();
        if (result instanceof Promise) await result;
      } catch {
        thrown++;
      }
      expected++;
    }
    await api.flush();
    expect(thrown).toBe(0);
    expect(reports.length).toBeGreaterThanOrEqual(expected);
    expect((await api.profile())?.interests).toEqual(before);
    close();
  });
});
