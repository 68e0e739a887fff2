/**
 * The inline snippet (built to dist/sdk/stub.min.js, < 1 KB gzipped). Paste it before the
 * `<script async src=".../inkling.js">` tag: it makes `window.inkling` callable at once. Calls
 * are queued with the time they were made and replayed in order by the loader; `recommend`,
 * `profile`, `segment`, `export`, `forget` and `flush` return Promises that settle with the real answer.
 * It imports only the method lists and the global name from snippet-queue.ts, which the build
 * inlines; nothing else of the SDK ends up in it.
 */
import { ANSWERING_METHODS, GLOBAL_NAME, PLAIN_METHODS, type QueuedCall, type StubObject } from './snippet-queue.js';

((w: Window) => {
  // Loaded already, or the snippet pasted twice: leave the existing object alone. (A getter on
  // window.inkling that throws is the page's own doing; the snippet must still not throw.)
  try {
    if (Reflect.get(w, GLOBAL_NAME)) return;
  } catch {
    return;
  }
  const queue: QueuedCall[] = [];
  const stub: StubObject & Record<string, unknown> = { _q: queue };
  for (const method of PLAIN_METHODS) {
    stub[method] = (...args: unknown[]) => {
      queue.push([method, args, Date.now()]);
    };
  }
  for (const method of ANSWERING_METHODS) {
    stub[method] = (...args: unknown[]) => new Promise((resolve) => queue.push([method, args, Date.now(), resolve]));
  }
  Reflect.set(w, GLOBAL_NAME, stub);
})(window);
