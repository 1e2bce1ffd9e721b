import { defineConfig } from 'vitest/config';

// Unit tests of the helpers in src/lib (pure TypeScript, no SvelteKit runtime needed).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
