/**
 * The script-tag entry (built to dist/sdk/inkling.js, an IIFE): reads its configuration from its
 * own `<script data-...>` tag, replaces the snippet's queue object on `window.inkling` with the
 * real API, and replays the calls made before load.
 */
import { browserHost } from './browser-host.js';
import { createClient } from './client.js';
import { createFacade } from './facade.js';
import { lazyAutocapture } from './lazy-autocapture.js';
import { optionsFromAttributes } from './options.js';
import { GLOBAL_NAME, replayQueue, takeQueue } from './snippet-queue.js';

/** Marks the real API, so a second copy of the loader leaves the first one in charge. */
const LOADED = '__inklingLoaded';
const WORKER_FILE = 'inkling.worker.js';

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  // currentScript is null when the loader runs from a module or an injected script in some browsers.
  return document.querySelector<HTMLScriptElement>('script[data-site][src*="inkling"]') ?? document.querySelector<HTMLScriptElement>('script[src*="inkling.js"]');
}

function isLoaded(existing: unknown): boolean {
  try {
    return typeof existing === 'object' && existing !== null && LOADED in existing;
  } catch {
    return false; // a Proxy whose `has` trap throws is not our API
  }
}

function load(): void {
  const existing: unknown = Reflect.get(window, GLOBAL_NAME);
  if (isLoaded(existing)) return;

  const script = ownScript();
  const defaultWorkerUrl = script?.src ? new URL(WORKER_FILE, script.src).href : undefined;
  const attributes = script ? optionsFromAttributes((name) => script.getAttribute(`data-${name}`)) : {};
  const client = createClient(browserHost(defaultWorkerUrl, lazyAutocapture(script?.src || undefined, script?.nonce ?? '')));
  // `init()` completes what the script tag started: its data- attributes are the defaults.
  const api = { ...createFacade(client, attributes) };
  Object.defineProperty(api, LOADED, { value: true });

  const queue = takeQueue(existing);
  Reflect.set(window, GLOBAL_NAME, api);
  // Listeners first, so that problems found while starting reach the on('error') the page queued.
  const isListener = (call: (typeof queue)[number]) => call[0] === 'on' || call[0] === 'off';
  replayQueue(queue.filter(isListener), api, client);
  if (attributes.site !== undefined) client.configure(attributes);
  replayQueue(queue.filter((call) => !isListener(call)), api, client);
}

try {
  load();
} catch (error) {
  // The loader itself failed (a very old browser, a hostile page): stay silent, as promised.
  try {
    console.warn('[inkling] could not start', error);
  } catch {
    // Nothing more to do.
  }
}
