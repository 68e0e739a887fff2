/**
 * What `GET /v1/tasks` tells devices about the site owner's offline evaluation: from the stored
 * quality points, the newest model version that has both the model's and the baseline's value for
 * one metric (hr@10 preferred over any other). Devices use it to keep a model that the owner
 * measured as no better than popularity out of their recommendations.
 */
import {
  QUALITY_BASELINE_SERIES,
  QUALITY_MODEL_SERIES,
  QUALITY_PREFERRED_METRIC,
  type TaskQuality,
} from '../../core/protocol/aggregator.js';
import type { QualityRecord } from '../storage/storage.js';

/** `records` oldest first (as storage returns them): a value posted again later replaces the earlier one. */
export function latestQualityComparison(records: readonly QualityRecord[]): TaskQuality | undefined {
  // metric → version → the latest model / baseline value.
  const byMetric = new Map<string, Map<number, { model?: number; baseline?: number }>>();
  for (const r of records) {
    const side = r.series === QUALITY_BASELINE_SERIES ? 'baseline' : QUALITY_MODEL_SERIES.includes(r.series) ? 'model' : undefined;
    if (side === undefined) continue; // e.g. 'centralized': not what devices run, not the baseline
    const versions = byMetric.get(r.metric) ?? new Map<number, { model?: number; baseline?: number }>();
    byMetric.set(r.metric, versions);
    versions.set(r.version, { ...versions.get(r.version), [side]: r.value });
  }
  let best: TaskQuality | undefined;
  for (const [metric, versions] of byMetric) {
    for (const [version, { model, baseline }] of versions) {
      if (model === undefined || baseline === undefined) continue;
      const candidate: TaskQuality = { metric, version, model, baseline };
      if (best === undefined || preferred(candidate, best)) best = candidate;
    }
  }
  return best;
}

/** The preferred metric first, then the newer version, then the metric name (deterministic). */
function preferred(a: TaskQuality, b: TaskQuality): boolean {
  const aPreferred = a.metric === QUALITY_PREFERRED_METRIC;
  const bPreferred = b.metric === QUALITY_PREFERRED_METRIC;
  if (aPreferred !== bPreferred) return aPreferred;
  if (a.version !== b.version) return a.version > b.version;
  return a.metric < b.metric;
}
