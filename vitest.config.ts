import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'trainer/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The local model tests share 2 cores; running files one at a time keeps them fast and their timing honest.
    fileParallelism: false,
    pool: 'forks',
  },
});
