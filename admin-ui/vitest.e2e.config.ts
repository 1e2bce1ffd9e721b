import { defineConfig } from 'vitest/config';

// Browser tests: playwright-core drives Debian's chromium against a running server (E2E_BASE).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    retry: 0,
  },
});
