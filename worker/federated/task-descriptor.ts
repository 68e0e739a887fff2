/**
 * `GET /v1/tasks` is input from the network: checked here, once, before any field is used to size
 * a buffer or configure a mechanism.
 */
import { contributionByteLength, parseTaskQuality, type PeriodPrivacy, type SecureAggregationInfo, type TaskDescriptor, type TaskKind } from '../../core/protocol/aggregator.js';
import { DAILY_REPORT_MAX_PERIOD_DAYS } from '../../core/models/daily-report.js';
import { sharedContributionByteLength } from '../../core/protocol/secure-aggregation.js';
import { SEALED_SEED_BYTES } from '../../core/secagg/hpke.js';

const KINDS: readonly TaskKind[] = ['fedavg', 'histogram', 'kmeans', 'als'];

function isTaskKind(value: string): value is TaskKind {
  return (KINDS as readonly string[]).includes(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((l) => typeof l === 'string');
}

/** Parses the JSON answer of `GET /v1/tasks`; throws a RangeError naming the task and field. */
export function parseTasksResponse(body: unknown): TaskDescriptor[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { tasks?: unknown }).tasks)) {
    throw new RangeError('tasks response must be an object with a tasks array');
  }
  return (body as { tasks: unknown[] }).tasks.map((t, i) => parseTaskDescriptor(t, `tasks[${i}]`));
}

export function parseTaskDescriptor(value: unknown, where = 'task'): TaskDescriptor {
  if (typeof value !== 'object' || value === null) throw new RangeError(`${where} must be an object`);
  const t = value as Record<string, unknown>;
  const str = (field: string): string => {
    const v = t[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new RangeError(`${where}.${field} must be a non-empty string`);
    return v;
  };
  const num = (field: string, rule: (n: number) => boolean, text: string, from: Record<string, unknown> = t, path = field): number => {
    const v = from[field];
    if (typeof v !== 'number' || !rule(v)) throw new RangeError(`${where}.${path} must be ${text}; got ${String(v)}`);
    return v;
  };
  const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
  const nonNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;
  const count = (n: number): boolean => Number.isInteger(n) && n >= 0;

  const kind = str('kind');
  if (!isTaskKind(kind)) throw new RangeError(`${where}.kind must be one of ${KINDS.join(', ')}; got ${kind}`);
  const model = t['model'];
  if (typeof model !== 'object' || model === null) throw new RangeError(`${where}.model must be an object`);
  const modelRecord = model as Record<string, unknown>;
  if (typeof modelRecord['name'] !== 'string' || modelRecord['name'].length === 0) throw new RangeError(`${where}.model.name must be a non-empty string`);
  const version = num('version', (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1', modelRecord, 'model.version');
  const vectorLength = num('vectorLength', (n) => Number.isInteger(n) && n >= 1 && n <= 1 << 24, 'an integer in [1, 2^24]');
  const secureAggregation = parseSecureAggregation(t['secureAggregation'], `${where}.secureAggregation`);
  const expectedBytes = num('expectedBytes', count, 'an integer ≥ 0');
  const uploadBytes = secureAggregation === undefined ? contributionByteLength(vectorLength) : sharedContributionByteLength(vectorLength, SEALED_SEED_BYTES);
  if (expectedBytes !== uploadBytes) {
    const rule = secureAggregation === undefined ? '28 + 4 × vectorLength' : `32 + ${SEALED_SEED_BYTES} + 4 × vectorLength (a secret-shared upload)`;
    throw new RangeError(`${where}.expectedBytes must be ${rule} = ${uploadBytes}; got ${expectedBytes}`);
  }
  const privacy = t['privacy'];
  if (typeof privacy !== 'object' || privacy === null) throw new RangeError(`${where}.privacy must be an object`);
  const p = privacy as Record<string, unknown>;
  const deadline = str('deadline');
  if (Number.isNaN(Date.parse(deadline))) throw new RangeError(`${where}.deadline must be an ISO-8601 date; got ${deadline}`);
  const roundId = str('roundId');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(roundId)) throw new RangeError(`${where}.roundId must match [A-Za-z0-9_-]{1,128}`);
  const labels = t['labels'];
  if (labels !== undefined && !isStringArray(labels)) {
    throw new RangeError(`${where}.labels must be an array of strings`);
  }
  const quality = parseTaskQuality(t['quality'], `${where}.quality`);
  const rows = parseRows(t['rows'], kind, `${where}.rows`);
  return {
    task: str('task'),
    kind,
    model: { name: modelRecord['name'], version },
    roundId,
    vectorLength,
    clipNorm: num('clipNorm', positive, 'a finite number > 0'),
    granularity: num('granularity', positive, 'a finite number > 0'),
    localNoiseStddev: num('localNoiseStddev', nonNegative, 'a finite number ≥ 0'),
    localSteps: num('localSteps', count, 'an integer ≥ 0'),
    learningRate: num('learningRate', nonNegative, 'a finite number ≥ 0'),
    deadline,
    expectedBytes,
    minContributions: num('minContributions', count, 'an integer ≥ 0'),
    maxContributions: num('maxContributions', count, 'an integer ≥ 0'),
    privacy: {
      epsilonBudget: num('epsilonBudget', nonNegative, 'a finite number ≥ 0', p, 'privacy.epsilonBudget'),
      delta: num('delta', (n) => n >= 0 && n < 1, 'in [0, 1)', p, 'privacy.delta'),
      epsilonSpent: num('epsilonSpent', nonNegative, 'a finite number ≥ 0', p, 'privacy.epsilonSpent'),
      ...parsePeriodPrivacy(p['period'], `${where}.privacy.period`),
    },
    ...(isStringArray(labels) ? { labels } : {}),
    ...(rows === undefined ? {} : { rows }),
    ...(quality === undefined ? {} : { quality }),
    ...(secureAggregation === undefined ? {} : { secureAggregation }),
  };
}

/**
 * A fixed-schedule task's renewing budget (core/protocol/aggregator.ts PeriodPrivacy): the device
 * charges its report against the period (worker/federated/client.ts), so the fields are checked.
 */
function parsePeriodPrivacy(value: unknown, where: string): { period?: PeriodPrivacy } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new RangeError(`${where} must be an object`);
  const { days, epsilonSpent, renewsAt } = value as Record<string, unknown>;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > DAILY_REPORT_MAX_PERIOD_DAYS) throw new RangeError(`${where}.days must be an integer in [1, ${DAILY_REPORT_MAX_PERIOD_DAYS}]; got ${String(days)}`);
  if (typeof epsilonSpent !== 'number' || !Number.isFinite(epsilonSpent) || epsilonSpent < 0) throw new RangeError(`${where}.epsilonSpent must be a finite number ≥ 0; got ${String(epsilonSpent)}`);
  if (typeof renewsAt !== 'string' || Number.isNaN(Date.parse(renewsAt))) throw new RangeError(`${where}.renewsAt must be an ISO-8601 date; got ${String(renewsAt)}`);
  return { period: { days, epsilonSpent, renewsAt } };
}

/** Most rows an ALS round may cover (the device builds a vector of dim(dim+1)/2 + rows·(dim+1) floats). */
export const MAX_ALS_ROWS = 100_000;

/**
 * ALS tasks must name their rows (catalogue indices, strictly ascending, so each appears once);
 * other kinds must not. The vector length is checked against the rows by the handler, which knows dim.
 */
function parseRows(value: unknown, kind: TaskKind, where: string): number[] | undefined {
  if (kind !== 'als') {
    if (value !== undefined) throw new RangeError(`${where} is only for als tasks; this task is ${kind}`);
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ALS_ROWS) {
    throw new RangeError(`${where} must be a non-empty array of at most ${MAX_ALS_ROWS} catalogue rows`);
  }
  let previous = -1;
  for (const [i, row] of value.entries()) {
    if (typeof row !== 'number' || !Number.isInteger(row) || row < 0 || row >= 1 << 24) throw new RangeError(`${where}[${i}] must be an integer in [0, 2^24); got ${String(row)}`);
    if (row <= previous) throw new RangeError(`${where} must be strictly ascending; ${where}[${i}] = ${row} follows ${previous}`);
    previous = row;
  }
  return value as number[];
}

/** The helper's origin must be a plain http(s) origin: devices fetch its keys from it. */
function parseSecureAggregation(value: unknown, where: string): SecureAggregationInfo | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new RangeError(`${where} must be an object`);
  const { helper } = value as Record<string, unknown>;
  if (typeof helper !== 'string' || !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(helper)) {
    throw new RangeError(`${where}.helper must be an http(s) origin without a path or trailing slash; got ${JSON.stringify(helper)}`);
  }
  return { helper };
}
