import { afterEach, describe, expect, it } from 'vitest';
import { parseTaskQuality, type QualityReport, type TasksResponse } from '../../core/protocol/aggregator.js';
import { createAggregator, type Aggregator } from '../aggregator.js';
import type { QualityRecord } from '../storage/storage.js';
import { fedavgTask, TEST_CONFIG } from '../testkit.js';
import { latestQualityComparison } from './task-quality.js';

let at = 0;
function point(version: number, metric: string, series: string, value: number): QualityRecord {
  return { task: 'mf-items', version, metric, series, value, at: at++ };
}

describe('latestQualityComparison', () => {
  it('is undefined without both the model and the baseline at one version', () => {
    expect(latestQualityComparison([])).toBeUndefined();
    expect(latestQualityComparison([point(3, 'hr@10', 'federated-dp', 0.1), point(4, 'hr@10', 'popularity', 0.3), point(4, 'hr@10', 'centralized', 0.5)])).toBeUndefined();
  });

  it('takes the newest version that has both series, preferring hr@10 over a newer other metric', () => {
    const records = [
      point(2, 'hr@10', 'federated-dp', 0.4),
      point(2, 'hr@10', 'popularity', 0.3),
      point(3, 'hr@10', 'federated-dp', 0.09),
      point(3, 'hr@10', 'centralized', 0.5),
      point(3, 'hr@10', 'popularity', 0.33),
      point(4, 'hr@10', 'federated-dp', 0.5), // no baseline at 4 yet
      point(5, 'ndcg@10', 'federated-dp', 0.2),
      point(5, 'ndcg@10', 'popularity', 0.1),
    ];
    expect(latestQualityComparison(records)).toEqual({ metric: 'hr@10', version: 3, model: 0.09, baseline: 0.33 });
    expect(latestQualityComparison(records.filter((r) => r.metric !== 'hr@10'))).toEqual({ metric: 'ndcg@10', version: 5, model: 0.2, baseline: 0.1 });
  });

  it('uses the value posted last when a point is posted again, and counts the default series as the model', () => {
    const records = [point(1, 'hr@10', 'federated', 0.1), point(1, 'hr@10', 'popularity', 0.3), point(1, 'hr@10', 'federated', 0.6)];
    expect(latestQualityComparison(records)).toEqual({ metric: 'hr@10', version: 1, model: 0.6, baseline: 0.3 });
  });
});

describe('GET /v1/tasks quality', () => {
  let agg: Aggregator | undefined;
  afterEach(async () => {
    await agg?.close();
    agg = undefined;
  });

  async function post(report: QualityReport): Promise<void> {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_CONFIG.adminToken}` };
    const response = await agg!.app.request('/v1/admin/quality', { method: 'POST', body: JSON.stringify(report), headers });
    expect(response.status).toBe(201);
  }

  async function taskQuality(): Promise<unknown> {
    const body = (await (await agg!.app.request('/v1/tasks')).json()) as TasksResponse;
    return body.tasks[0]!.quality;
  }

  it('carries the posted comparison, which the protocol parser accepts', async () => {
    agg = await createAggregator(TEST_CONFIG, { tasks: [fedavgTask('tiny', 8)], timer: false });
    expect(await taskQuality()).toBeUndefined();
    await post({ task: 'tiny', version: 1, metric: 'hr@10', value: 0.09, series: 'federated-dp' });
    expect(await taskQuality()).toBeUndefined();
    await post({ task: 'tiny', version: 1, metric: 'hr@10', value: 0.33, series: 'popularity' });
    const quality = await taskQuality();
    expect(quality).toEqual({ metric: 'hr@10', version: 1, model: 0.09, baseline: 0.33 });
    expect(parseTaskQuality(quality)).toEqual(quality);
  });
});

describe('parseTaskQuality', () => {
  it('names the field and the rule', () => {
    expect(parseTaskQuality(undefined)).toBeUndefined();
    expect(() => parseTaskQuality({ metric: 'hr@10', version: 0, model: 0.1, baseline: 0.2 })).toThrow(/quality\.version must be an integer ≥ 1/);
    expect(() => parseTaskQuality({ metric: 'hr@10', version: 1, model: 'high', baseline: 0.2 })).toThrow(/quality\.model must be a finite number/);
    expect(() => parseTaskQuality({ metric: '', version: 1, model: 0.1, baseline: 0.2 })).toThrow(/quality\.metric/);
    expect(() => parseTaskQuality(null)).toThrow(RangeError);
  });
});
