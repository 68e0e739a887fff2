import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from './sqlite.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inkling-sqlite-'));
  dirs.push(dir);
  return join(dir, 'test.sqlite');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const id = (n: number): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? n & 0xff : i === 1 ? n >> 8 : 7));

function openRound(storage: SqliteStorage, roundId: string, length: number): void {
  storage.openRound({ roundId, task: 't', baseVersion: 1, vectorLength: length, openedAt: 0, deadline: 1000, configJson: '{}' });
}

/** Deterministic vectors so the expected sum is computed independently of the storage. */
const vector = (k: number, length: number): Int32Array => Int32Array.from({ length }, (_, i) => ((k * 7919 + i * 104729) % 2001) - 1000);

describe('SqliteStorage', () => {
  it('sums exactly, refuses duplicates and a full round, across folds and a reopen', () => {
    const path = tempDb();
    const length = 33;
    let storage = new SqliteStorage({ path });
    openRound(storage, 'r1', length);
    const expected = new Float64Array(length);
    // 150 contributions cross the fold threshold (64) twice; then reopen and continue.
    for (let k = 0; k < 150; k++) {
      expect(storage.acceptContribution('r1', id(k), vector(k, length), 1000).kind).toBe('accepted');
      vector(k, length).forEach((v, i) => (expected[i]! += v));
    }
    expect(storage.acceptContribution('r1', id(3), vector(999, length), 1000)).toEqual({ kind: 'duplicate' });
    storage.close();
    storage = new SqliteStorage({ path });
    expect(storage.hasContribution(id(3))).toBe(true);
    expect(storage.acceptContribution('r1', id(3), vector(3, length), 1000)).toEqual({ kind: 'duplicate' });
    for (let k = 150; k < 160; k++) {
      storage.acceptContribution('r1', id(k), vector(k, length), 1000);
      vector(k, length).forEach((v, i) => (expected[i]! += v));
    }
    const { sum, contributions } = storage.roundSum('r1');
    expect(contributions).toBe(160);
    expect(Array.from(sum)).toEqual(Array.from(expected));
    expect(storage.acceptContribution('r1', id(500), vector(1, length), 160)).toEqual({ kind: 'full' });
    storage.close();
  });

  it('closes a round, its model and its release in one transaction, and refuses contributions after', () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    openRound(storage, 'r1', 2);
    storage.acceptContribution('r1', id(1), Int32Array.from([1, 2]), 10);
    storage.closeRound({
      roundId: 'r1', outcome: 'aggregated', closedAt: 5, rho: 0.25, epsilonAfter: 4,
      producedModel: { name: 'm', version: 2, blob: Uint8Array.from([1, 2, 3]), createdAt: 5 }, releaseJson: '{"x":1}',
    });
    expect(storage.getRound('r1')).toMatchObject({ outcome: 'aggregated', producedVersion: 2, rho: 0.25, contributions: 1 });
    expect(storage.latestModelVersion('m')).toBe(2);
    expect(Array.from(storage.getModelBlob('m', 2)!)).toEqual([1, 2, 3]);
    expect(storage.rhoSpent('t')).toBe(0.25);
    expect(storage.releases('t', 5)).toEqual([{ roundId: 'r1', json: '{"x":1}' }]);
    expect(storage.acceptContribution('r1', id(2), Int32Array.from([1, 2]), 10)).toEqual({ kind: 'not_open' });
    expect(() => storage.closeRound({ roundId: 'r1', outcome: 'aggregated', closedAt: 6, rho: 0, epsilonAfter: 0, producedModel: null, releaseJson: null })).toThrow(/not open/);
    // One open round per task, enforced by the schema.
    openRound(storage, 'r2', 2);
    expect(() => openRound(storage, 'r3', 2)).toThrow();
    storage.close();
  });

  it('accepts a batch in one transaction with per-item outcomes: duplicates within it, then full', () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    openRound(storage, 'r1', 2);
    const item = (k: number, idOf = k) => ({ roundId: 'r1', id: id(idOf), values: Int32Array.from([k, -k]), maxContributions: 3 });
    const outcomes = storage.acceptContributions([item(1), item(2), item(9, 1), item(3), item(4), { ...item(5), roundId: 'nope' }]);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'duplicate', 'accepted', 'full', 'not_open']);
    const { sum, contributions } = storage.roundSum('r1');
    expect(contributions).toBe(3);
    expect(Array.from(sum)).toEqual([6, -6]);
    storage.close();
  });

  it('ignores spool bytes no committed row points at (a crash between the write and the commit)', () => {
    const path = tempDb();
    let storage = new SqliteStorage({ path });
    openRound(storage, 'r1', 4);
    storage.acceptContribution('r1', id(1), Int32Array.from([1, 2, 3, 4]), 100);
    storage.close();
    // What a kill -9 right after the spool write and before the commit leaves behind.
    appendFileSync(join(`${path}-vectors`, 'r1.vectors'), Buffer.from(Int32Array.from([1000, 1000, 1000, 1000]).buffer));
    storage = new SqliteStorage({ path });
    storage.acceptContribution('r1', id(2), Int32Array.from([10, 20, 30, 40]), 100);
    storage.close();
    storage = new SqliteStorage({ path });
    expect(Array.from(storage.roundSum('r1').sum)).toEqual([11, 22, 33, 44]);
    expect(storage.roundSum('r1').contributions).toBe(2);
    storage.close();
  });
});
