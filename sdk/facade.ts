/**
 * The public object: each method of `Inkling`, wrapped so that nothing escapes into the host
 * page. A method that hits an unexpected error reports it; a method that answers resolves with
 * its fallback instead of rejecting (an unhandled rejection is an error in the page too).
 */
import type { Inkling } from './api.js';
import { messageOf, type InklingClient } from './client.js';

export function createFacade(client: InklingClient): Inkling {
  /** `answers` marks a method that returns a Promise, with the value it resolves to on failure. */
  const guard = <A extends unknown[], R>(method: string, body: (...args: A) => R, answers?: { fallback: NoInfer<Awaited<R>> }) =>
    (...args: A): R => {
      const unexpected = (error: unknown) => {
        try {
          client.report({ field: 'sdk', rule: 'internal', message: `${method}: internal: ${messageOf(error)}`, method });
        } catch {
          // A listener or console that throws while reporting: swallowed, by the contract above.
        }
        return answers?.fallback;
      };
      try {
        const result = body(...args);
        // The answering methods' promises: a rejection becomes the fallback.
        return result instanceof Promise ? (result.catch(unexpected) as R) : result;
      } catch (error) {
        const fallback = unexpected(error);
        return (answers ? Promise.resolve(fallback) : fallback) as R;
      }
    };
  return {
    track: guard('track', (event, properties) => client.track(event, properties)),
    page: guard('page', (properties) => client.page(properties)),
    recommend: guard('recommend', (options) => client.recommend(options), { fallback: [] }),
    profile: guard('profile', () => client.profile(), { fallback: null }),
    consent: guard('consent', (state) => client.consent(state)),
    optOut: guard('optOut', () => client.optOut()),
    forget: guard('forget', () => client.forget(), { fallback: undefined }),
    export: guard('export', () => client.export(), { fallback: null }),
    on: guard('on', (event, listener) => client.on(event, listener)),
    off: guard('off', (event, listener) => client.off(event, listener)),
    flush: guard('flush', () => client.flush(), { fallback: undefined }),
    init: guard('init', (site: string, options?: object) => client.configure({ ...options, site })),
  };
}
