/**
 * The collector end to end, events included, measured alone: a stand-in API in its own process serves
 * pre-serialized pages (bench/standin.ts), the collector runs in another (bench/collector-worker.ts:
 * its CPU time, wall time, peak RSS), and a third measures the floor on the same bytes
 * (bench/floor-worker.ts: JSON.parse of the bodies → JSON.stringify of our documents → gzip).
 *
 * JSON lines:
 * - `e2e` per sink and size: `ratio_to_floor` = floor CPU seconds / collector CPU seconds (local sink:
 *   floor with gzip; Firehose: with the base64 and SHA-256 payload hash the protocol requires of the
 *   bytes sent, while the collector pays the SDK's request serialization on a loopback PutRecordBatch
 *   endpoint). The floor counts the documents the collector delivers (duplicates skipped by id);
 *   `ratio_to_floor_all_docs` is the ratio as first reported (every normalized document in the floor,
 *   and for Firehose parse + stringify only).
 *   `normalize_s` is the normalizer alone on the same records (parsed beforehand), and
 *   `ratio_to_floor_with_normalize` = (floor + normalize_s) / collector CPU: the share of the collector's
 *   CPU that is the floor's work plus normalization, the rest being GC, HTTP, de-duplication and I/O.
 *   `firehose-single` is one document per record (as before aggregation), `firehose` packs them.
 *   `threads_cpu_s` splits the collector's CPU into its main thread and the helper threads.
 * - `e2e_rss`: peak RSS of the collector at the smallest and largest size (local sink), and its heap
 *   after a full GC at the end of the run (what it retains, as opposed to garbage not yet collected).
 * - `cost`: dollars per million incident versions and per million events, with and without aggregation,
 *   from the Firehose runs' figures (bench/cost.ts has the dated prices).
 *
 * - `pipeline_*` (local and Firehose): the cheapest whole pipeline measured the same way
 *   (bench/pipeline-floor-worker.ts: `node:http` GET → decode → parse → our normalizer → stringify →
 *   gzip file or PutRecordBatch, and nothing else). `pipeline_ratio_to_floor` is the
 *   `ratio_to_floor` of a collector doing only the required steps with this normalizer on Node, and
 *   `ratio_to_pipeline` (pipeline CPU / collector CPU) how close the collector comes to it. The
 *   `e2e_rss` line has the pipeline's peak RSS at both sizes too: the growth a pipeline without any of
 *   the collector's state shows. BENCH_E2E_PIPELINE=0 leaves it out.
 *
 * - `warm_*` (the first size): each collector worker collects the same data a second time in its own
 *   process, with a new checkpoint store, sink and composition, as the next scheduled invocation of a
 *   warm Lambda container does; `warm_ratio_to_floor` compares that run with the floor, itself measured
 *   warm (best of 3). `ratio_to_floor` (the cold run) stays the headline. BENCH_E2E_WARM=0 leaves it out.
 *
 * BENCH_E2E_RULES=1 runs the collector with the nine detection rules on (defaults), as the Lambda does;
 * its lines carry `"rules":true`.
 *
 * BENCH_E2E_SIZES (default 50000,500000) sets the incident versions per local run; the Firehose runs
 * use the first size. BENCH_E2E_PAIRS (default 3) is how many times each sink at the first size runs
 * beside a floor of its own: the line is the pair of median ratio, `ratio_to_floor_pairs` all of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRICES, perMillion, type RunFigures, runCost } from './cost.ts';
import { lambdaHeapFlags, runJson, startStandin } from './process-measure.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const sizes = (process.env.BENCH_E2E_SIZES ?? '50000,500000').split(',').map(Number);
const TEMPLATE_PAGES = Number(process.env.BENCH_E2E_TEMPLATE_PAGES ?? 8);
// The sinks measured at the first size (BENCH_E2E_MODES, default all three); larger sizes run `local`.
const FIRST_MODES = (process.env.BENCH_E2E_MODES ?? 'local,firehose,firehose-single').split(',');
const LAMBDA_MEMORY_MB = 1024; // infra/lib/constructs/collector-function.ts
// The collector and the floor run with the heap the Lambda runtime gives that function (a 51 MB
// semi-space, where V8's default is 16 MB, and a 922 MB old space), so garbage is collected as in the
// Lambda. BENCH_E2E_HEAP=default runs them as before: V8's young generation, a 4 GiB old space.
const HEAP_FLAGS = process.env.BENCH_E2E_HEAP === 'default' ? undefined : lambdaHeapFlags(LAMBDA_MEMORY_MB);
const BUFFER_BYTES = 64 * 1024 ** 2; // the stack's default Firehose buffer (64 MiB)

interface WorkerResult {
  cpu_s: number;
  /** The same collection again in the same process (BENCH_E2E_WARM=1: the first size). */
  warm?: { cpu_s: number; wall_s: number; threads_cpu_s: WorkerResult['threads_cpu_s'] };
  wall_s: number;
  peak_rss_mb: number;
  heap_after_gc_mb: number;
  incidents: number;
  events: number;
  pages: number;
  checkpoint_writes: number;
  checkpoint_write_bytes: number;
  major_gcs: number;
  heap_growing_percent: number;
  /** Main (JavaScript) thread and the others (V8's GC helpers, libuv's pool for zlib). */
  threads_cpu_s: { main: number; others: number; busiest_other: number };
  firehose?: { calls: number; records: number; documents: number; bytes: number; billedBytes: number };
}
/** bench/pipeline-floor-worker.ts's line. */
interface PipelineResult {
  cpu_s: number;
  wall_s: number;
  peak_rss_mb: number;
  incidents: number;
  documents: number;
  threads_cpu_s: { main: number; others: number; busiest_other: number };
}
interface Floor {
  parse_s: number;
  stringify_s: number;
  gzip_s: number;
  base64_s: number;
  sha256_s: number;
  normalize_s: number;
  floor_local_s: number;
  floor_firehose_s: number;
  floor_all_docs_local_s: number;
  floor_all_docs_firehose_s: number;
  input_bytes: number;
  gzip_bytes: number;
  datasets: Record<string, { docs: number; bytes: number; billed_single: number }>;
}

const round = (n: number, d = 3) => Number(n.toFixed(d));
const floorOf = (mode: string, floor: Floor) =>
  mode === 'local' ? floor.floor_local_s : floor.floor_firehose_s;
// Floor + collector pairs per sink at the first size (larger sizes: one pair).
const PAIRS = Math.max(1, Number(process.env.BENCH_E2E_PAIRS ?? 3));
// The sinks the cheapest pipeline is measured for (it aggregates: `firehose-single` has none).
const PIPELINE_MODES = process.env.BENCH_E2E_PIPELINE === '0' ? [] : ['local', 'firehose'];
// At the first size each collector worker also collects a second time in the same process, as the
// next invocation of a warm Lambda container does (`warm_*` fields); BENCH_E2E_WARM=0 leaves it out.
const WARM = process.env.BENCH_E2E_WARM !== '0';
const rss: Record<number, number> = {};
const pipelineRss: Record<number, number> = {};
const retained: Record<number, number> = {};
const firehoseRuns: Record<string, { w: WorkerResult; floor: Floor }> = {};

function printCost(): void {
  for (const [mode, { w, floor }] of Object.entries(firehoseRuns)) {
    const f = w.firehose!;
    const figures: RunFigures = {
      versions: w.incidents,
      events: w.events,
      bytes: f.bytes,
      billedBytes: f.billedBytes,
      calls: f.calls,
      wallSeconds: w.wall_s,
      lambdaMemoryMB: LAMBDA_MEMORY_MB,
      checkpointWrites: w.checkpoint_writes,
      writeUnitsPerWrite: Math.max(
        1,
        Math.ceil(w.checkpoint_write_bytes / Math.max(1, w.checkpoint_writes) / 1024),
      ),
      // One object per full buffer, and at least one per partition (dataset × day) the data touches.
      objects: Math.ceil(f.bytes / BUFFER_BYTES) + Object.keys(floor.datasets).length * 2,
      storedBytes: floor.gzip_bytes,
    };
    const cost = runCost(figures);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'cost',
        aggregation: mode === 'firehose',
        prices_as_of: PRICES.asOf,
        incident_versions: w.incidents,
        events: w.events,
        bytes_sent: f.bytes,
        billed_bytes: f.billedBytes,
        billed_5kb_units: Math.round(f.billedBytes / 5120),
        put_record_batch_calls: f.calls,
        lambda_gb_s: round((w.wall_s * LAMBDA_MEMORY_MB) / 1024, 2),
        dynamodb_writes: figures.checkpointWrites * figures.writeUnitsPerWrite,
        s3_objects: figures.objects,
        usd_per_million_versions: perMillion(cost, w.incidents),
        usd_per_million_events: perMillion(cost, w.events),
      })}\n`,
    );
  }
}

for (const [i, size] of sizes.entries()) {
  const dir = mkdtempSync(join(tmpdir(), 'ses-bench-e2e-'));
  const pageFile = join(dir, 'pages.ndjson');
  const standin = await startStandin(size, TEMPLATE_PAGES, pageFile);
  try {
    const modes = i === 0 ? FIRST_MODES : ['local'];
    for (const mode of modes) {
      // Floor and collector in turn, PAIRS times: the machine's speed drifts within minutes, so only
      // a floor measured beside its run compares with it. The line is the pair of median ratio.
      const runs: { w: WorkerResult; floor: Floor; ratio: number; pipeline?: PipelineResult }[] = [];
      for (let p = 0; p < (i === 0 ? PAIRS : 1); p++) {
        const floor = await runJson<Floor>(
          [join(here, 'floor-worker.ts'), pageFile, String(standin.versions)],
          HEAP_FLAGS,
        );
        let pipeline: PipelineResult | undefined;
        if (PIPELINE_MODES.includes(mode)) {
          const pipeDir = mkdtempSync(join(dir, `pipeline-${mode}-`));
          pipeline = await runJson<PipelineResult>(
            [join(here, 'pipeline-floor-worker.ts'), standin.api, mode, pipeDir, standin.firehose],
            HEAP_FLAGS,
          );
          rmSync(pipeDir, { recursive: true, force: true });
          if (pipeline.incidents !== standin.versions) {
            throw new Error(
              `pipeline ${mode}: read ${pipeline.incidents} incident versions of ${standin.versions}`,
            );
          }
        }
        const runDir = mkdtempSync(join(dir, `${mode}-`));
        const w = await runJson<WorkerResult>(
          [join(here, 'collector-worker.ts'), standin.api, mode, runDir, standin.firehose],
          HEAP_FLAGS,
          { ...process.env, BENCH_E2E_WARM: i === 0 && WARM ? '1' : '0' },
        );
        rmSync(runDir, { recursive: true, force: true });
        if (w.incidents !== standin.versions) {
          throw new Error(`${mode}: delivered ${w.incidents} incident versions of ${standin.versions}`);
        }
        if (pipeline && pipeline.documents !== w.incidents + w.events) {
          throw new Error(
            `pipeline ${mode}: delivered ${pipeline.documents} documents, the collector ${w.incidents + w.events}`,
          );
        }
        runs.push({ w, floor, ratio: floorOf(mode, floor) / w.cpu_s, pipeline });
      }
      const pairs = runs.map((r) => round(r.ratio));
      const { w, floor, pipeline } = [...runs].sort((a, b) => a.ratio - b.ratio)[(runs.length - 1) >> 1]!;
      const floorS = floorOf(mode, floor);
      if (mode === 'local') {
        rss[size] = w.peak_rss_mb;
        retained[size] = w.heap_after_gc_mb;
        if (pipeline) pipelineRss[size] = pipeline.peak_rss_mb;
      } else firehoseRuns[mode] = { w, floor };
      process.stdout.write(
        `${JSON.stringify({
          bench: 'e2e',
          sink: mode,
          ...(process.env.BENCH_E2E_RULES === '1' ? { rules: true } : {}),
          incident_versions: w.incidents,
          events: w.events,
          pages: w.pages,
          collector_cpu_s: round(w.cpu_s, 2),
          collector_wall_s: round(w.wall_s, 2),
          versions_per_cpu_s: Math.round(w.incidents / w.cpu_s),
          records_per_cpu_s: Math.round((w.incidents + w.events) / w.cpu_s),
          peak_rss_mb: w.peak_rss_mb,
          heap_after_gc_mb: w.heap_after_gc_mb,
          threads_cpu_s: w.threads_cpu_s,
          // Full collections during the run, at the heap growth it ran with (SES_HEAP_GROWING_PERCENT).
          major_gcs: w.major_gcs,
          heap_growing_percent: w.heap_growing_percent,
          floor_s: round(floorS, 2),
          floor_parse_s: round(floor.parse_s, 2),
          floor_stringify_s: round(floor.stringify_s, 2),
          ...(mode === 'local'
            ? { floor_gzip_s: round(floor.gzip_s, 2) }
            : { floor_base64_s: round(floor.base64_s, 2), floor_sha256_s: round(floor.sha256_s, 2) }),
          ratio_to_floor: round(floorS / w.cpu_s),
          // Every pair's ratio, in run order (BENCH_E2E_PAIRS; the line above is the median pair's).
          ratio_to_floor_pairs: pairs,
          ...(w.warm
            ? {
                // The second collection in the same process (a warm container): the floor is itself
                // measured warm (best of 3), so this compares like with like; the cold figure above
                // adds the fresh process's warm-up (JIT tiering, lazy loading) and is the headline.
                warm_cpu_s: round(w.warm.cpu_s, 2),
                warm_threads_cpu_s: w.warm.threads_cpu_s,
                warm_ratio_to_floor: round(floorS / w.warm.cpu_s),
                warm_ratio_to_floor_pairs: runs.map((r) =>
                  r.w.warm ? round(floorOf(mode, r.floor) / r.w.warm.cpu_s) : null,
                ),
              }
            : {}),
          // The normalizer alone on the same records (not in the floor): with it, what any collector of
          // these documents must spend; the ratio to that is how much of the rest is overhead.
          normalize_s: round(floor.normalize_s, 2),
          ratio_to_floor_with_normalize: round((floorS + floor.normalize_s) / w.cpu_s),
          // The ratio as reported before: every normalized document (duplicates included) in the floor,
          // and for Firehose parse + stringify only.
          ratio_to_floor_all_docs: round(
            (mode === 'local' ? floor.floor_all_docs_local_s : floor.floor_all_docs_firehose_s) / w.cpu_s,
          ),
          ...(pipeline
            ? {
                pipeline_cpu_s: round(pipeline.cpu_s, 2),
                pipeline_threads_cpu_s: pipeline.threads_cpu_s,
                pipeline_peak_rss_mb: pipeline.peak_rss_mb,
                // The ratio_to_floor of a collector doing only the required steps (measured, not a bound).
                pipeline_ratio_to_floor: round(floorS / pipeline.cpu_s),
                pipeline_ratio_to_floor_pairs: runs.map((r) =>
                  round(floorOf(mode, r.floor) / r.pipeline!.cpu_s),
                ),
                ratio_to_pipeline: round(pipeline.cpu_s / w.cpu_s),
                ratio_to_pipeline_pairs: runs.map((r) => round(r.pipeline!.cpu_s / r.w.cpu_s)),
              }
            : {}),
          ...(w.firehose
            ? {
                put_record_batch_calls: w.firehose.calls,
                calls_per_10k_versions: round((w.firehose.calls * 10_000) / w.incidents, 1),
                firehose_records: w.firehose.records,
                bytes_sent: w.firehose.bytes,
                billed_bytes: w.firehose.billedBytes,
                billed_to_sent: round(w.firehose.billedBytes / w.firehose.bytes),
              }
            : {}),
        })}\n`,
      );
    }
    // The cost lines come from the Firehose runs at the first size: print them before larger sizes run.
    if (i === 0) printCost();
  } finally {
    standin.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (sizes.length > 1) {
  const small = sizes[0]!;
  const large = sizes[sizes.length - 1]!;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'e2e_rss',
      sink: 'local',
      [`peak_rss_mb_${small}`]: rss[small],
      [`peak_rss_mb_${large}`]: rss[large],
      growth: round(rss[large]! / rss[small]! - 1),
      [`heap_after_gc_mb_${small}`]: retained[small],
      [`heap_after_gc_mb_${large}`]: retained[large],
      ...(pipelineRss[small] && pipelineRss[large]
        ? {
            [`pipeline_peak_rss_mb_${small}`]: pipelineRss[small],
            [`pipeline_peak_rss_mb_${large}`]: pipelineRss[large],
            pipeline_growth: round(pipelineRss[large] / pipelineRss[small] - 1),
          }
        : {}),
    })}\n`,
  );
}
