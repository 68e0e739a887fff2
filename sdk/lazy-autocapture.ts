/**
 * The script-tag loader's autocapture: the captures live in their own file
 * (`inkling-autocapture.js`, beside the loader), fetched only when one is enabled. The fetch
 * starts as soon as the client starts, and the client's `ready` waits for it, so a page that
 * waits for `on('ready')` misses no capture.
 */
import { messageOf, type CaptureHandle, type Host } from './client.js';
import { loadPlugin } from './plugins.js';

/** `baseUrl`: the loader's own URL (the plugin is in its folder); `nonce`: the loader's CSP nonce. */
export function lazyAutocapture(baseUrl: string | undefined, nonce: string): Host['autocapture'] {
  return (sink, options): CaptureHandle => {
    let detach: (() => void) | undefined;
    let detached = false;
    const fail = (error: unknown) => {
      if (!detached) sink.warn('autocapture', 'available', messageOf(error));
    };
    const ready = Object.values(options.autocapture).includes(true)
      ? (async () => {
          if (baseUrl === undefined) throw new Error('no loader URL');
          const attach = await loadPlugin('autocapture', baseUrl, nonce);
          if (!detached) detach = attach(window, sink, options);
        })().catch(fail)
      : Promise.resolve();
    return {
      detach: () => {
        detached = true;
        detach?.();
      },
      ready,
    };
  };
}
