/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another (never two
 * at once on a 2-core machine), prints what each prints, and writes the lot to bench/RESULTS.md
 * with the date and the machine. `npm run bench -- dp` runs only the benches whose name contains "dp"
 * and replaces only their sections of bench/RESULTS.md, each dated (the others keep theirs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const resultsFile = join(here, 'RESULTS.md');
const today = new Date().toISOString().slice(0, 10);
if (!filter) {
  const header = `# Benchmark results\n\nWritten by \`npm run bench\` on ${today}; machine: ${machine}.\n\n`;
  writeFileSync(resultsFile, header + sections.join('\n'));
} else if (existsSync(resultsFile) && sections.length > 0) {
  // Only the benches that ran: their sections are replaced (or appended, in file order), dated.
  const text = readFileSync(resultsFile, 'utf8');
  const starts = [...text.matchAll(/^## (\S+\.bench\.ts)$/gm)];
  const header = text.slice(0, starts[0]?.index ?? text.length);
  const kept = new Map(starts.map((m, i) => [m[1]!, text.slice(m.index, starts[i + 1]?.index ?? text.length).trimEnd() + '\n']));
  benches.forEach((file, i) => kept.set(file, sections[i]!.replace(/\n\n/, `\n\n(Re-run alone by \`npm run bench -- ${filter}\` on ${today}; machine: ${machine}.)\n\n`)));
  const ordered = [...kept.keys()].sort().map((file) => kept.get(file)!);
  writeFileSync(resultsFile, header + ordered.join('\n'));
}
process.exit(failed ? 1 : 0);
