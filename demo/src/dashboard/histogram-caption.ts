/**
 * What a DP histogram's chart means, in words under it (error-bars.ts draws it): what the bars
 * are, what the dots and whiskers are, how large the noise is and what privacy it bought, and why
 * a released count can be below zero. Pure, so it is tested without a browser.
 */
import type { HistogramAggregate, TaskStats } from './stats.js';
import { Z95 } from './error-bars.js';

function count(value: number): string {
  return Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * @example histogramCaption({ roundId: 'r1', labels: ['a', 'b'], values: [12, -1], projected: [11, 0], stddev: 2, contributions: 11 }, task)
 * // ['Round r1: 11 devices, each counted once.', 'Bars: …', 'Dots: …', '1 of 2 released counts is below zero: …']
 */
export function histogramCaption(aggregate: HistogramAggregate, task: Pick<TaskStats, 'privacy'>): string[] {
  const { contributions: n, stddev, values, projected } = aggregate;
  const { rhoSpent, epsilonSpent, delta } = task.privacy;
  const lines = [`Round ${aggregate.roundId}: ${n} devices, each counted once.`];
  lines.push(projected
    ? `Bars: the released counts post-processed to the nearest counts that are ≥ 0 and add up to the ${n} devices. Post-processing costs no privacy; it lifts small counts and lowers large ones a little (a bias), and is never farther from the true counts overall.`
    : 'Bars: the counts as released.');
  lines.push(`Dots: the counts as released (unbiased); whiskers ±${Z95}σ, a 95 % interval for each true count. σ = ${count(stddev)} devices is the standard deviation of the noise added to every bar, the price of ρ = ${rhoSpent.toPrecision(2)} (ε = ${epsilonSpent.toFixed(2)} at δ = ${delta.toExponential(0)}) spent by this task.`);
  const negative = values.filter((v) => v < 0).length;
  if (negative > 0) {
    lines.push(`${negative} of ${values.length} released counts ${negative === 1 ? 'is' : 'are'} below zero: noise on a small true count, not a negative number of devices${projected ? '; their bars are at 0 or just above' : ''}.`);
  }
  return lines;
}
