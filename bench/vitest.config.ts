import { defineConfig } from 'vitest/config';

/** Tests of the benchmark harness: `npx vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  test: {
    include: ['bench/test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
