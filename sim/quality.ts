/**
 * Posts the site owner's offline evaluation to the aggregator (`POST /v1/admin/quality`, Bearer
 * admin token) so the dashboard charts quality over model versions. Only aggregate metrics on
 * held-out data go there, never anything per user.
 */
import { TRUE_COUNT_METRIC, trueCountSeries, type QualityReport } from '../core/protocol/aggregator.js';
import type { RankingQuality } from './metrics.js';

export async function postQuality(endpoint: string, adminToken: string, report: QualityReport): Promise<void> {
  const response = await fetch(`${endpoint}/v1/admin/quality`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(report),
  });
  if (!response.ok) throw new Error(`POST ${endpoint}/v1/admin/quality answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
}

/** HR@k and NDCG@k of one series at one model version. */
export async function postRankingQuality(endpoint: string, adminToken: string, version: number, series: string, quality: RankingQuality, task = 'als-items'): Promise<void> {
  await postQuality(endpoint, adminToken, { task, version, metric: `hr@${quality.k}`, value: quality.hitRate, series });
  await postQuality(endpoint, adminToken, { task, version, metric: `ndcg@${quality.k}`, value: quality.ndcg, series });
}

/**
 * The simulator's truth beside one release (core/protocol/aggregator.ts TRUE_COUNT_METRIC): one
 * quality point per figure at the release's model version, for the dashboard to draw beside the
 * estimate. Figures whose name cannot be a series are skipped; returns how many were posted.
 */
export async function postTrueCounts(endpoint: string, adminToken: string, task: string, version: number, figures: readonly { readonly figure: 'segment' | 'funnel' | 'views'; readonly name: string | number; readonly truth: number }[]): Promise<number> {
  let posted = 0;
  for (const { figure, name, truth } of figures) {
    const series = trueCountSeries(figure, name);
    if (series === null) continue;
    await postQuality(endpoint, adminToken, { task, version, metric: TRUE_COUNT_METRIC, series, value: truth });
    posted += 1;
  }
  return posted;
}
