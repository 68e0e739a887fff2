import { describe, expect, it } from 'vitest';
import { parseTasksResponse } from './task-descriptor.js';

const valid = {
  task: 'mf-items', kind: 'fedavg', model: { name: 'mf-items', version: 2 }, roundId: 'r-1', vectorLength: 10, clipNorm: 1,
  granularity: 1e-4, localNoiseStddev: 100, localSteps: 5, learningRate: 0.05, deadline: '2026-11-23T08:00:00Z',
  expectedBytes: 68, minContributions: 2, maxContributions: 5, privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 0.5 },
};

describe('parseTasksResponse', () => {
  it('accepts a well-formed descriptor', () => {
    expect(parseTasksResponse({ tasks: [valid] })).toEqual([valid]);
    const quality = { metric: 'hr@10', version: 2, model: 0.12, baseline: 0.33 };
    expect(parseTasksResponse({ tasks: [{ ...valid, quality }] })).toEqual([{ ...valid, quality }]);
  });

  it('rejects hostile or inconsistent fields, naming the task and the field', () => {
    expect(() => parseTasksResponse({})).toThrow(/tasks array/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, kind: 'sql' }] })).toThrow(/tasks\[0\]\.kind/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, vectorLength: 2 ** 30 }] })).toThrow(/vectorLength/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, expectedBytes: 999 }] })).toThrow(/expectedBytes must be 28 \+ 4 × vectorLength = 68/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, roundId: '../admin' }] })).toThrow(/roundId/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, localNoiseStddev: -1 }] })).toThrow(/localNoiseStddev/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, privacy: { ...valid.privacy, delta: 1 } }] })).toThrow(/privacy\.delta/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, quality: { metric: 'hr@10', version: 2, model: 'high', baseline: 0.3 } }] })).toThrow(/tasks\[0\]\.quality/);
  });

  it('checks an ALS task\'s rows: present, integers, strictly ascending; absent on other kinds', () => {
    const als = { ...valid, task: 'als-items', kind: 'als', model: { name: 'als-items', version: 2 }, rows: [0, 3, 9] };
    expect(parseTasksResponse({ tasks: [als] })).toEqual([als]);
    const { rows: _rows, ...withoutRows } = als;
    expect(() => parseTasksResponse({ tasks: [withoutRows] })).toThrow(/tasks\[0\]\.rows must be a non-empty array/);
    expect(() => parseTasksResponse({ tasks: [{ ...als, rows: [] }] })).toThrow(/rows must be a non-empty array/);
    expect(() => parseTasksResponse({ tasks: [{ ...als, rows: [0, 1.5] }] })).toThrow(/rows\[1\] must be an integer/);
    expect(() => parseTasksResponse({ tasks: [{ ...als, rows: [0, -1] }] })).toThrow(/rows\[1\] must be an integer/);
    expect(() => parseTasksResponse({ tasks: [{ ...als, rows: [3, 3] }] })).toThrow(/strictly ascending/);
    expect(() => parseTasksResponse({ tasks: [{ ...als, rows: 'all' }] })).toThrow(/rows must be a non-empty array/);
    expect(() => parseTasksResponse({ tasks: [{ ...valid, rows: [1] }] })).toThrow(/rows is only for als tasks/);
  });
});
