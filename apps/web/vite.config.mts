/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// `npm run dev:web`: Vite's dev server with hot reload, the API behind it (`npm run dev` on PORT).
const api = `http://localhost:${process.env.PORT ?? 3000}`;
const proxied = ['/admin', '/members', '/nodes', '/public', '/session', '/health', '/docs'];

/** The web app: built into dist/web, which the API serves at its root (apps/api/src/web). */
export default defineConfig({
  root,
  plugins: [react()],
  resolve: { alias: { '@': `${root}src` } },
  build: { outDir: '../../dist/web', emptyOutDir: true, assetsDir: 'static', sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])) },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/testing/setup.ts'],
  },
});
