/**
 * The floor of the stream benchmark, in its own process: the same bytes the stand-in serves, through
 * `JSON.parse` of each NDJSON line → `JSON.stringify` of our telemetry documents (normalized
 * beforehand, untimed) → gzip of those bytes (the local sink's compression). CPU seconds of each step
 * over the template lines (best of 3), scaled to `<events>`.
 *
 * `node --import tsx bench/stream-floor.ts <templateFile> <events>`
 */
import { readFileSync } from 'node:fs';
import { normalizeTelemetry } from '../shared/normalize/telemetry/index.ts';
import type { OutputDocument } from '../shared/ports/document.ts';
import { measureFloor } from './floor-measure.ts';

const [templateFile, eventsArg] = process.argv.slice(2);
const texts = readFileSync(templateFile!, 'utf8').trim().split('\n');
const lines = texts.map((t, i) => `{"events":${t},"next":"L${i + 1}"}`);
const options = { keepOriginal: false, namespace: 'default' };
const docs: OutputDocument[][] = lines.map((l) =>
  (JSON.parse(l) as { events: unknown[] }).events.flatMap((e) => normalizeTelemetry(e, options)),
);
const templateEvents = docs.reduce((n, d) => n + d.length, 0);
const scale = Number(eventsArg) / templateEvents;

const { parse, stringify, gzip, ndjson } = measureFloor(
  lines,
  (parsed) => (parsed as { events: unknown[] }).events.length,
  docs,
);
process.stdout.write(
  `${JSON.stringify({
    parse_s: parse * scale,
    stringify_s: stringify * scale,
    gzip_s: gzip * scale,
    floor_s: (parse + stringify + gzip) * scale,
    input_bytes: Math.round(lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) * scale),
    output_bytes: Math.round(ndjson.reduce((n, t) => n + Buffer.byteLength(t), 0) * scale),
  })}\n`,
);
