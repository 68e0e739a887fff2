/**
 * `npm run build:demo` → dist/demo/: the storefront (index.html, a single-page app) and the
 * site owner's dashboard (dashboard.html), plus catalog.json generated from MovieLens.
 *
 * The shop embeds Inkling exactly as a third-party site would: the built snippet
 * (dist/sdk/stub.min.js, so `npm run build:sdk` must run first) is pasted inline where
 * index.html says <!--inkling-snippet-->, followed by the async script tag. Nothing of sdk/ is
 * imported or bundled here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { buildCatalog } from './build/catalog.js';

const demoDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(demoDir, '..');
const snippetFile = join(projectRoot, 'dist', 'sdk', 'stub.min.js');
/**
 * Where the shop's Inkling sends federated contributions. Empty (the default) means none: the
 * issue-3 storefront works without any server. `INKLING_DEMO_ENDPOINT=http://127.0.0.1:8787
 * npm run build:demo` points it at an aggregator.
 */
const endpoint = process.env.INKLING_DEMO_ENDPOINT ?? '';

/** Emits catalog.json and pastes the SDK snippet into the pages that ask for it. */
function shopAssets(): Plugin {
  return {
    name: 'inkling-demo-shop-assets',
    transformIndexHtml(page) {
      if (!page.includes('<!--inkling-snippet-->')) return page;
      const html = page.replace('data-endpoint=""', `data-endpoint="${endpoint.replace(/[^A-Za-z0-9:/._~%-]/g, '')}"`);
      if (!existsSync(snippetFile)) {
        this.warn?.(`${snippetFile} is missing: run \`npm run build:sdk\` first; the shop is built without the Inkling snippet`);
        return html.replace('<!--inkling-snippet-->', '<!-- Inkling snippet missing at build time -->');
      }
      const snippet = readFileSync(snippetFile, 'utf8').trim().replace(/<\/script/gi, '<\\/script');
      return html.replace('<!--inkling-snippet-->', `<script>${snippet}</script>`);
    },
    generateBundle() {
      const catalog = buildCatalog(join(demoDir, 'data', 'ml-latest-small'));
      this.emitFile({ type: 'asset', fileName: 'catalog.json', source: JSON.stringify({ items: catalog }) });
    },
  };
}

export default defineConfig({
  root: demoDir,
  base: '/',
  publicDir: false,
  plugins: [shopAssets()],
  build: {
    outDir: join(projectRoot, 'dist', 'demo'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        shop: join(demoDir, 'index.html'),
        dashboard: join(demoDir, 'dashboard.html'),
      },
    },
  },
});
