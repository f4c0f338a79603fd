import { defineConfig } from 'vitest/config';
import { testModelPath } from './src/testing/test-model.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'trainer/**/*.test.ts'],
    // Tests that spawn the CLI run dist/: build it when a source is newer.
    globalSetup: ['src/testing/build-dist.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    // The local-model tests share 2 cores; files run one at a time so they stay fast and do not starve each other.
    fileParallelism: false,
    pool: 'forks',
    env: { LADDER_TEST_GGUF: testModelPath() },
  },
});
