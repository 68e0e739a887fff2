/**
 * The snippet and the loader's replay, in Node: the real stub module runs against a stand-in
 * `window`, and its queue is replayed into a recording target.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Inkling } from './api.js';
import { replayQueue, takeQueue, type QueuedCall } from './snippet-queue.js';

async function loadStub(): Promise<Record<string, unknown>> {
  const fakeWindow: Record<string, unknown> = {};
  Reflect.set(globalThis, 'window', fakeWindow);
  try {
    vi.resetModules();
    await import('./stub.js');
  } finally {
    Reflect.deleteProperty(globalThis, 'window');
  }
  return fakeWindow;
}

describe('the snippet', () => {
  it('queues every call with its time and returns Promises from the answering methods', async () => {
    const window = await loadStub();
    const inkling = window.inkling as Record<string, (...args: unknown[]) => unknown>;
    const before = Date.now();
    expect(inkling.track!('Product Viewed', { product_id: '1' })).toBeUndefined();
    const answer = inkling.recommend!({ k: 3 });
    expect(answer).toBeInstanceOf(Promise);
    inkling.consent!('granted');
    const queue = takeQueue(inkling);
    expect(queue.map(([method, args]) => [method, args])).toEqual([
      ['track', ['Product Viewed', { product_id: '1' }]],
      ['recommend', [{ k: 3 }]],
      ['consent', ['granted']],
    ]);
    expect(queue[0]![2]).toBeGreaterThanOrEqual(before);
    queue[1]![3]!(['answer']);
    await expect(answer).resolves.toEqual(['answer']);
  });

  it('leaves an existing window.inkling alone', async () => {
    const fakeWindow: Record<string, unknown> = { inkling: 'already here' };
    Reflect.set(globalThis, 'window', fakeWindow);
    try {
      vi.resetModules();
      await import('./stub.js');
    } finally {
      Reflect.deleteProperty(globalThis, 'window');
    }
    expect(fakeWindow.inkling).toBe('already here');
  });
});

describe('replayQueue', () => {
  it('replays in order, keeps track/page times, settles answers, and reports unknown methods', async () => {
    const log: string[] = [];
    const api = {
      consent: (state: unknown) => log.push(`consent ${String(state)}`),
      recommend: async () => [{ id: 'm1', score: 1, reason: 'r' }],
    } as Partial<Inkling> as Inkling;
    let recommended: unknown;
    const queue: QueuedCall[] = [
      ['track', ['Product Viewed', { product_id: '1' }], 111],
      ['consent', ['granted'], 112],
      ['recommend', [{ k: 1 }], 113, (value) => (recommended = value)],
      ['page', [{ title: 't' }], 114],
      ['launchMissiles', [], 115],
    ];
    replayQueue(queue, api, {
      track: (name, _properties, at) => log.push(`track ${String(name)} @${at}`),
      page: (_properties, at) => log.push(`page @${at}`),
      report: ({ method, rule, message }) => log.push(`report ${method} ${rule}: ${message}`),
    });
    expect(log).toEqual(['track Product Viewed @111', 'consent granted', 'page @114', 'report launchMissiles known-method: inkling.launchMissiles() does not exist']);
    await expect(recommended).resolves.toEqual([{ id: 'm1', score: 1, reason: 'r' }]);
  });

  it('ignores a malformed queue', () => {
    expect(takeQueue(undefined)).toEqual([]);
    expect(takeQueue({ _q: 'nope' })).toEqual([]);
    expect(takeQueue({ _q: [['track'], 'x', ['page', [], 1]] })).toEqual([['page', [], 1]]);
  });
});
