/**
 * When on-device training runs: only off the page's main thread, only when the visitor has been
 * quiet for a while (training competes with the page for the CPU), only in one tab of the site
 * at a time (Web Locks: the other tabs' engines see the lock held and skip, they do not queue), and
 * never while the visitor's browser asks to save data (a metered or slow connection: a pass
 * downloads models and uploads contributions, bytes the visitor pays for).
 */

/** Retry delay before the first pass of a Worker has run (see Trainer.start). */
const EARLY_RETRY_MS = 1000;

/** The part of the Web Locks API used here (navigator.locks in browsers and workers). */
export interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

export type TrainerOutcome<R> =
  | { readonly status: 'ran'; readonly result: R }
  /** Another tab (or another trainer in this process) holds the lock. */
  | { readonly status: 'busy-elsewhere' }
  | { readonly status: 'not-idle' }
  | { readonly status: 'main-thread-refused' }
  /** `navigator.connection.saveData`: the visitor asked for fewer bytes. */
  | { readonly status: 'saving-data' };

export interface TrainerOptions<R> {
  /** One training pass, e.g. () => client.participateAll(). */
  readonly run: () => Promise<R>;
  /** Default: navigator.locks, else an in-process lock manager (Node). */
  readonly locks?: LockManagerLike;
  /** Site-scoped lock name. Default 'inkling:training'. */
  readonly lockName?: string;
  readonly isIdle: () => boolean;
  /** Default: detects a window/document global (the page's main thread). */
  readonly isMainThread?: () => boolean;
  /** Default: `navigator.connection.saveData` (Chromium's Network Information API; false where absent). */
  readonly isSavingData?: () => boolean;
}

/** The browser's data-saver signal, read defensively: absent in Firefox, Safari and Node. */
export function browserSavesData(): boolean {
  const connection: unknown = Reflect.get(Object(Reflect.get(globalThis, 'navigator')), 'connection');
  return typeof connection === 'object' && connection !== null && Reflect.get(connection, 'saveData') === true;
}

/** True on a page's main thread (a `document` exists), false in workers and Node. */
export function onMainThread(): boolean {
  return 'document' in globalThis && 'window' in globalThis;
}

/**
 * Web Locks semantics for one process (Node, tests): `ifAvailable` grants the lock when it is free
 * and calls back with null when it is held, without waiting.
 */
export function createLocalLockManager(): LockManagerLike {
  const held = new Set<string>();
  return {
    async request<T>(name: string, _options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T> {
      if (held.has(name)) return callback(null);
      held.add(name);
      try {
        return await callback({ name });
      } finally {
        held.delete(name);
      }
    },
  };
}

function defaultLocks(): LockManagerLike {
  const scope = globalThis as { navigator?: { locks?: LockManagerLike } };
  return scope.navigator?.locks ?? sharedLocalLocks;
}
const sharedLocalLocks = createLocalLockManager();

/** @example const trainer = new Trainer({ run: () => client.participateAll(), isIdle: idle.isIdle }); await trainer.tick(); */
export class Trainer<R> {
  private readonly locks: LockManagerLike;
  private readonly lockName: string;
  private timer: ReturnType<typeof setInterval> | undefined;
  private firstTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: TrainerOptions<R>) {
    this.locks = options.locks ?? defaultLocks();
    this.lockName = options.lockName ?? 'inkling:training';
  }

  /** One attempt: trains if allowed right now, otherwise says why not. Never throws for "busy". */
  async tick(): Promise<TrainerOutcome<R>> {
    if ((this.options.isMainThread ?? onMainThread)()) return { status: 'main-thread-refused' };
    if (!this.options.isIdle()) return { status: 'not-idle' };
    if ((this.options.isSavingData ?? browserSavesData)()) return { status: 'saving-data' };
    return this.locks.request(this.lockName, { ifAvailable: true }, async (lock): Promise<TrainerOutcome<R>> => {
      if (lock === null) return { status: 'busy-elsewhere' };
      return { status: 'ran', result: await this.options.run() };
    });
  }

  /**
   * Tries after `firstDelayMs` (a page visit may be short: a returning visitor's Worker should get
   * its chance before the next navigation), then every `intervalMs`; errors of a pass go to
   * `onError` and the next tick tries again. Passes never overlap.
   */
  start(intervalMs: number, onError: (error: unknown) => void = () => undefined, firstDelayMs: number = intervalMs): void {
    if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw new RangeError(`intervalMs must be ≥ 1000; got ${intervalMs}`);
    if (!Number.isFinite(firstDelayMs) || firstDelayMs < 0) throw new RangeError(`firstDelayMs must be a finite number ≥ 0; got ${firstDelayMs}`);
    this.stop();
    let running = false;
    let passes = 0;
    const attempt = (): void => {
      if (running) return;
      running = true;
      this.tick()
        .then((outcome) => {
          if (outcome.status === 'ran') passes++;
          // Until a first pass has run, a busy visitor is retried every second rather than every
          // interval: page visits are short, and the next navigation ends this Worker.
          else if (outcome.status === 'not-idle' && passes === 0 && this.timer !== undefined) this.firstTimer = setTimeout(attempt, EARLY_RETRY_MS);
        }, onError)
        .finally(() => {
          running = false;
        });
    };
    this.firstTimer = setTimeout(attempt, firstDelayMs);
    this.timer = setInterval(attempt, intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.firstTimer !== undefined) clearTimeout(this.firstTimer);
    this.timer = undefined;
    this.firstTimer = undefined;
  }
}

/** Idle = no visitor activity for `quietMs`; the engine calls `touch()` on every ingest. */
export function createQuietPeriod(quietMs: number, now: () => number = Date.now): { touch(): void; isIdle(): boolean } {
  if (!Number.isFinite(quietMs) || quietMs < 0) throw new RangeError(`quietMs must be a finite number ≥ 0; got ${quietMs}`);
  let last = now();
  return {
    touch: () => {
      last = now();
    },
    isIdle: () => now() - last >= quietMs,
  };
}
