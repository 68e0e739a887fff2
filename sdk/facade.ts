/**
 * The public object: each method of `Inkling`, wrapped so that nothing escapes into the host
 * page. A method that hits an unexpected error reports it; a method that answers resolves with
 * its fallback instead of rejecting (an unhandled rejection is an error in the page too).
 */
import type { Inkling } from './api.js';
import { messageOf, type InklingClient } from './client.js';

/**
 * The client's methods are closures (no `this`): most are handed over as they are.
 * `initDefaults`: what `init()` starts from (the script tag's data- attributes); the caller's
 * options are read over them inside the guard, so a throwing getter or a hostile Proxy is
 * reported, never thrown into the page.
 */
export function createFacade(client: InklingClient, initDefaults: Readonly<Record<string, unknown>> = {}): Inkling {
  const unexpected = (method: string, error: unknown): void => {
    try {
      client.report({ field: 'sdk', rule: 'internal', message: `${method}: internal: ${messageOf(error)}`, method });
    } catch {
      // A listener or console that throws while reporting: swallowed, by the contract above.
    }
  };
  /** A method that answers nothing: an exception is reported, not thrown. */
  const guard =
    <A extends unknown[]>(method: string, body: (...args: A) => void) =>
    (...args: A): void => {
      try {
        body(...args);
      } catch (error) {
        unexpected(method, error);
      }
    };
  /** A method that answers: the executor runs `body` at once; a throw or a rejection becomes `fallback`. */
  const answer =
    <A extends unknown[], R>(method: string, body: (...args: A) => Promise<R>, fallback: NoInfer<R>) =>
    (...args: A): Promise<R> =>
      new Promise<R>((resolve) => resolve(body(...args))).catch((error: unknown) => {
        unexpected(method, error);
        return fallback;
      });
  return {
    // track/page: two arguments only (the client's third, the call's time, is the replay's).
    track: guard('track', (event, properties) => client.track(event, properties)),
    page: guard('page', (properties) => client.page(properties)),
    recommend: answer('recommend', client.recommend, []),
    profile: answer('profile', client.profile, null),
    segment: answer('segment', client.segment, null),
    consent: guard('consent', client.consent),
    optOut: guard('optOut', client.optOut),
    forget: answer('forget', client.forget, undefined),
    export: answer('export', client.export, null),
    on: guard('on', client.on),
    off: guard('off', client.off),
    flush: answer('flush', client.flush, undefined),
    init: guard('init', (site: string, options?: object) => configureFrom(client, 'init', () => ({ ...initDefaults, ...options, site }))),
  };
}

/**
 * Copies the caller's options into a plain object, then configures. The copy is where a hostile
 * value (a getter that throws, a Proxy whose traps throw, a revoked Proxy) shows itself: that is
 * a report naming `options`, and the client keeps whatever configuration it had.
 */
export function configureFrom(client: InklingClient, method: string, read: () => object): void {
  let options: object;
  try {
    options = read();
  } catch (error) {
    client.report({ field: 'options', rule: 'readable', message: `could not be read: ${messageOf(error)}`, method });
    return;
  }
  client.configure(options);
}
