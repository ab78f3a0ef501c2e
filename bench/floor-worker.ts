/**
 * The floor of the collector benchmark, in its own process: the same bytes the stand-in serves, through
 * `JSON.parse` of the response body → `JSON.stringify` of the documents the collector delivers
 * (normalized beforehand, untimed; duplicates skipped by id as its de-duplication window does) → what the sink's format makes unavoidable: gzip for the local sink; for Firehose, the
 * base64 of the bytes in the PutRecordBatch JSON and the SHA-256 payload hash SigV4 signs. Also the
 * floor as first reported (`floor_all_docs_*`: every normalized document, duplicates included, and
 * nothing for Firehose beyond parse and stringify). CPU seconds of each step over the template pages,
 * scaled to `<versions>`; also the output bytes per dataset, for the cost.
 *
 * `node --import tsx bench/floor-worker.ts <pageFile> <versions>`
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { settingsSchema } from '../shared/config/settings.ts';
import { normalizeIncident } from '../shared/normalize/index.ts';
import type { OutputDocument, SeenDocuments } from '../shared/ports/document.ts';
import { applyHeapGrowth } from '../shared/runtime/heap-growth.ts';
import { billedBytes } from '../shared/sink/firehose.ts';
import { measureFirehoseProtocol, measureFloor } from './floor-measure.ts';

const [pageFile, versionsArg] = process.argv.slice(2);
// The V8 heap growth of the collector it is compared with (the setting, as the worker reads it).
applyHeapGrowth(
  settingsSchema.parse({ heapGrowingPercent: process.env.SES_HEAP_GROWING_PERCENT }).heapGrowingPercent,
);
const texts = readFileSync(pageFile!, 'utf8').trim().split('\n');
const bodies = texts.map((t, i) => `{"next":${(i + 1) * 1000},"total":1,"incidents":${t}}`);
const versions = Number(versionsArg);
const scale = versions / (texts.length * 1000);
const options = { keepOriginal: false, namespace: 'default', ingestedAt: new Date().toISOString() };
// The normalizer alone on the same parsed records (CPU s, best of 3 after a warm-up, no documents
// kept), as the collector runs it: told which documents it made already (`SeenDocuments`, the
// collector's de-duplication window), so the events an incident's earlier version carried are not
// built again. Not part of the floor: printed beside it as the one step every collector of these
// documents adds to it.
const parsedPages = bodies.map((b) => (JSON.parse(b) as { incidents: unknown[] }).incidents);
let normalizeS = Number.POSITIVE_INFINITY;
for (let r = 0; r < 4; r++) {
  (globalThis as { gc?: () => void }).gc?.();
  const made = new Set<string>();
  const known: SeenDocuments = { has: (id) => made.has(id), skipped: () => {} };
  const c = process.cpuUsage();
  let n = 0;
  for (const page of parsedPages) {
    for (const rec of page) {
      for (const d of normalizeIncident(rec, options, known)) {
        made.add(d.id);
        n++;
      }
    }
  }
  const d = process.cpuUsage(c);
  if (n === 0) throw new Error('normalized nothing');
  if (r > 0) normalizeS = Math.min(normalizeS, (d.user + d.system) / 1e6);
}
parsedPages.length = 0;
let allDocs: OutputDocument[][] = bodies.map((b) =>
  (JSON.parse(b) as { incidents: unknown[] }).incidents.flatMap((r) => normalizeIncident(r, options)),
);
// What the collector delivers: a document whose id came earlier is skipped (its de-duplication
// window; the versions of an incident repeat its events). Each cycle of the template pages has uids
// of its own, so the pages' distinct documents are the run's, cycle after cycle.
const seen = new Set<string>();
let docs = allDocs.map((list) =>
  list.filter((d) => {
    if (seen.has(d.id)) return false;
    seen.add(d.id);
    return true;
  }),
);
const countItems = (parsed: unknown) => (parsed as { incidents: unknown[] }).incidents.length;

const { parse, stringify, gzip, ndjson } = measureFloor(bodies, countItems, docs);
// The floor as first reported: every normalized document, duplicates included.
const all = measureFloor(bodies, countItems, allDocs);

const bytes: Record<string, { docs: number; bytes: number; billed_single: number }> = {};
let gzBytes = 0;
for (const list of docs) {
  for (const d of list) {
    const n = Buffer.byteLength(`${JSON.stringify(d.doc)}\n`);
    const e = bytes[d.dataset] ?? { docs: 0, bytes: 0, billed_single: 0 };
    bytes[d.dataset] = e;
    e.docs++;
    e.bytes += n;
    e.billed_single += billedBytes(n);
  }
}
for (const t of ndjson) gzBytes += gzipSync(t).length;
// Measured without the documents alive: the bodies' large Buffers bring full GCs, and marking a
// heap that still holds every normalized document of the pages cost more than the encoding itself.
allDocs = [];
docs = [];
(globalThis as { gc?: () => void }).gc?.();
const protocol = measureFirehoseProtocol(ndjson);
const scaled = (n: number) => Math.round(n * scale);
process.stdout.write(
  `${JSON.stringify({
    parse_s: parse * scale,
    stringify_s: stringify * scale,
    gzip_s: gzip * scale,
    base64_s: protocol.base64 * scale,
    sha256_s: protocol.sha256 * scale,
    normalize_s: normalizeS * scale,
    floor_local_s: (parse + stringify + gzip) * scale,
    floor_firehose_s: (parse + stringify + protocol.base64 + protocol.sha256) * scale,
    floor_all_docs_local_s: (all.parse + all.stringify + all.gzip) * scale,
    floor_all_docs_firehose_s: (all.parse + all.stringify) * scale,
    input_bytes: scaled(bodies.reduce((n, b) => n + Buffer.byteLength(b), 0)),
    gzip_bytes: scaled(gzBytes),
    datasets: Object.fromEntries(
      Object.entries(bytes).map(([k, v]) => [
        k,
        { docs: scaled(v.docs), bytes: scaled(v.bytes), billed_single: scaled(v.billed_single) },
      ]),
    ),
  })}\n`,
);
