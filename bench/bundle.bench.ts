/**
 * The Lambda bundle as the stack builds it (esbuild, minified, CommonJS, @aws-sdk/* external because the
 * runtime provides it; CommonJS because the SDK's CJS build loads ~3x faster than its many ESM files) and its module init time (import of the bundle, median of several cold imports in
 * fresh processes). Prints {"bench":"bundle","bytes":...,"init_ms":...,"init_cpu_ms":...}. Goal: ≤ 400 KB, ≤ 150 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS } from './lambda-bundle.ts';

// Inside the project so the external @aws-sdk/* packages resolve, as the Lambda runtime provides them.
mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'ses-bundle-'));
try {
  const outfile = join(dir, 'index.cjs');
  const result = await build({ ...LAMBDA_BUNDLE_OPTIONS, outfile });
  const bytes = statSync(outfile).size;
  const inputs = Object.entries(
    result.metafile.outputs[Object.keys(result.metafile.outputs)[0] ?? '']?.inputs ?? {},
  );
  const byPackage = new Map<string, number>();
  for (const [path, info] of inputs) {
    const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m ? (m[1] ?? path) : 'project';
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6);
  // Init = evaluating the module graph, as a Lambda cold start does before the first invocation.
  const probe = join(dir, 'probe.cjs');
  writeFileSync(
    probe,
    `const c=process.cpuUsage(),t=performance.now();require(${JSON.stringify(outfile)});const d=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(d.user+d.system)/1000]));`,
  );
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, [probe], {
      cwd: process.cwd(),
      env: { ...process.env, AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`bundle failed to load: ${r.stderr}`);
    const [wallMs, cpuMs] = JSON.parse(r.stdout) as [number, number];
    samples.push(wallMs);
    cpuSamples.push(cpuMs);
  }
  samples.sort((a, b) => a - b);
  cpuSamples.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'bundle',
      bytes,
      kb: Math.round(bytes / 1024),
      init_ms: Math.round(samples[Math.floor(samples.length / 2)] ?? 0),
      // CPU time of the same imports: on a shared, loaded machine the wall time mostly measures the others.
      init_cpu_ms: Math.round(cpuSamples[Math.floor(cpuSamples.length / 2)] ?? 0),
      largest_inputs_kb: Object.fromEntries(top.map(([k, v]) => [k, Math.round(v / 1024)])),
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
