/**
 * A tiny plugin registry, in the style of Segment analytics-next: the script-tag loader stays
 * small and fetches optional parts (autocapture) as separate files from its own folder, started
 * at load so they arrive while the Worker is still starting.
 *
 * A plugin file (an IIFE, e.g. `inkling-autocapture.js`) hands itself over by calling the
 * function the loader left on `window.__inklingPlugins` (see `registerPlugin`).
 */
import type { CaptureSink } from './client.js';
import type { ResolvedOptions } from './options.js';

/** The global a plugin file calls. Not part of the public API. */
export const PLUGIN_GLOBAL = '__inklingPlugins';

/** What each plugin file provides, by name (`inkling-<name>.js`). */
export interface Plugins {
  autocapture: (win: Window, sink: CaptureSink, options: ResolvedOptions) => () => void;
}
export type PluginName = keyof Plugins;

/** For the plugin files: hands `plugin` to the loader waiting for it (does nothing without one). */
export function registerPlugin<N extends PluginName>(name: N, plugin: Plugins[N]): void {
  const register: unknown = Reflect.get(window, PLUGIN_GLOBAL);
  if (typeof register === 'function') register(name, plugin);
}

type Waiting = { [N in PluginName]?: (plugin: Plugins[N]) => void };
/** The loader's side of the registry: who waits for which plugin. */
const waiting: Waiting = {};

function onRegister<N extends PluginName>(name: N, plugin: Plugins[N]): void {
  waiting[name]?.(plugin);
}

/**
 * For the loader: starts fetching `inkling-<name>.js` from `baseUrl`'s folder now and resolves
 * with what the file registers; rejects when the file cannot be loaded (CSP, 404, offline).
 */
export function loadPlugin<N extends PluginName>(name: N, baseUrl: string, nonce: string): Promise<Plugins[N]> {
  Reflect.set(window, PLUGIN_GLOBAL, onRegister);
  return new Promise((resolve, reject) => {
    waiting[name] = resolve;
    const script = document.createElement('script');
    script.async = true;
    // A page whose CSP allows scripts by nonce gave the loader one; the plugin needs the same.
    script.nonce = nonce;
    script.src = new URL(`inkling-${name}.js`, baseUrl).href;
    script.onerror = () => reject(new Error(`${script.src} could not be loaded`));
    document.head.append(script);
  });
}
