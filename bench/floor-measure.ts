/**
 * The floor both collector benchmarks compare with (bench/floor-worker.ts, bench/stream-floor.ts): on
 * the bytes the stand-in serves, `JSON.parse` of each body → `JSON.stringify` of our documents
 * (normalized beforehand, untimed) to NDJSON → gzip of that NDJSON. CPU seconds of each step, best of 3.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { OutputDocument } from '../shared/ports/document.ts';

export interface FloorSteps {
  parse: number;
  stringify: number;
  gzip: number;
  /** One NDJSON text per body (its documents, one a line). */
  ndjson: string[];
}

/** CPU seconds (user + system) this process spends in `fn`. */
function cpuSeconds(fn: () => void): number {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1e6;
}

function best(fn: () => void): number {
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) b = Math.min(b, cpuSeconds(fn));
  return b;
}

/** `items` counts what a parsed body holds, so the parse cannot be optimized away. */
export function measureFloor(
  bodies: readonly string[],
  items: (parsed: unknown) => number,
  docs: readonly OutputDocument[][],
): FloorSteps {
  let sink = 0;
  (globalThis as { gc?: () => void }).gc?.();
  const parse = best(() => {
    for (const b of bodies) sink += items(JSON.parse(b));
  });
  const ndjson: string[] = [];
  const stringify = best(() => {
    ndjson.length = 0;
    for (const list of docs) {
      let text = '';
      for (const d of list) text += `${JSON.stringify(d.doc)}\n`;
      ndjson.push(text);
    }
  });
  const gzip = best(() => {
    for (const t of ndjson) sink += gzipSync(t).length;
  });
  if (sink === 0) process.stderr.write('unreachable\n');
  return { parse, stringify, gzip, ndjson };
}

/** What the Firehose protocol itself makes any client do with the NDJSON, CPU seconds. */
export interface ProtocolSteps {
  /**
   * The NDJSON's UTF-8 bytes to base64 inside a request body (PutRecordBatch carries each record's
   * Data as base64 in its JSON).
   */
  base64: number;
  /** SHA-256 of those request bodies (SigV4 signs the payload hash). */
  sha256: number;
}

const BODY_HEAD = '{"DeliveryStreamName":"s3","Records":[{"Data":"';
const BODY_TAIL = '"}]}';

/**
 * The encoding PutRecordBatch and SigV4 require of every byte sent, done the cheapest way Node offers
 * (native UTF-8, base64 and SHA-256, the base64 copied once into its body) on one NDJSON text per
 * response body. Best of 3 each.
 */
export function measureFirehoseProtocol(ndjson: readonly string[]): ProtocolSteps {
  let sink = 0;
  const bodies: Buffer[] = [];
  const base64 = best(() => {
    bodies.length = 0;
    for (const t of ndjson) {
      const b64 = Buffer.from(t, 'utf8').toString('base64');
      const body = Buffer.allocUnsafe(BODY_HEAD.length + b64.length + BODY_TAIL.length);
      let at = body.write(BODY_HEAD, 0, 'latin1');
      at += body.write(b64, at, 'latin1');
      body.write(BODY_TAIL, at, 'latin1');
      bodies.push(body);
    }
  });
  const sha256 = best(() => {
    for (const b of bodies) sink += createHash('sha256').update(b).digest()[0]!;
  });
  if (sink < 0) process.stderr.write('unreachable\n');
  return { base64, sha256 };
}
