/** Runs every benchmark in `build/bench/` one after another (`npm run bench`), or those named. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const HELPERS = new Set(['run.js', 'synthetic-repo.js']);
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.js') && !HELPERS.has(file))
  .filter((file) => wanted.length === 0 || wanted.includes(path.basename(file, '.js')))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${path.basename(bench, '.js')}`);
  const run = spawnSync(process.execPath, [path.join(here, bench)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
