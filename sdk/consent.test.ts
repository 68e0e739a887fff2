import { describe, expect, it } from 'vitest';
import { consentMemory, resolveInitialConsent } from './consent.js';

describe('resolveInitialConsent', () => {
  const base = { signals: {}, respectGpc: true, remembered: null, configured: 'pending' } as const;

  it('defaults to pending', () => {
    expect(resolveInitialConsent(base)).toEqual({ state: 'pending', source: 'default' });
  });

  it('lets a privacy signal win over a remembered or configured grant, unless the site opts out of honouring it', () => {
    for (const signals of [{ globalPrivacyControl: true }, { doNotTrack: '1' }]) {
      expect(resolveInitialConsent({ ...base, signals, remembered: 'granted', configured: 'granted' })).toEqual({ state: 'denied', source: 'privacy-signal' });
      expect(resolveInitialConsent({ ...base, signals, respectGpc: false, configured: 'granted' })).toEqual({ state: 'granted', source: 'configured' });
    }
    expect(resolveInitialConsent({ ...base, signals: { doNotTrack: '0', globalPrivacyControl: false } }).state).toBe('pending');
  });

  it('prefers the visitor’s remembered choice to the site’s configuration', () => {
    expect(resolveInitialConsent({ ...base, remembered: 'denied', configured: 'granted' })).toEqual({ state: 'denied', source: 'remembered' });
  });
});

describe('consentMemory', () => {
  it('remembers per site and survives storage that throws', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    consentMemory(() => storage, 'a').write('granted');
    expect(consentMemory(() => storage, 'a').read()).toBe('granted');
    expect(consentMemory(() => storage, 'b').read()).toBeNull();
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(consentMemory(() => broken, 'a').read()).toBeNull();
    expect(() => consentMemory(() => broken, 'a').write('denied')).not.toThrow();
  });
});
