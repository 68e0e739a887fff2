/**
 * The contract between the inline snippet (stub.ts) and the loader: what a call made before
 * load looks like, and how the loader replays it. Kept apart so the stub stays tiny.
 *
 * A queued call is `[method, args, calledAt, resolve?]`; `resolve` exists for the methods that
 * answer (their stub returns a Promise that the loader settles with the real answer).
 */
import type { Inkling } from './api.js';
import type { InklingClient } from './client.js';

export const GLOBAL_NAME = 'inkling';

export type QueuedCall = [method: string, args: unknown[], calledAt: number, resolve?: (value: unknown) => void];

/** What the snippet leaves on `window.inkling`: the API's methods plus the queue. */
export interface StubObject {
  _q: QueuedCall[];
}

export const PLAIN_METHODS = ['track', 'page', 'consent', 'optOut', 'on', 'off', 'init'] as const;
export const ANSWERING_METHODS = ['recommend', 'profile', 'segment', 'export', 'forget', 'flush'] as const;

/** The queue a snippet left behind, or an empty one (no snippet, or something else on the name). */
export function takeQueue(existing: unknown): QueuedCall[] {
  try {
    if (typeof existing !== 'object' || existing === null || !('_q' in existing)) return [];
    const queue: unknown = existing._q;
    if (!Array.isArray(queue)) return [];
    return queue.filter(
      (entry): entry is QueuedCall => Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1]) && typeof entry[2] === 'number',
    );
  } catch {
    // Something hostile on `window.inkling` (a Proxy whose traps throw): no queue to replay.
    return [];
  }
}

/** Where a replayed call goes besides the public object: the client, for the original timestamps and reports. */
export type ReplayClient = Pick<InklingClient, 'track' | 'page' | 'report'>;

/**
 * Replays in call order. `track`/`page` keep the time they were called, not the time of replay;
 * the rest go through the public object, which checks its arguments as for any other call.
 */
export function replayQueue(queue: readonly QueuedCall[], api: Inkling, client: ReplayClient): void {
  for (const [method, args, calledAt, resolve] of queue) {
    const report = (rule: string, message: string) => client.report({ field: 'method', rule, message, method });
    try {
      let result: unknown;
      if (method === 'track') client.track(args[0], args[1], calledAt);
      else if (method === 'page') client.page(args[0], calledAt);
      else {
        // Only the API's own methods (not `toString`, `constructor`...): the same set as the stub's lists.
        const fn: unknown = Object.hasOwn(api, method) ? Reflect.get(api, method) : undefined;
        if (typeof fn === 'function') result = Reflect.apply(fn, api, args);
        else report('known-method', `inkling.${method.slice(0, 40)}() does not exist`);
      }
      resolve?.(result);
    } catch (error) {
      report('internal', error instanceof Error ? error.message : String(error));
      resolve?.(undefined);
    }
  }
}
