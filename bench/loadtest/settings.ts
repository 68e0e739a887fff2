/**
 * The load test's round settings, shared by its driver (./run.ts) and its instances
 * (./instance.ts, which read them from the environment the driver sets), all closing at a 2 s
 * deadline once they have 20 contributions:
 * - throughput phases: rounds of up to 1,000, so that few uploads in flight meet a round that has
 *   just filled (a 409 costs an instance nearly what a stored upload does);
 * - the fault phase: up to 200, many closes per minute, each racing commits, kills and restarts;
 * - the memory run: up to 40, so a few minutes hold the ~1,000 closes a leak per close would show in.
 */
export interface LoadtestRound {
  readonly minContributions: number;
  readonly maxContributions: number;
  readonly roundSeconds: number;
}

export const LOADTEST_ROUND: LoadtestRound = { minContributions: 20, maxContributions: 200, roundSeconds: 2 };
export const THROUGHPUT_ROUND: LoadtestRound = { ...LOADTEST_ROUND, maxContributions: 1000 };
export const MEMORY_ROUND: LoadtestRound = { ...LOADTEST_ROUND, maxContributions: 40 };

/** The environment an instance reads its round settings from. */
export function roundEnvironment(round: LoadtestRound): Record<string, string> {
  return { LOADTEST_MAX_CONTRIBUTIONS: String(round.maxContributions) };
}

export function loadtestRound(env: NodeJS.ProcessEnv): LoadtestRound {
  const max = env['LOADTEST_MAX_CONTRIBUTIONS'];
  return max === undefined ? LOADTEST_ROUND : { ...LOADTEST_ROUND, maxContributions: Number(max) };
}
