import { defineConfig } from 'vitest/config';

/** The emulator's tests need nothing but Node: each file starts its own emulator on a free port. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30000,
  },
});
