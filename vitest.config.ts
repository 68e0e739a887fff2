import { defineConfig } from 'vitest/config';

/** The fast tier: unit tests beside the code they prove. Statistical and browser tiers have their own configs. */
export default defineConfig({
  test: {
    include: ['{core,sdk,worker,server,sim,test,demo}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.stat.test.ts', '**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
