// The console's build: `npm run build:web` writes web/dist, which the server serves at `/`.
// `npm run dev:web` serves it with hot reload and proxies the API to a server on :8080.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.THREATSHARE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // ECharts is most of the weight: its own chunk, cached across console releases.
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (id.includes('node_modules/react') || id.includes('node_modules/scheduler')) return 'react';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: Object.fromEntries(['/api', '/docs', '/openapi.json', '/taxii2', '/.well-known', '/healthz', '/feeds'].map((p) => [p, api])),
  },
});
