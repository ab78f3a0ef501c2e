/**
 * The stream collector alone, in its own process, for bench/stream.bench.ts: one run of the real
 * Event Stream path (composeStreamCollector + collectStream: client → telemetry normalizer →
 * delivery → local gzip sink, file checkpoint) against the stand-in API. Prints one JSON line: CPU
 * time, wall time, peak RSS, and the run summary counts.
 *
 * `node --import tsx bench/stream-worker.ts <apiUrl> <streamId> <dir>`
 */
import { join } from 'node:path';
import { FileCheckpointStore } from '../shared/checkpoint/file.ts';
import { collectStream } from '../shared/collector/stream.ts';
import {
  composeStreamCollector,
  createTelemetryDelivery,
  streamRunOptions,
} from '../shared/collector/telemetry-compose.ts';
import { parseSettings } from '../shared/config/load.ts';
import { systemClock } from '../shared/ports/clock.ts';
import { MemoryMetrics, silentLogger } from '../shared/ports/logger.ts';
import { LocalSink } from '../shared/sink/local.ts';

const [apiUrl, streamId, dir] = process.argv.slice(2);
if (!apiUrl || !streamId || !dir) throw new Error('usage: stream-worker <apiUrl> <streamId> <dir>');

const settings = parseSettings({
  apiUrl,
  eventStreamId: streamId,
  eventStreamChannels: 1,
  eventStreamReadSeconds: 900,
});
const sink = new LocalSink({ dir: join(dir, 'out') });
const metrics = new MemoryMetrics();
const delivery = createTelemetryDelivery({ settings, sink, metrics, logger: silentLogger });
const deps = composeStreamCollector({
  settings,
  credentials: { description: 'bench', get: async () => ({ clientId: 'bench', clientSecret: 'bench' }) },
  store: new FileCheckpointStore({ path: join(dir, 'checkpoint.json') }),
  delivery,
  clock: systemClock,
  logger: silentLogger,
  metrics,
});

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await collectStream(
  deps,
  streamRunOptions(settings, { owner: `bench-${process.pid}`, deadline: Date.now() + 3_600_000 }),
);
await sink.close();
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (summary.status !== 'complete') {
  process.stderr.write(`stream run ${summary.status}: ${JSON.stringify(summary)}\n`);
  process.exit(1);
}
const channel = summary.channels[0];
process.stdout.write(
  `${JSON.stringify({
    cpu_s: (cpu.user + cpu.system) / 1e6,
    wall_s: wall,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    events: summary.events,
    quarantined: summary.quarantined,
    reads: channel?.reads ?? 0,
    lines: channel?.lines ?? 0,
    bytes: channel?.bytes ?? 0,
  })}\n`,
);
