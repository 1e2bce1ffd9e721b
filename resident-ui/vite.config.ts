import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/**
 * Resident pages (LIFF) for every tenant, built once as a single-page app.
 *
 * - Routes live under src/routes/t/[slug]/, so one build serves /t/<any slug>/ and the base path
 *   stays '' (a per-tenant base would need one build per city).
 * - appDir 't/_app' keeps the hashed JS/CSS under /t/ as well, so a proxy that forwards only
 *   /t/* (and /api/*) to this app still reaches every asset. The build folder mirrors URLs:
 *   build/index.html is the fallback for any /t/... path, build/t/_app/... are the assets.
 * - paths.relative keeps asset URLs relative where SvelteKit can (the SPA fallback page itself
 *   always uses root-relative URLs, which is why the assets must sit at a fixed path).
 */
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
      appDir: 't/_app',
      paths: { base: '', relative: true },
      prerender: { entries: [] },
    }),
  ],
  server: {
    host: true,
    port: 5174,
    strictPort: true,
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
  preview: {
    port: 4174,
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
