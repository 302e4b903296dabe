import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip as gzipCallback } from 'node:zlib';
import { defineConfig, type Plugin, type Rollup } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The console server's port in development (`npm start -w apps/console`): `vite` forwards to it. */
const CONSOLE_SERVER = `http://127.0.0.1:${process.env.CONSOLE_PORT ?? 3040}`;

/**
 * `<link rel="modulepreload">` for the overview's chunks in index.html: the page people open first
 * is fetched beside the entry bundle, not after the bundle ran and asked for it (a waterfall of a
 * few kilobytes that cost a round trip under load). The other pages load on demand. Fails the build
 * when those chunks or the entry hold the chart library (ECharts is the pages-that-draw's own chunk).
 */
function preloadOverview(): Plugin {
  return {
    name: 'nextbuy:preload-overview',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        if (!bundle) return undefined;
        const chunks = Object.values(bundle).filter((c): c is Rollup.OutputChunk => c.type === 'chunk');
        const page = chunks.find((c) => c.facadeModuleId?.endsWith('/pages/OverviewPage.tsx'));
        if (!page) throw new Error('preload-overview: no chunk for pages/OverviewPage.tsx');
        const files = new Set<string>();
        const visit = (chunk: Rollup.OutputChunk) => {
          if (chunk.isEntry || files.has(chunk.fileName)) return;
          files.add(chunk.fileName);
          for (const name of chunk.imports) visit(bundle[name] as Rollup.OutputChunk);
        };
        visit(page);
        // The split's point, checked on every build: the overview's first load draws no chart.
        const entry = chunks.find((c) => c.isEntry)!;
        for (const chunk of [entry, ...[...files].map((file) => bundle[file] as Rollup.OutputChunk)]) {
          const chart = chunk.moduleIds.find((id) => /[\\/]node_modules[\\/](echarts|zrender)[\\/]/.test(id));
          if (chart)
            throw new Error(
              `preload-overview: the overview's first load would download ${chart} (${chunk.fileName})`,
            );
        }
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

const brotli = promisify(brotliCompress);
const gzip = promisify(gzipCallback);

/**
 * Writes `NAME.br` and `NAME.gz` beside every asset of 1 KiB or more, which the console server
 * sends to a browser that accepts them (@fastify/static `preCompressed`): compressed once at build
 * time at the highest levels, not on every request. The entry bundle goes from ~300 KB to ~85 KB.
 */
function precompress(): Plugin {
  return {
    name: 'nextbuy:precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const files = Object.keys(bundle).filter((file) => file.startsWith('assets/'));
      await Promise.all(
        files.map(async (file) => {
          const path = join(options.dir!, file);
          const data = await readFile(path);
          if (data.length < 1024) return;
          const [br, gz] = await Promise.all([
            brotli(data, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
              },
            }),
            gzip(data, { level: constants.Z_BEST_COMPRESSION }),
          ]);
          await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
        }),
      );
    },
  };
}

export default defineConfig({
  root: here('.'),
  plugins: [preloadOverview(), precompress()],
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
