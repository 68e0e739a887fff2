import { defineConfig } from 'vitest/config';

/** The slow statistical tier (`npm run test:stat`): ≥ 10^6-sample goodness-of-fit and DP-property tests. */
export default defineConfig({
  test: {
    include: ['{core,worker,server}/**/*.stat.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
