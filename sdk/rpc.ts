/**
 * The page's side of the Worker connection: a minimal client of Comlink's wire protocol
 * (comlink/src/protocol.ts, stable since Comlink 4) for the only message the SDK sends: call a
 * top-level method of the exposed object with plain arguments. The Worker exposes the engine
 * with Comlink itself. Comlink's own `wrap` (a Proxy tree, transfer handlers, proxied callbacks)
 * would cost 1.6 KB of the loader's 6 KB gzipped budget for features the SDK does not use.
 *
 * Request:  { id, type: "APPLY", path: [method], argumentList: [{ type: "RAW", value }...] }
 * Answer:   { id, type: "RAW", value } or, when the method threw,
 *           { id, type: "HANDLER", name: "throw", value: { isError, value: { message, name } } }
 */
import type { WorkerApi } from '../core/protocol/worker-boot.js';

/** What the SDK needs of a Worker (a real one, or a MessagePort in tests). */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** The Error a thrown answer describes. */
export function thrownError(value: unknown): Error {
  const thrown: unknown = Reflect.get(Object(value), 'value');
  const message: unknown = Reflect.get(Object(thrown), 'message');
  // Only the message: the client reads nothing else (the engine's RangeErrors start with their field).
  return new Error(typeof message === 'string' ? message : String(thrown));
}

/** Calls one method of the Worker's `WorkerApi`, typed as that method. */
export type RemoteCall = <M extends keyof WorkerApi>(method: M, ...args: Parameters<WorkerApi[M]>) => ReturnType<WorkerApi[M]>;

/**
 * `failure`: rejects when the Worker dies; every call settles with it then (the answer would
 * never come), so no caller waits forever.
 */
export function remoteEngine(endpoint: MessageEndpoint, failure: Promise<never>): RemoteCall {
  const waiting = new Map<string, [resolve: (value: never) => void, reject: (error: Error) => void]>();
  let counter = 0;

  endpoint.addEventListener('message', ({ data }) => {
    const id: unknown = Reflect.get(Object(data), 'id');
    const call = typeof id === 'string' && waiting.get(id);
    if (!call) return;
    waiting.delete(id);
    const { type, name, value } = data;
    if (type === 'HANDLER' && name === 'throw') call[1](thrownError(value));
    else call[0](value as never);
  });

  return (method, ...args) =>
    // The answer has the Worker method's type, as with Comlink's `wrap`: the Worker is our own code
    // built from the same WorkerApi, and structured clone keeps plain data as it was.
    Promise.race([
      new Promise((resolve, reject) => {
        const id = `inkling-${counter++}`;
        waiting.set(id, [resolve, reject]);
        try {
          endpoint.postMessage({ id, type: 'APPLY', path: [method], argumentList: args.map((value) => ({ type: 'RAW', value })) });
        } catch (error) {
          waiting.delete(id);
          reject(error);
        }
      }),
      failure,
    ]) as ReturnType<WorkerApi[typeof method]>;
}
