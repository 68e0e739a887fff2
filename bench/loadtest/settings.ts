/**
 * The load test's round settings, shared by its driver (./run.ts) and its instances
 * (./instance.ts, which read them from the environment the driver sets). By default rounds of 20
 * to 200 contributions, closing at a 2 s deadline otherwise: many round closes per minute, each
 * racing the instances' commits, kills and restarts. The memory run asks for rounds of at most 40,
 * so a few minutes hold the ~1,000 round closes a leak per close would show in.
 */
export interface LoadtestRound {
  readonly minContributions: number;
  readonly maxContributions: number;
  readonly roundSeconds: number;
}

export const LOADTEST_ROUND: LoadtestRound = { minContributions: 20, maxContributions: 200, roundSeconds: 2 };
export const MEMORY_ROUND: LoadtestRound = { ...LOADTEST_ROUND, maxContributions: 40 };

/** The environment an instance reads its round settings from. */
export function roundEnvironment(round: LoadtestRound): Record<string, string> {
  return { LOADTEST_MAX_CONTRIBUTIONS: String(round.maxContributions) };
}

export function loadtestRound(env: NodeJS.ProcessEnv): LoadtestRound {
  const max = env['LOADTEST_MAX_CONTRIBUTIONS'];
  return max === undefined ? LOADTEST_ROUND : { ...LOADTEST_ROUND, maxContributions: Number(max) };
}
