import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, estimatesCsv, toCsv } from './csv.js';
import type { StatsResponse, TaskStats } from './stats.js';

const HEADER = 'task,figure,round,version,label,series,estimate,post_processed,ci95_low,ci95_high,noise_sd,epsilon_spent,delta';

/** The cells of a CSV line that has no quoted field. */
const cells = (line: string): Record<string, string> => Object.fromEntries(line.split(',').map((cell, i) => [CSV_COLUMNS[i], cell]));

describe('toCsv', () => {
  it('writes the header, CRLF line ends, and quotes only the fields that need it', () => {
    const text = toCsv([
      { task: 'plain', label: 'Sci-Fi, weekend', series: 'say "hi"' },
      { task: ' padded', label: 'two\nlines' },
    ]);
    expect(text.split('\r\n')).toEqual([
      HEADER,
      'plain,,,,"Sci-Fi, weekend","say ""hi""",,,,,,,',
      '" padded",,,,"two\nlines",,,,,,,,',
      '',
    ]);
  });

  it('writes numbers plainly: no locale grouping, sign kept, floating-point tails dropped, non-finite left empty', () => {
    const [, line] = toCsv([{ estimate: 1234567.5, post_processed: -2, ci95_low: 40 - 8.82, ci95_high: 1e-7, noise_sd: Number.NaN, epsilon_spent: Number.POSITIVE_INFINITY, delta: 1e-6 }]).split('\r\n');
    expect(cells(line!)).toMatchObject({ estimate: '1234567.5', post_processed: '-2', ci95_low: '31.18', ci95_high: '1e-7', noise_sd: '', epsilon_spent: '', delta: '0.000001' });
  });
});

describe('estimatesCsv', () => {
  const histogramTask: TaskStats = {
    task: 'category-histogram', kind: 'histogram', model: { name: 'category-histogram', version: 1 }, status: 'open',
    privacy: { epsilonBudget: 2, delta: 1e-6, epsilonSpent: 1.5, rhoSpent: 0.02 }, currentRound: null,
    rounds: [{ roundId: 'r1', baseVersion: 0, producedVersion: 1, contributions: 70, openedAt: '', closedAt: '', outcome: 'aggregated', epsilonAfter: 0.75 }],
    quality: [{ version: 1, metric: 'hr@10', series: 'federated-dp', value: 0.05, at: '' }],
    aggregates: [{ roundId: 'r1', labels: ['Drama', 'Horror'], values: [40, -2], projected: [39.25, 0], stddev: 4.5, contributions: 70 }],
  };
  const stats: StatsResponse = { generatedAt: '2026-11-23T06:10:00.000Z', totals: { contributions: 70, roundsAggregated: 1 }, tasks: [histogramTask] };

  it('gives each histogram bin its released count, post-processed bar, ±1.96σ interval and the ε after its round', () => {
    const lines = estimatesCsv(stats).split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(cells(lines[1]!)).toMatchObject({ figure: 'quality', version: '1', label: 'hr@10', series: 'federated-dp', estimate: '0.05', ci95_low: '', epsilon_spent: '0.75' });
    expect(cells(lines[2]!)).toMatchObject({ figure: 'dp-histogram', round: 'r1', label: 'Drama', estimate: '40', post_processed: '39.25', ci95_low: '31.18', ci95_high: '48.82', noise_sd: '4.5', epsilon_spent: '0.75', delta: '0.000001' });
    expect(cells(lines[3]!)).toMatchObject({ label: 'Horror', estimate: '-2', post_processed: '0', ci95_low: '-10.82', ci95_high: '6.82' });
    expect(lines).toHaveLength(5);
  });

  it('leaves post_processed empty when an older server sent none', () => {
    const older = { ...stats, tasks: [{ ...histogramTask, quality: [], aggregates: [{ roundId: 'r1', labels: ['Drama'], values: [40], stddev: 4.5, contributions: 70 }] }] };
    expect(cells(estimatesCsv(older).split('\r\n')[1]!)).toMatchObject({ estimate: '40', post_processed: '' });
  });
});
