import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API to a locally running app (PORT 3000 unless CHRONICLE_URL says otherwise).
const target = process.env.CHRONICLE_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': target, '/health': target, '/socket.io': { target, ws: true } } },
});
