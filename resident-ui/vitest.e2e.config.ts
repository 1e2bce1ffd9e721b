import { defineConfig } from 'vitest/config';

// Browser tests: playwright-core drives Debian's chromium against the running API (E2E_BASE)
// and the LINE emulator (E2E_LINE), both started by scripts/test.mjs.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
