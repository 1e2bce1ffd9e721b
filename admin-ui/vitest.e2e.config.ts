import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';

// Browser tests: playwright-core drives Debian's chromium against a running server (E2E_BASE).
// Files run one after another (they share the demo data) with long timeouts.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['tests/e2e/**/*.e2e.ts'],
      environment: 'node',
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
      retry: 0,
    },
  }),
);
