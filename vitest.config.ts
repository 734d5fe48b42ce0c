import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // two cores: run test files on both, one heavy file each
    pool: 'forks',
    maxWorkers: 2,
  },
});
