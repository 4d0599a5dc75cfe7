// Build: `npx vite build web` writes web/dist, which the broker serves at `/`.
// Dev: `npx vite web` proxies the API (and the terminal websocket) to a broker on :8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Resolved from this file, so the build works from any working directory.
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
