/**
 * A one-word segment the visitor (and the site, on the device) can read. Rules, not a model: they
 * are explainable and need no data to train. The order of the checks is the priority.
 */
import type { RfmView } from './activity.js';

export type Segment = 'new' | 'loyal buyer' | 'buyer' | 'cart holder' | 'lapsed' | 'browser';

export function segmentOf(rfm: RfmView, eventsApplied: number, cartSize: number): Segment {
  if (eventsApplied === 0) return 'new';
  if (rfm.frequency >= 1.5) return 'loyal buyer';
  if (rfm.frequency >= 0.5) return 'buyer';
  if (cartSize > 0) return 'cart holder';
  if (rfm.recencyDays !== null && rfm.recencyDays > 14) return 'lapsed';
  if (eventsApplied < 5) return 'new';
  return 'browser';
}
