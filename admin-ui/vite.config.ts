import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The built SPA is served by the Express server on the admin hosts (with an index.html fallback)
// and /api lives on the same origin. In development Vite proxies /api to that server and keeps
// the Host header, so http://akaiwa.admin.localhost:5173 reaches the Akaiwa staff console and
// http://admin.localhost:5173 the vendor console.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
      // Absolute asset paths: the fallback page is served for deep links such as /staff/123.
      paths: { relative: false },
      prerender: { entries: [] },
      // The fallback page carries its own policy; the inline bootstrap script is allowed by hash.
      csp: {
        mode: 'hash',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          'style-src': ['self', 'unsafe-inline'],
          // LINE emoji pictures for the message composer's picker and preview.
          'img-src': ['self', 'data:', 'https://stickershop.line-scdn.net'],
          'connect-src': ['self'],
          'object-src': ['none'],
          'base-uri': ['self'],
          'form-action': ['self'],
        },
      },
    }),
  ],
  server: {
    port: 5173,
    strictPort: true,
    allowedHosts: ['.localhost'],
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
  preview: {
    port: 4173,
    allowedHosts: ['.localhost'],
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
