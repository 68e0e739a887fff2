import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelParameterCount } from '../core/protocol/aggregator.js';
import { createAggregator } from './aggregator.js';
import { initialWeights } from './models/initial-weights.js';
import { checkTasks, createDefaultTasks, PROPENSITY_INITIAL_BIAS } from './tasks.js';
import { fedavgTask, TEST_CONFIG } from './testkit.js';

describe('task definitions', () => {
  it('sizes the defaults as the device models lay them out', () => {
    const [mf, propensity, histogram] = createDefaultTasks({ mfItems: 100 });
    expect(modelParameterCount(mf!.model.tensors)).toBe(100 * 17); // nItems × (dim + 1)
    expect(modelParameterCount(propensity!.model.tensors)).toBe(9); // PROPENSITY_FEATURE_COUNT
    expect(histogram!.labels).toHaveLength(modelParameterCount(histogram!.model.tensors));
    expect(() => checkTasks(createDefaultTasks())).not.toThrow();
  });

  it('initialises weights deterministically: seeded normal embeddings, the propensity prior, zeros elsewhere', () => {
    const [mf, propensity] = createDefaultTasks({ mfItems: 50 });
    const a = initialWeights(mf!);
    expect(Array.from(a)).toEqual(Array.from(initialWeights(mf!)));
    const embeddings = a.subarray(0, 50 * 16);
    const sd = Math.sqrt(embeddings.reduce((s, v) => s + v * v, 0) / embeddings.length);
    expect(sd).toBeGreaterThan(0.07); // N(0, 0.1²) over 800 values: sd within ±30 % (> 8 standard errors)
    expect(sd).toBeLessThan(0.13);
    expect(a.subarray(50 * 16).every((v) => v === 0)).toBe(true); // item_bias
    const p = initialWeights(propensity!);
    expect(Array.from(p.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(p[8]).toBeCloseTo(PROPENSITY_INITIAL_BIAS, 6);
  });

  it('refuses bad task lists by name', () => {
    expect(() => checkTasks([fedavgTask('Bad Name', 2)])).toThrow(/task must match/);
    expect(() => checkTasks([fedavgTask('a', 2), fedavgTask('a', 2)])).toThrow(/unique/);
    expect(() => checkTasks([fedavgTask('a', 2, { clipNorm: 0 })])).toThrow(/clipNorm/);
    expect(() => checkTasks([{ ...fedavgTask('h', 3), kind: 'histogram', labels: ['x'] }])).toThrow(/one label per value/);
  });

  it('refuses a database made for another model shape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-shape-'));
    try {
      const dbPath = join(dir, 'a.sqlite');
      createAggregator({ ...TEST_CONFIG, dbPath }, { tasks: [fedavgTask('t', 4)], timer: false }).close();
      expect(() => createAggregator({ ...TEST_CONFIG, dbPath }, { tasks: [fedavgTask('t', 5)], timer: false })).toThrow(/w\[4\].*w\[5\].*fresh --db/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
