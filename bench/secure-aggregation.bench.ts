/**
 * What secure aggregation costs, side by side in one run, at the storefront's MF size
 * (2,588 items × (16 + 1) = 43,996 coordinates):
 *
 * 1. Bytes uploaded per contribution: the plain 4-bytes-per-coordinate vector, the INK1 upload
 *    (one aggregator sees the noised vector) and the INK2 upload (leader share + sealed helper
 *    seed). Target: INK2 ≤ 1.1 × 4 bytes per coordinate.
 * 2. Device time in Chromium (a page of the built core code, WebCrypto, one thread): privatize
 *    (clip, round, local noise) — needed either way — then frame it plain (INK1) or share + seal
 *    (INK2), alternating, median of 30 each.
 * 3. The aggregators, each in a child process of its own on loopback HTTP (one Node thread
 *    each): leader contributions/s (INK2 framing, batching, forwarding sealed seeds to the
 *    helper, durable commit of its share), the helper's share of that work (HPKE opens and
 *    durable seed rows) as contributions/s of its own CPU, and the round close (collect from
 *    the helper, combine, FedAvg, new model). Target: ≥ 2,000 contributions/s per core for each.
 *
 * Run: `node --import tsx bench/secure-aggregation.bench.ts` (needs /usr/bin/chromium).
 */
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contributionByteLength } from '../core/protocol/aggregator.js';
import { sharedContributionByteLength } from '../core/protocol/secure-aggregation.js';
import { SEALED_SEED_BYTES } from '../core/secagg/hpke.js';
import { launchContext } from '../test/support/chromium.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const D = 2588 * 17;

// ---------------------------------------------------------------------------------------------
// 1. Bytes

const plain = 4 * D;
const ink1 = contributionByteLength(D);
const ink2 = sharedContributionByteLength(D, SEALED_SEED_BYTES);
console.log(`MF task: d = ${D.toLocaleString('en-US')} coordinates.\n`);
console.log('| upload | bytes | ÷ 4 bytes per coordinate | target |');
console.log('|---|---|---|---|');
console.log(`| plain vector (4 bytes per coordinate) | ${plain.toLocaleString('en-US')} | 1.0000 | |`);
console.log(`| INK1: noised vector to one aggregator | ${ink1.toLocaleString('en-US')} | ${(ink1 / plain).toFixed(4)} | |`);
console.log(`| INK2: leader share + HPKE-sealed helper seed | ${ink2.toLocaleString('en-US')} | ${(ink2 / plain).toFixed(4)} | ≤ 1.1 |`);

// ---------------------------------------------------------------------------------------------
// 2. Device time in Chromium

const PAGE_SOURCE = `
import { createVectorSumMechanism } from './core/dp/mechanisms/vector-sum.ts';
import { secureRandom } from './core/dp/random.ts';
import { encodeContribution } from './core/protocol/aggregator.ts';
import { generateHpkeKeyPair } from './core/secagg/hpke.ts';
import { buildSharedUpload } from './core/secagg/upload.ts';

const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
window.measure = async (d, rounds) => {
  const random = secureRandom();
  const { config } = await generateHpkeKeyPair(1);
  // The MF task's grid (clip 1, granularity 1e-4) and a distributed-noise share of σ ≈ 900 grid steps.
  const mechanism = createVectorSumMechanism({ dimension: d, clipNorm: 1, granularity: 1e-4, noiseStddev: 900 }, random);
  const update = new Float32Array(d).map((_, i) => Math.sin(i) * 0.004);
  const privatize = [], plain = [], shared = [];
  for (let r = 0; r < rounds + 3; r++) {
    let t = performance.now();
    const values = mechanism.release(update).output;
    const p = performance.now() - t;
    const id = new Uint8Array(16); crypto.getRandomValues(id);
    t = performance.now();
    encodeContribution({ id, modelVersion: 3, values });
    const a = performance.now() - t;
    t = performance.now();
    await buildSharedUpload({ values, id, modelVersion: 3, roundId: 'mf-items-v3-bench', helperKey: config, random });
    const b = performance.now() - t;
    if (r >= 3) { privatize.push(p); plain.push(a); shared.push(b); }
  }
  return { privatize: median(privatize), plain: median(plain), shared: median(shared) };
};
`;

const bundle = await build({
  stdin: { contents: PAGE_SOURCE, resolveDir: root, loader: 'js', sourcefile: 'secagg-bench-page.js' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  write: false,
  minify: true,
});
const pageJs = bundle.outputFiles[0]!.text;
const server = createServer((request, response) => {
  if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(pageJs);
  else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchContext();
try {
  const tab = await browser.context.newPage();
  await tab.goto(origin + '/');
  await tab.waitForFunction(() => 'measure' in window);
  const m = await tab.evaluate(([d, rounds]) => (window as unknown as { measure(d: number, r: number): Promise<{ privatize: number; plain: number; shared: number }> }).measure(d, rounds), [D, 30] as const);
  console.log('\nDevice, Chromium page (main thread of a bare page; the SDK does this in its Worker), median of 30:\n');
  console.log('| step | ms |');
  console.log('|---|---|');
  console.log(`| privatize: clip, conditional rounding, discrete Gaussian noise (either upload) | ${m.privatize.toFixed(1)} |`);
  console.log(`| INK1: frame the noised vector | ${m.plain.toFixed(2)} |`);
  console.log(`| INK2: share (AES-CTR PRG, subtract mod 2^32) + HPKE seal + frame | ${m.shared.toFixed(2)} |`);
  console.log(`| secure aggregation's extra device time ÷ privatize | ${((m.shared - m.plain) / m.privatize).toFixed(3)} |`);
} finally {
  await browser.close();
  server.close();
}
