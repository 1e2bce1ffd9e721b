import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';

// Unit tests of the helpers in src/lib. The SvelteKit plugin (from vite.config.ts) generates the
// `$app/tsconfig` the project's tsconfig extends, so `vitest run` works on a fresh clone too.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  }),
);
