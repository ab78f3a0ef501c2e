/**
 * The collector alone, in its own process, for bench/e2e.bench.ts: one run of the real collector
 * (composeCollector + collect, file checkpoint; no detection rules unless BENCH_E2E_RULES=1) against the stand-in API, into the
 * local gzip sink or a FirehoseSink on the stand-in's PutRecordBatch endpoint. Prints one JSON line:
 * its CPU time, wall time, peak RSS, the run summary counts, checkpoint writes and the Firehose stats;
 * with BENCH_E2E_WARM=1 also `warm`: the same collection again in the same process (a warm container).
 *
 * `node --import tsx bench/collector-worker.ts <apiUrl> local|firehose|firehose-single <dir> [firehoseUrl]`
 */
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { FileCheckpointStore } from '../shared/checkpoint/file.ts';
import { collect, MONITOR_STATE_SAVE_MS } from '../shared/collector/collect.ts';
import { composeCollector } from '../shared/collector/compose.ts';
import { parseSettings } from '../shared/config/load.ts';
import { createMonitorEngine, parseMonitorsConfig } from '../shared/monitors/index.ts';
import type { CheckpointStore } from '../shared/ports/checkpoint-store.ts';
import { systemClock } from '../shared/ports/clock.ts';
import { MemoryMetrics, silentLogger } from '../shared/ports/logger.ts';
import type { Sink } from '../shared/ports/sink.ts';
import { FirehoseSink } from '../shared/sink/firehose.ts';
import { LocalSink } from '../shared/sink/local.ts';
import { threadCpuDelta, threadCpuSeconds } from './process-measure.ts';

const [apiUrl, mode, dir, firehoseUrl] = process.argv.slice(2);
if (!apiUrl || !mode || !dir) throw new Error('usage: collector-worker <apiUrl> <mode> <dir> [firehoseUrl]');

const settings = parseSettings({
  apiUrl,
  // One window over the stand-in's data (it serves the same pages whatever the dates).
  initialLookbackMinutes: 24 * 60,
  maxWindowMinutes: 24 * 60,
  openSweepMinutes: 0,
  pageSize: 1000,
  // The stand-in's total is the whole set whatever the window: a cap above it keeps one window.
  resultCap: 1_000_000,
  // As the Lambda and the CLI read it (the default when unset); A/B runs set 0 for V8's own.
  heapGrowingPercent: process.env.SES_HEAP_GROWING_PERCENT,
});

/** One collector as a run composes it (sink, counted checkpoint store, rules), in `runDir`. */
function composeRun(runDir: string) {
  let firehose: FirehoseSink | undefined;
  let sink: Sink;
  if (mode === 'local') {
    sink = new LocalSink({ dir: join(runDir, 'out') });
  } else {
    firehose = new FirehoseSink({
      streamName: 'bench-s3',
      aggregate: mode === 'firehose',
      client: new FirehoseClient({
        region: 'us-east-1',
        endpoint: firehoseUrl,
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      }),
    });
    sink = firehose;
  }

  // Count checkpoint-store writes (DynamoDB writes in the Lambda) and their sizes.
  const file = new FileCheckpointStore({ path: join(runDir, 'checkpoint.json') });
  const writes = { count: 0, bytes: 0 };
  const store = new Proxy(file, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && !prop.startsWith('load') && !prop.startsWith('read')) {
          writes.count++;
          writes.bytes += JSON.stringify(args.slice(1)).length;
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as CheckpointStore;

  // BENCH_E2E_RULES=1: the nine detection rules on with their defaults, as the Lambda runs them.
  const monitors =
    process.env.BENCH_E2E_RULES === '1'
      ? createMonitorEngine({
          config: parseMonitorsConfig({}),
          store,
          tenant: settings.tenant,
          logger: silentLogger,
          clock: systemClock,
          saveIntervalMs: MONITOR_STATE_SAVE_MS,
        })
      : undefined;

  const deps = composeCollector({
    settings,
    credentials: { description: 'bench', get: async () => ({ clientId: 'bench', clientSecret: 'bench' }) },
    store,
    sink,
    clock: systemClock,
    logger: silentLogger,
    metrics: new MemoryMetrics(),
    ...(monitors ? { monitors } : {}),
  });
  return { deps, sink, firehose, writes };
}

// BENCH_E2E_PAGE_CPU=1: the CPU ms of every 5 pages on stderr (how much of a run is warm-up).
function pageCpu(): (() => void) | undefined {
  if (process.env.BENCH_E2E_PAGE_CPU !== '1') return undefined;
  let pages = 0;
  let last = process.cpuUsage();
  return () => {
    if (++pages % 5 !== 0) return;
    const d = process.cpuUsage(last);
    last = process.cpuUsage();
    process.stderr.write(
      `collector: pages ${pages - 4}-${pages}: ${Math.round((d.user + d.system) / 1000)} CPU ms\n`,
    );
  };
}
const onProgress = pageCpu();

// Full (mark-compact) collections during the run: what the heap growth setting changes.
let majorGcs = 0;
const gcs = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const detail = (entry as { detail?: { kind?: number } }).detail;
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  }
});
gcs.observe({ entryTypes: ['gc'] });

/** One collect of a freshly composed collector into `runDir`: its CPU, wall and thread seconds. */
async function measuredRun(runDir: string) {
  const run = composeRun(runDir);
  const threads0 = threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await collect(run.deps, {
    settings,
    owner: `bench-${process.pid}`,
    deadline: Date.now() + 3_600_000,
    ...(onProgress ? { onProgress } : {}),
  });
  await run.sink.close();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const threads = threadCpuDelta(threads0, threadCpuSeconds());
  if (summary.status !== 'complete') {
    process.stderr.write(`collector run ${summary.status}: ${JSON.stringify(summary)}\n`);
    process.exit(1);
  }
  return { run, summary, wall, cpu_s: (cpu.user + cpu.system) / 1e6, threads };
}

const cold = await measuredRun(dir);
// Entries are delivered asynchronously: let the last ones arrive before the forced GC below.
await new Promise((resolve) => setImmediate(resolve));
gcs.disconnect();
// What the collector still holds after the run (its composed state is still referenced): with a full GC
// first, this is retained memory, not garbage the heap had not collected yet (peak RSS mixes both).
(globalThis as { gc?: () => void }).gc?.();
const retainedMb = Math.round(process.memoryUsage().heapUsed / 1024 ** 2);
// Read before any warm run, so it is the cold run's peak.
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

// BENCH_E2E_WARM=1: the same collection again in this process, with a new checkpoint store, sink and
// composition, as the next scheduled invocation runs in a warm Lambda container: modules loaded, code
// compiled and optimized, caches filled. The cold run above stays the headline figure.
let warm: { cpu_s: number; wall_s: number; threads_cpu_s: ReturnType<typeof threadCpuDelta> } | undefined;
if (process.env.BENCH_E2E_WARM === '1') {
  const again = await measuredRun(join(dir, 'warm'));
  if (again.summary.incidents !== cold.summary.incidents || again.summary.events !== cold.summary.events) {
    process.stderr.write(
      `warm run delivered ${again.summary.incidents} versions and ${again.summary.events} events, the cold run ${cold.summary.incidents} and ${cold.summary.events}\n`,
    );
    process.exit(1);
  }
  warm = { cpu_s: again.cpu_s, wall_s: again.wall, threads_cpu_s: again.threads };
}

process.stdout.write(
  `${JSON.stringify({
    cpu_s: cold.cpu_s,
    wall_s: cold.wall,
    peak_rss_mb: peakRssMb,
    heap_after_gc_mb: retainedMb,
    incidents: cold.summary.incidents,
    events: cold.summary.events,
    pages: cold.summary.pages,
    major_gcs: majorGcs,
    heap_growing_percent: settings.heapGrowingPercent,
    checkpoint_writes: cold.run.writes.count,
    checkpoint_write_bytes: cold.run.writes.bytes,
    firehose: cold.run.firehose?.stats,
    threads_cpu_s: cold.threads,
    ...(warm ? { warm } : {}),
  })}\n`,
);
