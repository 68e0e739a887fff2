/**
 * What the 'segments' task's feature vector (core/models/kmeans.ts segmentFeatures) reads from the
 * engine's profile: the long-term interest shares by top-level category, the events applied, days
 * since the last event, the share of the kept sequence's steps on a Saturday or Sunday (the
 * visitor's local time: the Worker's clock), and the decayed spend (RFM monetary).
 * Null when the engine has applied no event: nothing to describe the visitor with ('no-data').
 */
import type { SegmentInputs } from '../../core/models/kmeans.js';

export interface SegmentSources {
  readonly interests: readonly { readonly category: string; readonly longTerm: number }[];
  readonly events: number;
  readonly recencyDays: number | null;
  readonly spend: number;
  /** The kept sequence's step times (epoch ms). */
  readonly stepTimes: readonly number[];
}

/** @example segmentInputs({ interests, events: 40, recencyDays: 2, spend: 0, stepTimes }); */
export function segmentInputs(sources: SegmentSources): SegmentInputs | null {
  if (!(sources.events > 0)) return null;
  const byTop = new Map<string, number>();
  let total = 0;
  for (const { category, longTerm } of sources.interests) {
    if (!(longTerm > 0)) continue;
    const top = category.split('/')[0] ?? category;
    byTop.set(top, (byTop.get(top) ?? 0) + longTerm);
    total += longTerm;
  }
  // Shares add up to 1 up to rounding; the feature code refuses more than 1 + 1e-6.
  const scale = total > 1 ? 1 / total : 1;
  const interests = [...byTop].map(([category, share]) => ({ category, share: Math.min(1, share * scale) }));
  let weekend = 0;
  for (const at of sources.stepTimes) {
    const day = new Date(at).getDay();
    if (day === 0 || day === 6) weekend++;
  }
  return {
    interests,
    events: sources.events,
    recencyDays: sources.recencyDays,
    weekendShare: sources.stepTimes.length === 0 ? null : weekend / sources.stepTimes.length,
    spend: Math.max(0, sources.spend),
  };
}
