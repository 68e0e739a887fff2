/**
 * The load test's round settings, shared by its driver (./run.ts) and its instances
 * (./instance.ts). Rounds of 20 to 200 contributions, closing at a 2 s deadline otherwise: many
 * round closes per minute, each racing the instances' commits, kills and restarts.
 */
export const LOADTEST_ROUND = { minContributions: 20, maxContributions: 200, roundSeconds: 2 } as const;
