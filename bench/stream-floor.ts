/**
 * The floor of the stream benchmark, in its own process: the same bytes the stand-in serves, through
 * `JSON.parse` of each NDJSON line → `JSON.stringify` of our telemetry documents (normalized
 * beforehand, untimed) → gzip of those bytes (the local sink's compression). CPU seconds of each step
 * over the template lines (best of 3), scaled to `<events>`.
 *
 * `node --import tsx bench/stream-floor.ts <templateFile> <events>`
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { normalizeTelemetry } from '../shared/normalize/telemetry/index.ts';
import type { OutputDocument } from '../shared/ports/document.ts';

const [templateFile, eventsArg] = process.argv.slice(2);
const texts = readFileSync(templateFile!, 'utf8').trim().split('\n');
const lines = texts.map((t, i) => `{"events":${t},"next":"L${i + 1}"}`);
const options = { keepOriginal: false, namespace: 'default' };
const docs: OutputDocument[][] = lines.map((l) =>
  (JSON.parse(l) as { events: unknown[] }).events.flatMap((e) => normalizeTelemetry(e, options)),
);
const templateEvents = docs.reduce((n, d) => n + d.length, 0);
const scale = Number(eventsArg) / templateEvents;

const cpu = (fn: () => void): number => {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1e6;
};
const best = (fn: () => void): number => {
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) b = Math.min(b, cpu(fn));
  return b;
};
let sink = 0;
(globalThis as { gc?: () => void }).gc?.();
const parse = best(() => {
  for (const l of lines) sink += (JSON.parse(l) as { events: unknown[] }).events.length;
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
if (sink === 0) process.stderr.write('unreachable\n');
