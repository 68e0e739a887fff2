import { describe, expect, it } from 'vitest';
import { histogramCaption } from './histogram-caption.js';

const privacy = { privacy: { epsilonBudget: 8, delta: 1e-6, epsilonSpent: 1.5, rhoSpent: 0.0234 } };

describe('histogramCaption', () => {
  it('says what the bars, dots and whiskers are, σ and the privacy it bought, and why a count is below zero', () => {
    const lines = histogramCaption({ roundId: 'r1', labels: ['Drama', 'Comedy', 'Horror'], values: [40, 31.5, -2], projected: [39.25, 30.75, 0], stddev: 4.5, contributions: 70 }, privacy);
    expect(lines[0]).toBe('Round r1: 70 devices, each counted once.');
    expect(lines[1]).toContain('Bars: the released counts post-processed to the nearest counts that are ≥ 0 and add up to the 70 devices.');
    expect(lines[2]).toContain('whiskers ±1.96σ, a 95 % interval for each true count. σ = 4.5 devices');
    expect(lines[2]).toContain('ρ = 0.023 (ε = 1.50 at δ = 1e-6)');
    expect(lines[3]).toBe('1 of 3 released counts is below zero: noise on a small true count, not a negative number of devices; their bars are at 0 or just above.');
  });

  it('without post-processed counts (an older server) the bars are the released ones; no line on negatives when there are none', () => {
    const lines = histogramCaption({ roundId: 'r2', labels: ['a', 'b'], values: [3, 4], stddev: 12.25, contributions: 7 }, privacy);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('Bars: the counts as released.');
    expect(lines[2]).toContain('σ = 12 devices');
  });
});
