import { defineConfig } from 'vitest/config';

/** Browser end-to-end tests: real Chromium against the built storefront and the real aggregator. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    // One Chromium at a time: these machines have two cores.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
