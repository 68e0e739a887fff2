/**
 * The queue between `track()` and the Worker. `push` is the whole of `track()`'s hot path: one
 * array push and, for the first event of a batch, one scheduling call. Everything else
 * (ids, making properties clone-safe, postMessage) happens in the drain, once per batch.
 */
import type { BatchScheduling } from './api.js';

export interface QueuedEvent {
  readonly name: string;
  readonly properties: unknown;
  readonly timestamp: number;
  readonly path: string | undefined;
}

export type Scheduler = (run: () => void) => void;

/** Idle callbacks wait at most this long, so events reach the engine even on a busy page. */
const IDLE_TIMEOUT_MS = 1000;

export function scheduler(kind: BatchScheduling): Scheduler {
  switch (kind) {
    case 'microtask':
      return (run) => queueMicrotask(run);
    case 'idle':
      return typeof requestIdleCallback === 'function'
        ? (run) => requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS })
        : (run) => setTimeout(run, 1);
    default: {
      const unreachable: never = kind;
      throw new RangeError(`batch: ${String(unreachable)}`);
    }
  }
}

/** Held while the SDK has no site yet (script tag without data-site, waiting for `init()`). */
export const MAX_HELD_EVENTS = 1000;

export interface EventBuffer {
  push(event: QueuedEvent): void;
  readonly size: number;
  /** Drops the oldest events beyond `max`; returns how many were dropped. */
  trimTo(max: number): number;
  /** Events are held (not drained) until `resume()`: before the engine exists. */
  pause(): void;
  resume(schedule?: Scheduler): void;
  drainNow(): void;
  clear(): void;
}

/** A closure, not a class: the minifier shortens its state (the loader's 6 KB budget). */
export function createEventBuffer(schedule: Scheduler, drain: (events: QueuedEvent[]) => void): EventBuffer {
  let events: QueuedEvent[] = [];
  let scheduled = false;
  let paused = true;
  const drainNow = (): void => {
    if (paused || events.length === 0) return;
    const batch = events;
    events = [];
    drain(batch);
  };
  const runScheduled = (): void => {
    scheduled = false;
    drainNow();
  };
  return {
    push(event) {
      events.push(event);
      if (!scheduled && !paused) {
        scheduled = true;
        schedule(runScheduled);
      }
    },
    get size() {
      return events.length;
    },
    trimTo(max) {
      const over = events.length - max;
      if (over <= 0) return 0;
      events.splice(0, over);
      return over;
    },
    pause() {
      paused = true;
    },
    resume(next) {
      if (next) schedule = next;
      paused = false;
      drainNow();
    },
    drainNow,
    clear() {
      events = [];
    },
  };
}
