/**
 * The visitor's MF user embedding: device-only state in the federated DB's 'state' store, with the
 * model version it was last fitted against (a newer global model asks for a fresh reconstruction).
 */
import type { FederatedDb } from './db.js';

export interface StoredUserEmbedding {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly values: Float32Array;
}

function key(modelName: string): string {
  return `user-embedding:${modelName}`;
}

function isStoredUserEmbedding(value: unknown): value is StoredUserEmbedding {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['modelName'] === 'string' && typeof v['modelVersion'] === 'number' && v['values'] instanceof Float32Array;
}

export async function loadUserEmbedding(db: FederatedDb, modelName: string, dim: number): Promise<StoredUserEmbedding | undefined> {
  const stored = await db.get('state', key(modelName));
  return isStoredUserEmbedding(stored) && stored.values.length === dim ? stored : undefined;
}

export async function saveUserEmbedding(db: FederatedDb, embedding: StoredUserEmbedding): Promise<void> {
  await db.put('state', { ...embedding, values: Float32Array.from(embedding.values) }, key(embedding.modelName));
}
