/**
 * `npm run rehearse`: the deploy rehearsal (infra/rehearse/rehearse.ts). Synthesizes into cdk.out with
 * the CDK CLI (or reuses `--assembly DIR`), runs, prints what it did, exits 1 on any failure. Without
 * moto_server it skips (exit 0) locally and fails under CI=true.
 */

import path from 'node:path';
import { motoAvailable } from './moto.ts';
import { REPO_ROOT, rehearse } from './rehearse.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--assembly');
const assemblyDir = at >= 0 ? args[at + 1] : undefined;

if (!motoAvailable()) {
  const message = 'rehearsal: moto_server is not on PATH (pip install "moto[server]==5.2.1")';
  if (process.env.CI === 'true') {
    console.error(`${message}; CI=true requires it`);
    process.exit(1);
  }
  console.log(`${message}; skipped`);
  process.exit(0);
}

const started = Date.now();
const report = await rehearse({
  ...(assemblyDir ? { assemblyDir } : { outDir: path.join(REPO_ROOT, 'cdk.out') }),
  log: (line) => console.log(line),
}).catch((error: unknown) => {
  // A setup failure (synth, moto, the runtime's Node) is one line that says what to do.
  console.error(`rehearsal FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (report.failures.length) {
  console.error(`rehearsal FAILED (${report.failures.length}) in ${seconds} s:`);
  for (const f of report.failures) console.error(`  - ${f}`);
  process.exit(1);
}
const nodes = [...new Set(report.bundles.map((b) => `${b.runtime} on Node ${b.node}`))].join(', ');
console.log(
  `rehearsal passed in ${seconds} s: ${report.functions.length} function(s), ${report.functions.reduce((n, f) => n + f.invocations, 0)} invocations (${nodes})`,
);
