/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (so peak RSS is per benchmark) and
 * relays each one's JSON lines, each stamped with the Node version that ran it (node-stamp.ts).
 * `npm run bench -- normalize e2e` runs only the named ones; `--lambda-node` runs them on the Node
 * major of the Lambda runtime (Node 24 for nodejs24.x; infra/rehearse/lambda-node.ts fetches it from the
 * npm registry once when this Node is another major): `npm run bench -- --lambda-node normalize e2e`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stampNode } from './node-stamp.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('-'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && !f.includes('.tmp.'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${only.join(', ')}\n`);
  process.exit(2);
}

let node = { path: process.execPath, version: process.version };
if (args.includes('--lambda-node')) {
  // Loaded only here: the CDK library is the runtime's single source.
  const { LAMBDA_RUNTIME } = await import('../infra/lib/constructs/collector-function.ts');
  const { lambdaNode, runtimeNodeMajor } = await import('../infra/rehearse/lambda-node.ts');
  node = lambdaNode(runtimeNodeMajor(LAMBDA_RUNTIME.name), { log: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(`bench: on Node ${node.version} (${LAMBDA_RUNTIME.name})\n`);
}

let failed = 0;
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  // Load-sized data sets (simulator in process) need more than node's default heap.
  const child = spawn(
    node.path,
    ['--max-old-space-size=12288', '--import', 'tsx', '--expose-gc', join(here, file)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => process.stdout.write(`${stampNode(line, node.version)}\n`));
  const status = await new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`bench: could not start ${node.path}: ${error.message}\n`);
      resolve(null);
    });
    child.on('close', resolve);
  });
  if (status !== 0) {
    failed++;
    process.stderr.write(`bench: ${file} failed with exit code ${status}\n`);
  }
}
process.exit(failed ? 1 : 0);
