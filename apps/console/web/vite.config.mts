import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The console server's port in development (`npm start -w apps/console`): `vite` forwards to it. */
const CONSOLE_SERVER = `http://127.0.0.1:${process.env.CONSOLE_PORT ?? 3040}`;

export default defineConfig({
  root: here('.'),
  // The client is bundled from its TypeScript source (ES modules the bundler can tree-shake); its
  // compiled `dist` is CommonJS for Node.
  resolve: { alias: { '@nextbuy/client': here('../../../packages/client/src/index.ts') } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // ECharts is one chunk of its own, loaded by the pages that draw a chart and by no other.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // React Server Components' "use client" markers mean nothing in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': CONSOLE_SERVER, '/session': CONSOLE_SERVER, '/queues': CONSOLE_SERVER },
  },
});
