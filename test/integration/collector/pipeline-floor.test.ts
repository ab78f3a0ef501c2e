import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJson, type Standin, startStandin } from '../../../bench/process-measure.ts';

const bench = fileURLToPath(new URL('../../../bench/', import.meta.url));
const VERSIONS = 3_000;

interface PipelineLine {
  incidents: number;
  documents: number;
  pages: number;
  calls: number;
  records: number;
}
interface CollectorLine {
  incidents: number;
  events: number;
  firehose?: { documents: number };
  warm?: { cpu_s: number; wall_s: number };
}

/** Every NDJSON line under `dir` (gzip files, any depth), without the per-run ingest time, sorted. */
function lines(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json.gz')) continue;
    const text = gunzipSync(readFileSync(join(entry.parentPath, entry.name))).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const doc = JSON.parse(line) as { event?: { ingested?: string } };
      delete doc.event?.ingested;
      out.push(JSON.stringify(doc));
    }
  }
  return out.sort();
}

/**
 * The e2e benchmark's cheapest pipeline (bench/pipeline-floor-worker.ts) is only a floor for the
 * collector if it does the same work: the same documents from the same pages, duplicates skipped the
 * same way. Run against the benchmark's stand-in API, beside the real collector (bench/collector-worker.ts).
 */
describe('the e2e benchmark pipeline floor', () => {
  let dir: string;
  let standin: Standin | undefined;
  let api: string;
  let firehose: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ses-pipeline-floor-'));
    standin = await startStandin(VERSIONS, 2, join(dir, 'pages.ndjson'));
    ({ api, firehose } = standin);
  });
  afterAll(() => {
    standin?.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const run = <T>(worker: string, mode: string, env?: NodeJS.ProcessEnv) => {
    const runDir = mkdtempSync(join(dir, `${worker}-${mode}-`));
    return runJson<T>([join(bench, `${worker}.ts`), api, mode, runDir, firehose], undefined, env).then(
      (line) => ({
        line,
        dir: runDir,
      }),
    );
  };

  it('writes the documents the collector writes to the local sink, line for line', async () => {
    const pipeline = await run<PipelineLine>('pipeline-floor-worker', 'local');
    const collector = await run<CollectorLine>('collector-worker', 'local');
    expect(pipeline.line.incidents).toBe(VERSIONS);
    expect(pipeline.line.pages).toBe(VERSIONS / 1000);
    const ours = lines(pipeline.dir);
    const theirs = lines(collector.dir);
    // Versions of one incident repeat its events: the de-duplication window must have skipped some.
    expect(collector.line.incidents + collector.line.events).toBeLessThan(VERSIONS * 3);
    expect(pipeline.line.documents).toBe(collector.line.incidents + collector.line.events);
    expect(ours.length).toBe(theirs.length);
    expect(ours).toEqual(theirs);
  }, 120_000);

  it('sends the same number of documents to the Firehose endpoint in aggregated records', async () => {
    const pipeline = await run<PipelineLine>('pipeline-floor-worker', 'firehose');
    const collector = await run<CollectorLine>('collector-worker', 'firehose');
    expect(pipeline.line.documents).toBe(collector.line.firehose?.documents);
    // Several documents per record, and no call over 500 records.
    expect(pipeline.line.records).toBeLessThan(pipeline.line.documents / 10);
    expect(pipeline.line.calls).toBeGreaterThan(0);
    expect(pipeline.line.records).toBeLessThanOrEqual(pipeline.line.calls * 500);
  }, 120_000);

  it('measures a warm second collection of the same data in the same process (BENCH_E2E_WARM=1)', async () => {
    const collector = await run<CollectorLine>('collector-worker', 'local', {
      ...process.env,
      BENCH_E2E_WARM: '1',
    });
    expect(collector.line.incidents).toBe(VERSIONS);
    expect(collector.line.warm?.cpu_s).toBeGreaterThan(0);
    expect(collector.line.warm?.wall_s).toBeGreaterThan(0);
    // A fresh checkpoint and sink: the warm run delivers every document again, the same documents.
    const cold = lines(join(collector.dir, 'out'));
    const warm = lines(join(collector.dir, 'warm', 'out'));
    expect(cold.length).toBe(collector.line.incidents + collector.line.events);
    expect(warm).toEqual(cold);
  }, 120_000);

  it('measures one collection unless asked for the warm one', async () => {
    const collector = await run<CollectorLine>('collector-worker', 'local', {
      ...process.env,
      BENCH_E2E_WARM: '0',
    });
    expect(collector.line.warm).toBeUndefined();
  }, 120_000);
});
