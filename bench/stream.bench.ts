/**
 * The Event Stream collector measured alone: a stand-in API in its own process serves pre-serialized
 * NDJSON lines in responses of BENCH_STREAM_RESPONSE_MB (default 100 MB each; bench/stream-standin.ts),
 * the collector runs in another (bench/stream-worker.ts: stream source → telemetry normalizer → local
 * gzip sink; its CPU time, wall time and peak RSS), and a third measures the floor on the same bytes
 * (bench/stream-floor.ts: JSON.parse of the lines → JSON.stringify of our documents → gzip).
 *
 * One JSON line `stream`: `events_per_cpu_s` of the collector and of the floor, `ratio_to_floor` =
 * floor CPU seconds / collector CPU seconds (target ≥ 0.5), and `peak_rss_mb` of the collector while
 * it read responses of `response_mb` each (target ≤ 300 MB for 100 MB responses: the client parses
 * as it streams). BENCH_STREAM_EVENTS (default 75 000, three 100 MB responses) sets the volume.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, node, runJson } from './process-measure.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const EVENTS = Number(process.env.BENCH_STREAM_EVENTS ?? 75_000);
const RESPONSE_MB = Number(process.env.BENCH_STREAM_RESPONSE_MB ?? 100);
const RSS_TARGET_MB = 300;
const RATIO_TARGET = 0.5;

interface Standin {
  api: string;
  streamId: string;
  events: number;
  lines: number;
  linesPerResponse: number;
  lineBytes: number;
}
interface Worker {
  cpu_s: number;
  wall_s: number;
  peak_rss_mb: number;
  events: number;
  quarantined: number;
  reads: number;
  lines: number;
  bytes: number;
}
interface Floor {
  parse_s: number;
  stringify_s: number;
  gzip_s: number;
  floor_s: number;
  input_bytes: number;
  output_bytes: number;
}

const round = (n: number, d = 3) => Number(n.toFixed(d));
const dir = mkdtempSync(join(tmpdir(), 'ses-bench-stream-'));
const templateFile = join(dir, 'lines.ndjson');
const standinChild = node([
  join(here, 'stream-standin.ts'),
  String(EVENTS),
  String(RESPONSE_MB),
  templateFile,
]);
try {
  const standin = JSON.parse(await firstLine(standinChild)) as Standin;
  const floor = await runJson<Floor>([join(here, 'stream-floor.ts'), templateFile, String(standin.events)]);
  const runDir = mkdtempSync(join(dir, 'run-'));
  const w = await runJson<Worker>([join(here, 'stream-worker.ts'), standin.api, standin.streamId, runDir]);
  if (w.events !== standin.events) {
    throw new Error(`delivered ${w.events} events of ${standin.events} (${w.quarantined} quarantined)`);
  }
  const ratio = floor.floor_s / w.cpu_s;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'stream',
      sink: 'local',
      events: w.events,
      reads: w.reads,
      lines: w.lines,
      input_mb: round(w.bytes / 1e6, 1),
      response_mb: round((standin.linesPerResponse * standin.lineBytes) / 1e6, 1),
      collector_cpu_s: round(w.cpu_s, 2),
      collector_wall_s: round(w.wall_s, 2),
      events_per_cpu_s: Math.round(w.events / w.cpu_s),
      floor_s: round(floor.floor_s, 2),
      floor_parse_s: round(floor.parse_s, 2),
      floor_stringify_s: round(floor.stringify_s, 2),
      floor_gzip_s: round(floor.gzip_s, 2),
      floor_events_per_cpu_s: Math.round(w.events / floor.floor_s),
      ratio_to_floor: round(ratio),
      ratio_target: RATIO_TARGET,
      peak_rss_mb: w.peak_rss_mb,
      rss_target_mb: RSS_TARGET_MB,
      pass: ratio >= RATIO_TARGET && w.peak_rss_mb <= RSS_TARGET_MB,
    })}\n`,
  );
} finally {
  standinChild.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
