/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another (never two
 * at once on a 2-core machine), prints what each prints, and writes the lot to bench/RESULTS.md
 * with the date and the machine. `npm run bench -- dp` runs only the benches whose name contains "dp".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const sections: string[] = [];
let failed = false;
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    failed = true;
    console.error(`${file} exited with ${result.status}`);
  }
  sections.push(`## ${file}\n\n${result.stdout.trim()}\n`);
}

if (!filter) {
  const header = `# Benchmark results\n\nWritten by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.\n\n`;
  writeFileSync(join(here, 'RESULTS.md'), header + sections.join('\n'));
}
process.exit(failed ? 1 : 0);
