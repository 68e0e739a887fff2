import { describe, expect, it } from 'vitest';
import { browserSavesData, createLocalLockManager, createQuietPeriod, Trainer } from './trainer.js';

describe('Trainer', () => {
  it('lets one trainer run at a time across tabs sharing a lock: the other skips instead of queueing', async () => {
    const locks = createLocalLockManager();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const tabA = new Trainer({ locks, isIdle: () => true, isMainThread: () => false, run: async () => { runs++; await gate; return 'a'; } });
    const tabB = new Trainer({ locks, isIdle: () => true, isMainThread: () => false, run: async () => { runs++; return 'b'; } });
    const first = tabA.tick();
    expect(await tabB.tick()).toEqual({ status: 'busy-elsewhere' });
    release();
    expect(await first).toEqual({ status: 'ran', result: 'a' });
    expect(await tabB.tick()).toEqual({ status: 'ran', result: 'b' });
    expect(runs).toBe(2);
  });

  it('never trains on the main thread, nor while the visitor is active', async () => {
    let runs = 0;
    const run = async () => ++runs;
    expect(await new Trainer({ isIdle: () => true, isMainThread: () => true, run }).tick()).toEqual({ status: 'main-thread-refused' });
    let clock = 0;
    const quiet = createQuietPeriod(30_000, () => clock);
    const trainer = new Trainer({ isIdle: quiet.isIdle, isMainThread: () => false, run, locks: createLocalLockManager() });
    expect(await trainer.tick()).toEqual({ status: 'not-idle' });
    clock = 31_000;
    expect(await trainer.tick()).toEqual({ status: 'ran', result: 1 });
    quiet.touch();
    expect(await trainer.tick()).toEqual({ status: 'not-idle' });
    expect(runs).toBe(1);
  });

  it("sends and downloads nothing while the browser asks to save data (navigator.connection.saveData)", async () => {
    let runs = 0;
    let saving = true;
    const trainer = new Trainer({ isIdle: () => true, isMainThread: () => false, isSavingData: () => saving, run: async () => ++runs, locks: createLocalLockManager() });
    expect(await trainer.tick()).toEqual({ status: 'saving-data' });
    saving = false;
    expect(await trainer.tick()).toEqual({ status: 'ran', result: 1 });
    // The default reads the Network Information API, absent in Node.
    expect(browserSavesData()).toBe(false);
    const navigatorDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { connection: { saveData: true } }, configurable: true });
    try {
      expect(browserSavesData()).toBe(true);
    } finally {
      if (navigatorDescriptor) Object.defineProperty(globalThis, 'navigator', navigatorDescriptor);
      else Reflect.deleteProperty(globalThis, 'navigator');
    }
  });

  it('releases the lock when a pass throws', async () => {
    const locks = createLocalLockManager();
    const failing = new Trainer({ locks, isIdle: () => true, isMainThread: () => false, run: async () => { throw new Error('boom'); } });
    await expect(failing.tick()).rejects.toThrow('boom');
    const next = new Trainer({ locks, isIdle: () => true, isMainThread: () => false, run: async () => 'ok' });
    expect(await next.tick()).toEqual({ status: 'ran', result: 'ok' });
  });
});

describe('Trainer.start', () => {
  it('makes a first attempt after firstDelayMs, then every intervalMs, and stops', async () => {
    let runs = 0;
    const trainer = new Trainer({ isIdle: () => true, isMainThread: () => false, locks: createLocalLockManager(), run: async () => ++runs });
    trainer.start(60_000, undefined, 10);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs).toBe(1);
    trainer.stop();
    expect(() => trainer.start(10)).toThrow(/intervalMs/);
  });
});

describe('Trainer.start early retries', () => {
  it('retries a busy visitor every second until the first pass has run', async () => {
    let idle = false;
    let runs = 0;
    const trainer = new Trainer({ isIdle: () => idle, isMainThread: () => false, locks: createLocalLockManager(), run: async () => ++runs });
    trainer.start(60_000, undefined, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(0);
    idle = true;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(runs).toBe(1);
    trainer.stop();
  });
});
