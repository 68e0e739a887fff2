/**
 * Benchmarks that run a server in a child process talk to it over Node's IPC channel: send a
 * request, wait for the first reply of the expected kind. Shared by aggregator.bench.ts and
 * secure-aggregation.bench.ts.
 */
import type { ChildProcess } from 'node:child_process';

/** Sends `message` to `child` and resolves with its first reply whose `kind` is `kind`. */
export function ask<M extends { readonly kind: string }, K extends M['kind']>(child: ChildProcess, message: object, kind: K): Promise<Extract<M, { kind: K }>> {
  return new Promise((resolve) => {
    const listener = (reply: M): void => {
      if (reply.kind === kind) {
        child.off('message', listener);
        resolve(reply as Extract<M, { kind: K }>);
      }
    };
    child.on('message', listener);
    child.send(message);
  });
}
