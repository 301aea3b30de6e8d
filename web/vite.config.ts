import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The page lives in web/; the server serves web/dist at "/".
const webRoot = fileURLToPath(new URL('.', import.meta.url))
// `vite --config web/vite.config.ts` proxies API calls to a local server (default port 3000).
const apiTarget = process.env.GRIDWORK_API ?? 'http://127.0.0.1:3000'

export default defineConfig({
  root: webRoot,
  // Relative asset URLs keep the bundle working behind a path prefix as well as at "/".
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // MapLibre alone is ~1 MB minified; splitting it out keeps the warning meaningful for our code.
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: { manualChunks: { maplibre: ['maplibre-gl'] } },
    },
  },
  server: {
    proxy: { '/api': apiTarget, '/health': apiTarget },
  },
})
