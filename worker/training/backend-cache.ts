/**
 * The backend choice kept in the federated database's 'state' store, so the micro-benchmark runs
 * once per SDK version per device rather than on every page load.
 */
import type { FederatedDb } from '../federated/db.js';
import { isBackendName, type BackendChoice, type BackendChoiceCache } from './backend.js';

const KEY = 'backend-choice';

function isBackendChoice(value: unknown): value is BackendChoice {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isBackendName(v['backend']) && typeof v['sdkVersion'] === 'string' && Array.isArray(v['measurements']) && typeof v['measuredAt'] === 'number';
}

/** @example await chooseBackend({ environment: tfjsEnvironment(), cache: indexedDbBackendCache(db), sdkVersion }); */
export function indexedDbBackendCache(db: FederatedDb): BackendChoiceCache {
  return {
    async get() {
      const stored = await db.get('state', KEY);
      return isBackendChoice(stored) ? stored : undefined;
    },
    async put(choice) {
      await db.put('state', choice, KEY);
    },
  };
}
