/**
 * Every rule a contribution must pass, in one place, checked before anything is stored:
 * content type → declared size → known round → open round → framing (magic, exact length for
 * the task) → model version (stale → 409 naming the current one) → L2 norm within the clip bound
 * plus the noise allowance (../privacy/round-privacy.ts normAllowance). Int32 values cannot be
 * non-finite, so "finite" holds by construction of the wire format.
 */
import {
  CONTRIBUTION_CONTENT_TYPE,
  contributionByteLength,
  decodeContribution,
  type Contribution,
  type ErrorCode,
} from '../../core/protocol/aggregator.js';
import { decodeSharedContribution, sharedContributionByteLength, type SharedContribution } from '../../core/protocol/secure-aggregation.js';
import { SEALED_SEED_BYTES } from '../../core/secagg/hpke.js';
import { periodLabel, periodOf } from '../../core/models/daily-report.js';
import { normAllowance } from '../privacy/round-privacy.js';
import type { RoundRecord } from '../storage/storage.js';
import type { RoundConfig } from '../strategies/strategy.js';

export interface Rejection {
  readonly status: 400 | 404 | 409 | 413 | 415 | 422 | 503;
  readonly code: ErrorCode;
  readonly message: string;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };

/** What the validator needs to know about the round being posted to. */
export interface RoundView {
  readonly round: RoundRecord;
  readonly config: RoundConfig;
  /** The task's open round now, if any; read only when `round` no longer accepts (it is for the refusal's message). */
  readonly current: RoundRecord | undefined;
  /**
   * The server's clock (epoch ms). A fixed-schedule round accepts nothing from its deadline (its
   * period's end) on, even before the next tick closes it: its per-period accounting
   * (storage.rhoSpentBetween) counts it up to its deadline only.
   */
  readonly now?: number;
}

const reject = (status: Rejection['status'], code: ErrorCode, message: string): { ok: false; rejection: Rejection } => ({
  ok: false,
  rejection: { status, code, message },
});

/** Largest body any task accepts; bigger requests are refused before they are read. */
export function maxContributionBytes(vectorLengths: readonly number[]): number {
  return Math.max(...vectorLengths.map(contributionByteLength));
}

/** Header checks, before the body is read. */
export function checkContributionHeaders(contentType: string | undefined, contentLength: string | undefined, maxBytes: number): Checked<null> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== CONTRIBUTION_CONTENT_TYPE) {
    return reject(415, 'bad_content_type', `content-type must be ${CONTRIBUTION_CONTENT_TYPE}; got ${JSON.stringify(contentType ?? '')}`);
  }
  if (contentLength !== undefined) {
    if (!/^\d+$/.test(contentLength)) {
      return reject(400, 'bad_request', `content-length must be a non-negative integer; got ${JSON.stringify(contentLength.slice(0, 40))}`);
    }
    // Compared exactly (BigInt): a declared 2^53 or 10^30 is a size over the limit (413), not a malformed one.
    if (BigInt(contentLength) > BigInt(maxBytes)) {
      return reject(413, 'body_too_large', `body of ${contentLength.slice(0, 40)} bytes exceeds the largest contribution (${maxBytes} bytes)`);
    }
  }
  return { ok: true, value: null };
}

/** Round checks that need no body: known, open. */
export function checkRound(roundId: string, view: RoundView | undefined): Checked<RoundView> {
  if (view === undefined) return reject(404, 'unknown_round', `round ${JSON.stringify(roundId.slice(0, 80))} does not exist; GET /v1/tasks lists the open rounds`);
  const periodEnded = view.config.periodDays !== undefined && view.now !== undefined && view.now >= view.round.deadline;
  if ((view.round.outcome !== 'open' || periodEnded) && view.config.periodDays !== undefined) {
    // A fixed-schedule task: the round is a period; name it (its end is the round's deadline).
    const days = view.config.periodDays;
    const label = (r: RoundRecord): string => periodLabel(periodOf(r.deadline - 1, days), days);
    const current = view.current === undefined || view.current.roundId === view.round.roundId ? undefined : view.current;
    const open = current === undefined ? 'no period is open yet (GET /v1/tasks lists the next once it opens)' : `the open period is ${label(current)} (round ${current.roundId})`;
    return reject(409, 'round_closed', `report for period ${label(view.round)} is for a closed period (round ${view.round.roundId}); ${open}`);
  }
  if (view.round.outcome !== 'open') {
    const now = view.current === undefined
      ? `task ${view.round.task} has no open round`
      : `task ${view.round.task} is now at version ${view.current.baseVersion} in round ${view.current.roundId}`;
    return reject(409, 'round_closed', `round ${view.round.roundId} is closed; ${now}`);
  }
  if (view.round.frozenAt !== null) {
    return reject(409, 'round_closed', `round ${view.round.roundId} is closing (its sum is being combined with the helper's); GET /v1/tasks lists the next round once it opens`);
  }
  return { ok: true, value: view };
}

/** Body checks: framing, exact length, version, norm. Returns the decoded contribution. */
export function checkContributionBody(body: Uint8Array, view: RoundView): Checked<Contribution> {
  const { round, config } = view;
  const expectedBytes = contributionByteLength(config.vectorLength);
  if (body.length > expectedBytes) return reject(413, 'body_too_large', `body is ${body.length} bytes; task ${round.task} contributions are exactly ${expectedBytes}`);
  const decoded = decodeContribution(body, config.vectorLength);
  if (!decoded.ok) return reject(400, decoded.error.code, decoded.error.message);
  const contribution = decoded.contribution;
  if (contribution.modelVersion !== round.baseVersion) {
    return reject(409, 'stale_version', `round ${round.roundId} is for ${round.task} version ${round.baseVersion}; this contribution is for version ${contribution.modelVersion}`);
  }
  const allowance = normAllowance(config.clipNorm, config.granularity, config.localNoiseStddev, config.vectorLength);
  const values = contribution.values;
  let squared = 0;
  for (let i = 0; i < values.length; i++) squared += values[i]! * values[i]!;
  if (!(squared <= allowance * allowance)) {
    return reject(422, 'norm_exceeded', `L2 norm ${Math.sqrt(squared).toFixed(1)} exceeds the bound ${allowance.toFixed(1)} grid steps (clip ${config.clipNorm}/${config.granularity} + rounding + local-noise allowance)`);
  }
  return { ok: true, value: contribution };
}

/** Largest shared (INK2) upload any task accepts, with an X25519 sealed seed. */
export function maxSharedContributionBytes(vectorLengths: readonly number[]): number {
  return Math.max(...vectorLengths.map((n) => sharedContributionByteLength(n, SEALED_SEED_BYTES)));
}

/**
 * Body checks of a secret-shared (INK2) upload: framing, exact length, version. The key id is
 * checked against the helper's published ids by the coordinator (they change with rotation).
 *
 * NO norm check is possible: the leader's share is uniform in Z_2^32 whatever the vector, and the
 * helper's is a seed. A malicious device can therefore send any vector whose coordinates fit the
 * ring, and shift the round's sum by up to 2^31 per coordinate (poisoning the model, or breaking
 * the no-wrap guarantee that honest sums decode exactly). What bounds it: each such upload is one
 * contribution among ≥ minContributions, and the models are evaluated before devices use them
 * (task quality gate). Proving the bound (Prio3-style validity proofs) is left out for large
 * vectors; see server/README.md.
 */
export function checkSharedBody(body: Uint8Array, view: RoundView): Checked<SharedContribution> {
  const { round, config } = view;
  const expectedBytes = sharedContributionByteLength(config.vectorLength, SEALED_SEED_BYTES);
  if (body.length > expectedBytes) return reject(413, 'body_too_large', `body is ${body.length} bytes; task ${round.task} secret-shared uploads are exactly ${expectedBytes}`);
  const decoded = decodeSharedContribution(body, config.vectorLength);
  if (!decoded.ok) return reject(400, decoded.code, decoded.message);
  const contribution = decoded.contribution;
  if (contribution.sealedSeed.length !== SEALED_SEED_BYTES) {
    return reject(400, 'bad_sealed_share', `the sealed seed is ${contribution.sealedSeed.length} bytes; an X25519 HPKE sealed seed is exactly ${SEALED_SEED_BYTES}`);
  }
  if (contribution.modelVersion !== round.baseVersion) {
    return reject(409, 'stale_version', `round ${round.roundId} is for ${round.task} version ${round.baseVersion}; this contribution is for version ${contribution.modelVersion}`);
  }
  return { ok: true, value: contribution };
}
