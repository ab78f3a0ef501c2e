import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core machines: keep parallelism modest so timing-sensitive integration tests stay stable.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
