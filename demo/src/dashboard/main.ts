/**
 * The site owner's dashboard: what the aggregator knows, which is only aggregates. Reads
 * `GET /v1/stats` every few seconds and draws rounds and participants, model versions, quality
 * over versions, ε spent per task, the owner's segments and funnel (owner-view.ts), the DP
 * histograms with their error bars, and the models'
 * quality per version as the devices measured it (evaluation-view.ts). When there is
 * no aggregator (the storefront served on its own) it says so and keeps retrying.
 */
import '../styles.css';
import './dashboard.css';
import { h } from '../ui/dom.js';
import { icon } from '../ui/icons.js';
import { fetchStats, type HelperView, type StatsResponse, type TaskStats, type StatsResult } from './stats.js';
import { lineChart, type Series } from './line-chart.js';
import { errorBarChart } from './error-bars.js';
import { histogramCaption } from './histogram-caption.js';
import { MODEL_EVALUATION_TASK } from './evaluation.js';
import { evaluationPanel } from './evaluation-view.js';
import { estimatesCsv } from './csv.js';
import { ownerCards, OWNER_TASKS } from './owner-view.js';
import { TRUE_COUNT_METRIC } from './owner-estimates.js';

const REFRESH_MS = 5000;
const RECENT_ROUNDS = 8;

function tile(label: string, value: string, testId: string, list = false): HTMLElement {
  return h('div', { class: list ? 'tile tile--list' : 'tile', 'data-testid': testId }, h('span', { class: 'tile__label' }, label), h('strong', { class: 'tile__value' }, value));
}

function qualityCharts(task: TaskStats): HTMLElement {
  // The simulator's true counts are drawn beside their releases in the owner's cards, not as quality.
  const points = task.quality.filter((q) => q.metric !== TRUE_COUNT_METRIC);
  if (points.length === 0) return h('p', { class: 'empty' }, 'No evaluation reported yet for this task.');
  const byMetric = new Map<string, Map<string, { x: number; y: number }[]>>();
  for (const point of points) {
    const metric = byMetric.get(point.metric) ?? new Map<string, { x: number; y: number }[]>();
    const series = metric.get(point.series) ?? [];
    series.push({ x: point.version, y: point.value });
    metric.set(point.series, series);
    byMetric.set(point.metric, metric);
  }
  return h('div', { class: 'charts' }, [...byMetric.entries()].map(([metric, seriesMap]) => {
    const series: Series[] = [...seriesMap.entries()].map(([name, points]) => ({ name, points }));
    return h('figure', { class: 'figure', 'data-testid': 'quality-chart' }, lineChart(series, { x: 'model version', y: metric }));
  }));
}

function participantsChart(task: TaskStats): HTMLElement | null {
  const rounds = task.rounds.filter((r) => r.outcome === 'aggregated');
  if (rounds.length < 2) return null;
  return h('figure', { class: 'figure' },
    lineChart([{ name: 'contributions per aggregated round', points: rounds.map((r, i) => ({ x: i + 1, y: r.contributions })) }], { x: 'round', y: 'participants' }));
}

function privacyMeter(task: TaskStats): HTMLElement {
  const { epsilonSpent, epsilonBudget, delta, period } = task.privacy;
  if (period !== undefined) return periodMeter(task, period);
  const share = epsilonBudget > 0 ? Math.min(1, epsilonSpent / epsilonBudget) : 0;
  return h('div', { class: 'privacy', 'data-testid': 'epsilon' },
    h('div', { class: 'privacy__text' },
      h('span', {}, `ε spent ${epsilonSpent.toFixed(2)} of ${epsilonBudget.toFixed(2)}`),
      h('span', { class: 'muted' }, `δ = ${delta.toExponential(0)} · user-level, all rounds`),
    ),
    h('div', { class: `meter${share >= 1 ? ' meter--full' : ''}` }, h('span', { style: `width:${share * 100}%` })),
  );
}

/**
 * A fixed-schedule task's budget renews each period: the meter is this period's ε against the
 * period's budget; the total over all periods (which composes, so grows past one period's) is
 * said beside it rather than drawn as an overrun.
 */
function periodMeter(task: TaskStats, period: NonNullable<TaskStats['privacy']['period']>): HTMLElement {
  const { epsilonSpent, epsilonBudget, delta } = task.privacy;
  const share = epsilonBudget > 0 ? Math.min(1, period.epsilonSpent / epsilonBudget) : 0;
  const per = period.days === 1 ? 'day' : `${period.days} days`;
  return h('div', { class: 'privacy', 'data-testid': 'epsilon' },
    h('div', { class: 'privacy__text' },
      h('span', {}, `ε ${period.epsilonSpent.toFixed(2)} of ${epsilonBudget.toFixed(2)} this ${per === 'day' ? 'day' : 'period'}`),
      h('span', { class: 'muted' }, `δ = ${delta.toExponential(0)} · user-level, per ${per}, renews ${new Date(period.renewsAt).toLocaleString()} · all ${per === 'day' ? 'days' : 'periods'} composed: ε ${epsilonSpent.toFixed(2)}`),
    ),
    h('div', { class: `meter${share >= 1 ? ' meter--full' : ''}` }, h('span', { style: `width:${share * 100}%` })),
  );
}

function roundsTable(task: TaskStats): HTMLElement {
  const rounds = [...task.rounds, ...(task.currentRound ? [task.currentRound] : [])].slice(-RECENT_ROUNDS).reverse();
  if (rounds.length === 0) return h('p', { class: 'empty' }, 'No rounds yet.');
  return h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ['Round', 'Version', 'Participants', 'Outcome', 'ε after', 'Closed'].map((c) => h('th', {}, c)))),
    h('tbody', {}, rounds.map((r) =>
      h('tr', {},
        h('td', { class: 'mono' }, r.roundId),
        h('td', {}, r.producedVersion === null ? `v${r.baseVersion}` : `v${r.baseVersion} → v${r.producedVersion}`),
        h('td', {}, String(r.contributions)),
        h('td', {}, h('span', { class: `pill pill--${r.outcome}` }, r.outcome)),
        h('td', {}, r.epsilonAfter === null ? '—' : r.epsilonAfter.toFixed(2)),
        h('td', {}, r.closedAt ? new Date(r.closedAt).toLocaleTimeString() : 'open'),
      ))),
  );
}

function histograms(task: TaskStats): HTMLElement | null {
  const latest = task.aggregates[task.aggregates.length - 1];
  if (!latest) return null;
  return h('figure', { class: 'figure', 'data-testid': 'histogram' },
    h('h3', {}, 'Latest released aggregate (DP histogram)'),
    errorBarChart(latest),
    h('figcaption', { class: 'muted small', 'data-testid': 'histogram-caption' }, histogramCaption(latest, task).map((line) => h('p', {}, line))),
  );
}

/** A device's upload in the units a data plan is counted in. */
function formatUpload(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function taskCard(task: TaskStats): HTMLElement {
  return h('section', { class: 'panel panel--wide task', 'data-testid': 'task', 'data-task': task.task },
    h('header', { class: 'task__header' },
      h('div', {},
        h('h2', {}, task.task),
        h('span', { class: 'muted' }, `${task.kind} · model ${task.model.name} v${task.model.version}`),
        task.bytesPerContribution == null ? null : h('span', { class: 'muted', 'data-testid': 'upload-size' }, ` · ${formatUpload(task.bytesPerContribution)} uploaded per device and round`),
      ),
      h('span', { class: `pill pill--${task.status}` }, task.status === 'open' ? 'learning' : 'budget exhausted'),
    ),
    privacyMeter(task),
    h('div', { class: 'task__grid' },
      h('div', {}, h('h3', {}, 'Quality over versions'), qualityCharts(task)),
      h('div', {}, h('h3', {}, 'Recent rounds'), roundsTable(task), participantsChart(task)),
    ),
    // The evaluation's bins are counts of held-out steps per version, not a one-hot histogram.
    task.task === MODEL_EVALUATION_TASK ? evaluationPanel(task)
      : OWNER_TASKS.has(task.task) ? h('p', { class: 'muted small' }, 'Its releases are drawn above, in the owner’s cards.')
      : histograms(task),
  );
}

/**
 * Secure aggregation: the two aggregators side by side. Each holds only random-looking shares;
 * a round's sum exists only once the leader adds the helper's aggregate share to its own.
 */
function aggregators(stats: StatsResponse, helper: HelperView): HTMLElement {
  const open = new Map(stats.tasks.filter((t) => t.currentRound !== null).map((t) => [t.currentRound!.roundId, t.currentRound!.contributions]));
  const rows = helper.rounds.slice(0, 6);
  return h('section', { class: 'panel panel--wide', 'data-testid': 'aggregators' },
    h('h2', {}, 'Secure aggregation: two aggregators'),
    h('p', { class: 'muted small' }, 'Each device splits its noised update into two random shares: one for this server (the leader), one sealed to the helper. Neither sees a device\'s update; only the sum of a round is revealed, and only if both take part.'),
    h('div', { class: 'aggregators' },
      h('div', { class: 'tile', 'data-testid': 'leader' },
        h('span', { class: 'tile__label' }, 'Leader (this server)'),
        h('strong', { class: 'tile__value' }, `${stats.totals.contributions.toLocaleString('en-US')} shares`),
        h('span', { class: 'muted small' }, `${stats.totals.roundsAggregated} rounds combined with the helper`)),
      h('div', { class: 'tile', 'data-testid': 'helper' },
        h('span', { class: 'tile__label' }, `Helper · ${helper.url}`),
        h('strong', { class: 'tile__value' }, h('span', { class: `pill pill--${helper.reachable ? 'open' : 'expired'}` }, helper.reachable ? 'reachable' : 'unreachable')),
        h('span', { class: 'muted small' }, helper.reachable ? `HPKE key ids ${helper.keyIds.join(', ') || '—'}` : (helper.problem ?? 'no answer'))),
    ),
    rows.length === 0 ? h('p', { class: 'empty' }, 'The helper holds no round yet.') : h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Round', 'Leader shares', 'Helper shares', 'Helper'].map((c) => h('th', {}, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('td', { class: 'mono' }, r.roundId),
        h('td', {}, open.has(r.roundId) ? String(open.get(r.roundId)) : '—'),
        h('td', {}, String(r.shares)),
        h('td', {}, r.collected === null ? 'collecting shares' : `released its share of ${r.collected}`),
      )))),
  );
}

/** Saves the estimates of this answer (the one on screen) as a file, without a server round trip. */
function downloadCsv(stats: StatsResponse): void {
  const url = URL.createObjectURL(new Blob([estimatesCsv(stats)], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { href: url, download: `inkling-estimates-${stats.generatedAt.replace(/[^0-9T]/g, '').slice(0, 15)}.csv` });
  link.click();
  // The click has started the download by the time the next task runs; the URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function renderStats(stats: StatsResponse): HTMLElement {
  const versions = stats.tasks.map((t) => `${t.model.name} v${t.model.version}`).join(', ') || '—';
  const epsilon = stats.tasks.map((t) => t.privacy.epsilonSpent);
  return h('div', { class: 'dash', 'data-testid': 'stats' },
    h('div', { class: 'tiles' },
      tile('Contributions accepted', stats.totals.contributions.toLocaleString('en-US'), 'total-contributions'),
      tile('Rounds aggregated', stats.totals.roundsAggregated.toLocaleString('en-US'), 'total-rounds'),
      tile('Models', versions, 'versions', true),
      tile('Highest ε spent', epsilon.length ? Math.max(...epsilon).toFixed(2) : '—', 'max-epsilon'),
    ),
    h('div', { class: 'dash__actions' },
      h('button', { type: 'button', class: 'button button--small', 'data-testid': 'export-csv', onclick: () => downloadCsv(stats) }, 'Download estimates (CSV)'),
      h('span', { class: 'muted small' }, 'Every figure below with its 95 % interval and the ε it cost.'),
    ),
    ownerCards(stats),
    stats.helper === undefined ? null : aggregators(stats, stats.helper),
    stats.tasks.length === 0 ? h('p', { class: 'empty' }, 'The aggregator has no tasks yet.') : stats.tasks.map(taskCard),
    h('p', { class: 'muted small' }, stats.helper === undefined
      ? `Updated ${new Date(stats.generatedAt).toLocaleTimeString()}. The server sees only clipped, noised, fixed-size contributions and their sums — never a visitor's events, items or searches.`
      : `Updated ${new Date(stats.generatedAt).toLocaleTimeString()}. Each aggregator sees only random shares of clipped, noised, fixed-size contributions; the models see round sums — never a visitor's events, items or searches.`),
  );
}

function renderProblem(result: Exclude<StatsResult, { kind: 'ok' }>): HTMLElement {
  const unreachable = result.kind === 'unreachable';
  return h('section', { class: 'panel problem', 'data-testid': unreachable ? 'aggregator-unreachable' : 'stats-invalid' },
    h('h2', {}, unreachable ? 'Aggregator not reachable' : 'The aggregator answered something unexpected'),
    h('p', {}, unreachable
      ? 'This page reads GET /v1/stats from the Inkling aggregator on this origin, and none answered. The storefront still works: recommendations are computed in each visitor’s browser.'
      : 'GET /v1/stats did not have the shape this dashboard draws.'),
    h('p', { class: 'mono muted' }, result.reason),
    h('p', { class: 'muted' }, unreachable ? 'Start everything with `npm start`. Retrying every few seconds…' : 'Check that the server and the dashboard come from the same build.'),
  );
}

async function main(): Promise<void> {
  const root = document.getElementById('dashboard');
  if (!root) throw new Error('dashboard.html has no #dashboard');
  const body = h('div', { class: 'dash-body' });
  root.replaceChildren(
    h('header', { class: 'topbar' }, h('div', { class: 'topbar__inner' },
      h('a', { href: '/', class: 'logo' }, h('span', { class: 'logo__mark logo__mark--blue' }, icon('play')), 'Reelhouse'),
      h('span', { class: 'topbar__title' }, 'Inkling · federated learning dashboard'),
    )),
    h('main', { class: 'outlet' }, body),
  );
  const refresh = async (): Promise<void> => {
    const result = await fetchStats();
    body.replaceChildren(result.kind === 'ok' ? renderStats(result.stats) : renderProblem(result));
    setTimeout(() => void refresh(), REFRESH_MS);
  };
  await refresh();
}

void main();
