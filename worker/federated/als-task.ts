/**
 * The 'als-items' task on the device (federated implicit ALS, core/models/als.ts): solve the user
 * vector exactly against the downloaded item factors of the round's rows, then hand the client the
 * fixed-size statistics vector over those rows (worker/models/als.ts), already scaled to L2 ≤ C.
 * The user vector never leaves the device; it is kept (user-embedding.ts) once the round is settled.
 */
import { alsShapeFromSpecs, alsVectorLength } from '../../core/models/als.js';
import type { ModelBlob, TaskDescriptor } from '../../core/protocol/aggregator.js';
import { alsStatistics, solveUserVector } from '../models/als.js';
import type { Interaction } from '../models/feedback.js';
import type { FederatedDb } from './db.js';
import type { LocalOutcome, LocalTaskHandler } from './local-task.js';
import { saveUserEmbedding } from './user-embedding.js';

export interface AlsTaskOptions {
  readonly db: FederatedDb;
  /** The visitor's positives as catalogue rows (see item-feedback.ts). */
  readonly interactions: () => Promise<readonly Interaction[]>;
}

/** @example handlers.set('als-items', createAlsTaskHandler({ db, interactions })); */
export function createAlsTaskHandler(options: AlsTaskOptions): LocalTaskHandler {
  return {
    async train(task: TaskDescriptor, blob: ModelBlob): Promise<LocalOutcome> {
      const { nItems, dim } = alsShapeFromSpecs(blob.header.tensors);
      const rows = task.rows;
      if (rows === undefined) throw new RangeError(`task ${task.task} names no rows (an ALS round covers the rows the server lists)`);
      if (rows.some((r) => r >= nItems)) throw new RangeError(`task ${task.task} lists a row ≥ the model's ${nItems} items`);
      const expected = alsVectorLength(dim, rows.length);
      if (task.vectorLength !== expected) throw new RangeError(`task ${task.task} has vectorLength ${task.vectorLength}; dim ${dim} over ${rows.length} rows needs ${expected}`);
      // The round's model is the item factors of its rows only (as the server solves them).
      const rowOf = new Map<number, number>();
      rows.forEach((item, r) => rowOf.set(item, r));
      const all = await options.interactions();
      if (all.length === 0) return { kind: 'no-data' };
      // A visitor with items, none of them among the rows, still takes part: u = 0 and its vector is
      // all zeros (so a round sized to its population fills; the server's n counts it).
      const mine: Interaction[] = [];
      for (const x of all) {
        const r = rowOf.get(x.item);
        if (r !== undefined) mine.push({ item: r, weight: x.weight });
      }
      const factors = new Float32Array(rows.length * dim);
      rows.forEach((item, r) => factors.set(blob.data.subarray(item * dim, item * dim + dim), r * dim));
      const user = solveUserVector(factors, dim, mine);
      const update = alsStatistics({ user, dim, rows: rows.map((_, r) => r), interactions: mine, clipNorm: task.clipNorm });
      return {
        kind: 'update',
        update,
        commit: () => saveUserEmbedding(options.db, { modelName: task.model.name, modelVersion: task.model.version, values: user }),
      };
    },
  };
}
