/**
 * The cheapest whole pipeline, for bench/e2e.bench.ts: what any collector of these documents must do,
 * end to end, in one process, with nothing else. Page by page against the stand-in API: POST the query
 * over `node:http` (keep-alive, the transport with the least CPU per byte in Node) → the body's bytes →
 * UTF-8 text → `JSON.parse` → our normalizer (told which documents it made already, as the collector's
 * de-duplication window does) → `JSON.stringify` per document into NDJSON bytes → the sink's part:
 * - local: gzip on libuv's pool and one file per page;
 * - firehose: the NDJSON packed into records of up to 1,000 KiB, PutRecordBatch bodies of up to
 *   4 MiB / 500 records (native base64), the SHA-256 payload hash SigV4 signs, POSTed over `node:http`.
 * No checkpoint, retry, lease, validation, metrics, token, signing keys or prefetch: each of those is
 * work the real collector adds. Prints one JSON line like bench/collector-worker.ts (CPU, wall, peak RSS,
 * threads, counts), so the e2e bench can print how close the collector is to this pipeline, and how
 * close this pipeline itself gets to the floor (the `ratio_to_floor` of a collector that does nothing
 * but the required steps with this normalizer on Node: a reference measured, not a proven bound).
 *
 * `node --import tsx bench/pipeline-floor-worker.ts <apiUrl> local|firehose <dir> [firehoseUrl]`
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { DEDUP_MEMORY } from '../shared/collector/delivery.ts';
import { settingsSchema } from '../shared/config/settings.ts';
import { normalizeIncident } from '../shared/normalize/index.ts';
import type { SeenDocuments } from '../shared/ports/document.ts';
import { applyHeapGrowth } from '../shared/runtime/heap-growth.ts';
import { LineBuffer } from '../shared/sink/encode.ts';
import { putRecordBatchBody } from '../shared/sink/firehose-body.ts';
import { threadCpuDelta, threadCpuSeconds } from './process-measure.ts';

const gzip = promisify(gzipCb);
const [apiUrl, mode, dir, firehoseUrl] = process.argv.slice(2);
if (!apiUrl || !mode || !dir)
  throw new Error('usage: pipeline-floor-worker <apiUrl> <mode> <dir> [firehoseUrl]');
if (mode !== 'local' && mode !== 'firehose') throw new Error(`mode ${mode}: local or firehose`);
if (mode === 'firehose' && !firehoseUrl) throw new Error('firehose mode needs the firehose URL');

const PAGE = 1000;
const RECORD_MAX = 1000 * 1024;
const CALL_MAX_BYTES = 4 * 1024 * 1024;
const CALL_MAX_RECORDS = 500;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': String(body.length) },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
      });
      res.once('error', reject);
      res.once('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        else resolve(Buffer.concat(chunks, n));
      });
    });
    req.end(body);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const options = { keepOriginal: false, namespace: 'default', ingestedAt: new Date().toISOString() };
// The collector's V8 heap growth (the setting, as the worker reads it), and a window of the ids it
// delivered of the same size as its de-duplication window (a ring: the oldest id is forgotten first).
applyHeapGrowth(
  settingsSchema.parse({ heapGrowingPercent: process.env.SES_HEAP_GROWING_PERCENT }).heapGrowingPercent,
);
const made = new Set<string>();
const order: string[] = [];
let oldest = 0;
function remember(id: string): void {
  if (order.length < DEDUP_MEMORY) order.push(id);
  else {
    made.delete(order[oldest]!);
    order[oldest] = id;
    oldest = (oldest + 1) % DEDUP_MEMORY;
  }
  made.add(id);
}
const seen: SeenDocuments = { has: (id) => made.has(id), skipped: () => {} };
const out = join(dir, 'out');
mkdirSync(out, { recursive: true });

/** Sends one page's NDJSON to the Firehose endpoint as aggregated records, in calls within the limits. */
async function sendFirehose(ndjson: Buffer): Promise<{ calls: number; records: number }> {
  // Records end at line ends, each at most RECORD_MAX bytes (our documents are far below it).
  const records: Buffer[] = [];
  let start = 0;
  while (start < ndjson.length) {
    let end = Math.min(ndjson.length, start + RECORD_MAX);
    if (end < ndjson.length) {
      end = ndjson.lastIndexOf(10, end - 1) + 1;
      if (end <= start) throw new Error('a document over 1,000 KiB: the stand-in serves none');
    }
    records.push(ndjson.subarray(start, end));
    start = end;
  }
  let calls = 0;
  for (let i = 0; i < records.length; ) {
    const call: Buffer[] = [];
    let bytes = 0;
    while (
      i < records.length &&
      call.length < CALL_MAX_RECORDS &&
      bytes + records[i]!.length <= CALL_MAX_BYTES
    ) {
      bytes += records[i]!.length;
      call.push(records[i++]!);
    }
    const body = putRecordBatchBody('bench-s3', call);
    const hash = createHash('sha256').update(body).digest('hex');
    await post(firehoseUrl!, body, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Firehose_20150804.PutRecordBatch',
      'x-amz-content-sha256': hash,
    });
    calls++;
  }
  return { calls, records: records.length };
}

const threads0 = threadCpuSeconds();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let incidents = 0;
let documents = 0;
let pages = 0;
let calls = 0;
let records = 0;
let next: number | undefined = 0;
let spare: Buffer | number = 64 * 1024;
while (next !== undefined) {
  const query = Buffer.from(JSON.stringify({ limit: PAGE, next }));
  const body = await post(`${apiUrl}/v1/incidents`, query, { 'content-type': 'application/json' });
  const text = strictUtf8.decode(body);
  const page = JSON.parse(text) as { next?: number; incidents: unknown[] };
  pages++;
  incidents += page.incidents.length;
  // Each line UTF-8-encoded into one reused buffer as it is made (the collector's LineBuffer): lines
  // die young instead of a page-long string surviving scavenges.
  const lines: LineBuffer = new LineBuffer(spare);
  for (const raw of page.incidents) {
    for (const d of normalizeIncident(raw, options, seen)) {
      if (made.has(d.id)) continue;
      remember(d.id);
      documents++;
      lines.append(`${JSON.stringify(d.doc)}\n`);
    }
  }
  const bytes = lines.bytes();
  if (mode === 'local') await writeFile(join(out, `page-${pages}.json.gz`), await gzip(bytes));
  else {
    const sent = await sendFirehose(bytes);
    calls += sent.calls;
    records += sent.records;
  }
  spare = lines.storage();
  next = page.next;
}
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const threads = threadCpuDelta(threads0, threadCpuSeconds());
agent.destroy();
process.stdout.write(
  `${JSON.stringify({
    cpu_s: (cpu.user + cpu.system) / 1e6,
    wall_s: wall,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    incidents,
    documents,
    pages,
    calls,
    records,
    threads_cpu_s: threads,
  })}\n`,
);
