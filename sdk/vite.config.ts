/**
 * `npm run build:sdk` → dist/sdk/:
 *   inkling.js         the script-tag loader (IIFE; never imports tfjs or idb)
 *   inkling-autocapture.js  the autocapture plugin (IIFE), fetched by the loader when a capture is on
 *   inkling.worker.js  the engine's module Worker (worker/entry.worker.ts and all it imports),
 *                      with the tfjs backends it loads on demand as chunks beside it, and tfjs's
 *                      .wasm files (served from the same folder)
 *   stub.js, stub.min.js  the inline snippet, readable and minified
 *   esm/index.js + esm/index.d.ts  the package entry, `createInkling(options)`
 *
 * One Vite build per artefact (an IIFE cannot share chunks with anything), run one after the
 * other from this config's own build. The Worker is minified with esbuild, not Vite 8's default
 * Oxc minifier, which breaks tfjs's worker source (../shared/BROWSER.md); the loader and its
 * plugin (no tfjs) use Oxc, which makes them smaller. Each build prints its sizes; the
 * gzip budgets (loader ≤ 6 KB, stub ≤ 1 KB) are checked at the end ("OVER BUDGET" lines).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'sdk');

/** Gzip budgets in bytes (issue 3 §4). */
const BUDGETS: Record<string, number> = { 'inkling.js': 6 * 1024, 'stub.min.js': 1024 };

function libBuild(options: {
  entry: string;
  format: 'iife' | 'es';
  fileName: string;
  outDir?: string;
  /** `false`: readable output; default esbuild (see the file comment); 'oxc' only where no tfjs is bundled. */
  minify?: false | 'esbuild' | 'oxc';
  target?: string;
}): InlineConfig {
  return {
    configFile: false,
    root,
    publicDir: false,
    logLevel: 'warn',
    build: {
      outDir: options.outDir ?? outDir,
      emptyOutDir: false,
      minify: options.minify ?? 'esbuild',
      target: options.target ?? 'es2022',
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      // Chunks (the Worker's lazily loaded tfjs backends) live at the site root beside the loader: prefixed.
      rollupOptions: {
        output: { chunkFileNames: 'inkling-[name]-[hash].js' },
        // @hpke/core falls back to Node's `import("crypto")` when no WebCrypto global exists; every
        // browser and Worker has one, so the import is left as written (never run) rather than
        // resolved to Vite's empty browser stub, which printed a warning on every build.
        external: ['crypto'],
        // The Worker's entry exports nothing anyone imports: letting the bundler add exports to it
        // keeps code the entry shares with its lazy chunks (idb, the propensity features) in the
        // entry, instead of a third file the Worker must fetch before it can start (one round trip).
        preserveEntrySignatures: 'allow-extension',
      },
      lib: {
        entry: join(root, options.entry),
        formats: [options.format],
        // An IIFE build needs a global name only when the entry exports; ours export nothing.
        name: 'inkling',
        fileName: () => options.fileName,
      },
    },
  };
}

/** After the loader build: the stub, the worker, the ESM entry, its types, then the budgets. */
function otherArtefacts(): Plugin {
  return {
    name: 'inkling-sdk-artefacts',
    apply: 'build',
    async closeBundle() {
      await build(libBuild({ entry: 'sdk/autocapture/plugin.ts', format: 'iife', fileName: 'inkling-autocapture.js', minify: 'oxc' }));
      await build(libBuild({ entry: 'sdk/stub.ts', format: 'iife', fileName: 'stub.js', minify: false }));
      await build(libBuild({ entry: 'sdk/stub.ts', format: 'iife', fileName: 'stub.min.js' }));
      const worker = await build(libBuild({ entry: 'worker/entry.worker.ts', format: 'es', fileName: 'inkling.worker.js', target: 'es2022' }));
      for (const file of emittedScripts(worker)) await minifyModule(join(outDir, file));
      await build(libBuild({ entry: 'sdk/index.ts', format: 'es', fileName: 'index.js', outDir: join(outDir, 'esm'), target: 'es2022' }));
      copyWasm();
      emitDeclarations();
      reportSizes();
    },
  };
}

/** The .js files a build wrote (the Worker's entry and its lazy chunks). */
function emittedScripts(result: Awaited<ReturnType<typeof build>>): string[] {
  const outputs = Array.isArray(result) ? result : [result];
  return outputs.flatMap((o) => ('output' in o ? o.output : [])).map((chunk) => chunk.fileName).filter((name) => name.endsWith('.js'));
}

/**
 * Vite leaves whitespace and names in an 'es' library build (so a bundler downstream can still
 * tree-shake), but the Worker and its chunks are finished files a browser fetches and compiles:
 * esbuild minifies each in place (export names kept, so the chunks still import from each other).
 */
async function minifyModule(file: string): Promise<void> {
  const { transform } = await import('esbuild');
  const { code } = await transform(readFileSync(file, 'utf8'), { minify: true, format: 'esm', target: 'es2022' });
  writeFileSync(file, code);
}

/** tfjs's WebAssembly backend fetches its .wasm files from next to the Worker (its wasmPaths). */
function copyWasm(): void {
  const from = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const file of readdirSync(from).filter((name) => name.endsWith('.wasm'))) copyFileSync(join(from, file), join(outDir, file));
}

/** `tsc --emitDeclarationOnly` over sdk/ (and the core/protocol types it re-exports). */
function emitDeclarations(): void {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'sdk', 'tsconfig.types.json')], { stdio: 'inherit' });
  writeFileSync(join(outDir, 'esm', 'index.d.ts'), "export * from './types/sdk/index.js';\n");
}

/** The rows of the size table: one file, or files a visitor downloads together (gzipped one by one). */
const SIZE_ROWS: { label: string; files: string[] }[] = [
  { label: 'inkling.js', files: ['inkling.js'] },
  { label: 'inkling-autocapture.js', files: ['inkling-autocapture.js'] },
  { label: '  loader + autocapture', files: ['inkling.js', 'inkling-autocapture.js'] },
  { label: 'stub.min.js', files: ['stub.min.js'] },
  { label: 'stub.js', files: ['stub.js'] },
  { label: 'inkling.worker.js', files: ['inkling.worker.js'] },
  { label: 'esm/index.js', files: ['esm/index.js'] },
];

function reportSizes(): void {
  const over: string[] = [];
  console.log('\ndist/sdk                   bytes    gzip');
  for (const { label, files } of SIZE_ROWS) {
    let bytes = 0;
    let gzip = 0;
    for (const file of files) {
      const content = readFileSync(join(outDir, file));
      bytes += content.length;
      gzip += gzipSync(content, { level: 9 }).length;
    }
    console.log(`${label.padEnd(24)} ${String(bytes).padStart(7)} ${String(gzip).padStart(7)}`);
    const budget = files.length === 1 ? BUDGETS[label] : undefined;
    if (budget !== undefined && gzip > budget) over.push(`${label} is ${gzip} B gzipped, over its budget of ${budget} B`);
  }
  // Reported, not fatal: a size regression must not break every other build and test.
  for (const line of over) console.warn(`OVER BUDGET: ${line}`);
}

// Oxc minifies the loader ~200 B (gzip) smaller than esbuild; it breaks only tfjs, which the loader never bundles.
const loader = libBuild({ entry: 'sdk/loader.ts', format: 'iife', fileName: 'inkling.js', minify: 'oxc' });
const { configFile: _notForTheMainBuild, ...loaderConfig } = loader;

export default defineConfig({
  ...loaderConfig,
  logLevel: 'info',
  build: { ...loader.build, emptyOutDir: true },
  plugins: [otherArtefacts()],
});
