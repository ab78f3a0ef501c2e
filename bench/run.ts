/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (so peak RSS is per benchmark) and
 * relays each one's JSON lines. `npm run bench -- normalize e2e` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && !f.includes('.tmp.'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${only.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  // Load-sized data sets (simulator in process) need more than node's default heap.
  const r = spawnSync(
    process.execPath,
    ['--max-old-space-size=12288', '--import', 'tsx', '--expose-gc', join(here, file)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${file} failed with exit code ${r.status}\n`);
  }
}
process.exit(failed ? 1 : 0);
