/**
 * End-to-end throughput: simulator → client → normalize → local sink, with the file checkpoint, as
 * `npm start` runs it but without the detection rules (`--no-monitors`): they have their own cost, whose
 * state grows with the alerts they remember (docs/performance.md); BENCH_E2E_MONITORS=1 includes them. The simulator runs in its own process so the figures (and peak RSS) are
 * the collector's alone. Prints one JSON line per size:
 * {"bench":"e2e","incidents":N,"records":R,"incidents_per_s":...,"peak_rss_mb":...}
 * `incidents` counts incident documents delivered (creations and updates), `records` adds events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runLocalCollection } from '../shared/collector/local.ts';
import { parseSettings } from '../shared/config/load.ts';
import { silentLogger } from '../shared/ports/logger.ts';

const sizes = (process.env.BENCH_E2E_SIZES ?? '10000,200000').split(',').map(Number);

async function startSimulatorProcess(
  incidents: number,
): Promise<{ child: ChildProcess; url: string; id: string; secret: string }> {
  const child = spawn(
    process.execPath,
    // A 200k-incident data set (with its serialized pages cached) outgrows node's default heap.
    [
      '--max-old-space-size=12288',
      'bin/ses-connector.js',
      'simulator',
      '--port',
      '0',
      '--seed',
      '3',
      '--incidents',
      String(incidents),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const rl = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve) => rl.once('line', resolve));
  const info = JSON.parse(first) as { url: string; client_id: string; client_secret: string };
  return { child, url: info.url, id: info.client_id, secret: info.client_secret };
}

for (const size of sizes) {
  const sim = await startSimulatorProcess(size);
  const dir = mkdtempSync(join(tmpdir(), 'ses-bench-e2e-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const started = performance.now();
    const { summary } = await runLocalCollection({
      settings: parseSettings({ apiUrl: sim.url, openSweepMinutes: 0 }),
      credentials: {
        description: 'bench',
        get: async () => ({ clientId: sim.id, clientSecret: sim.secret }),
      },
      outDir: join(dir, 'out'),
      checkpointFile: join(dir, 'checkpoint.json'),
      logger: silentLogger,
      monitors: process.env.BENCH_E2E_MONITORS === '1',
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (summary.status !== 'complete') throw new Error(`run ${summary.status}: ${summary.reason}`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'e2e',
        monitors: process.env.BENCH_E2E_MONITORS === '1',
        incidents: summary.incidents,
        generated_incidents: size,
        records: summary.incidents + summary.events,
        pages: summary.pages,
        seconds: Number(seconds.toFixed(2)),
        incidents_per_s: Math.round(summary.incidents / seconds),
        records_per_s: Math.round((summary.incidents + summary.events) / seconds),
        peak_rss_mb: Math.round(peak / 1048576),
      })}\n`,
    );
  } finally {
    clearInterval(sampler);
    sim.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
