/**
 * Which consent the SDK starts with, and where the visitor's own choice is remembered.
 *
 * Order, strongest first: a browser privacy signal (Global Privacy Control, Do Not Track) when
 * the site respects it (the default) → the visitor's remembered choice → the site's configured
 * consent → `pending`. A privacy signal cannot be overridden by `consent('granted')`; a site that
 * wants that must configure `respectGpc: false` and say so to its visitors.
 */
import type { ConsentState } from './api.js';

export interface PrivacySignals {
  /** `navigator.globalPrivacyControl` */
  readonly globalPrivacyControl?: unknown;
  /** `navigator.doNotTrack` ("1" means on) */
  readonly doNotTrack?: unknown;
}

export type ConsentSource = 'privacy-signal' | 'remembered' | 'configured' | 'default';

export function privacySignalSet(signals: PrivacySignals): boolean {
  return signals.globalPrivacyControl === true || signals.doNotTrack === '1';
}

export function resolveInitialConsent(input: {
  readonly signals: PrivacySignals;
  readonly respectGpc: boolean;
  readonly remembered: ConsentState | null;
  readonly configured: ConsentState;
}): { state: ConsentState; source: ConsentSource } {
  if (input.respectGpc && privacySignalSet(input.signals)) return { state: 'denied', source: 'privacy-signal' };
  if (input.remembered !== null) return { state: input.remembered, source: 'remembered' };
  if (input.configured !== 'pending') return { state: input.configured, source: 'configured' };
  return { state: 'pending', source: 'default' };
}

/**
 * The visitor's explicit choice, remembered in localStorage under one key per site (a consent
 * record, not an identifier: it holds only "granted" or "denied"). Storage that throws
 * (disabled, sandboxed iframe, Safari private mode) degrades to "not remembered".
 */
export interface ConsentMemory {
  read(): ConsentState | null;
  write(state: 'granted' | 'denied'): void;
}

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function consentMemory(storage: () => KeyValueStorage | undefined, site: string): ConsentMemory {
  const key = `inkling:${site}:consent`;
  return {
    read() {
      try {
        const value = storage()?.getItem(key);
        return value === 'granted' || value === 'denied' ? value : null;
      } catch {
        return null;
      }
    },
    write(state) {
      try {
        storage()?.setItem(key, state);
      } catch {
        // Not remembered: the next page starts from the configured consent again.
      }
    },
  };
}
