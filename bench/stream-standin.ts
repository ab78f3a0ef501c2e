/**
 * Stand-in Event Stream API for bench/stream.bench.ts, in its own process, so the collector is what
 * gets measured, not the simulator: telemetry from the seeded generator is serialized once into
 * template NDJSON lines (`{"events":[…100 events…],"next":"…"}`); line i of the stream is template
 * i mod K with the last 4 hex digits of every `uuid` set to the cycle number (one `join`, so every
 * event is distinct and serving costs almost nothing). Each response carries up to `responseMB` of
 * lines (one read of that size, as XSIAM reads up to 100 MB), written with backpressure; the cursor
 * is the line index; 204 once every line was served.
 *
 * `node --import tsx bench/stream-standin.ts <events> <responseMB> <templateFile>`
 * Prints one JSON line {"api","streamId","events","lines","linesPerResponse","lineBytes"} when ready;
 * writes the template lines to <templateFile> for the floor measurement.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../shared/simulator/event-api.ts';
import { generateTelemetry } from '../shared/simulator/telemetry-generator.ts';
import { send } from './standin-http.ts';

export const STREAM_ID = '00000000-be4c-4000-8000-000000000001';
export const EVENTS_PER_LINE = 100;
const TEMPLATE_LINES = 40;
const MARK = '@@@@';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 200_000);
  const responseMB = Number(process.argv[3] ?? 100);
  const templateFile = process.argv[4];
  const now = Date.now();
  const { events } = generateTelemetry({
    seed: 11,
    count: TEMPLATE_LINES * EVENTS_PER_LINE,
    from: now - 20 * 3_600_000,
    to: now - 10 * 60_000,
  });
  const templates: string[][] = [];
  const templateTexts: string[] = [];
  for (let l = 0; l < TEMPLATE_LINES; l++) {
    const slice = events
      .slice(l * EVENTS_PER_LINE, (l + 1) * EVENTS_PER_LINE)
      .map((e) => ({ ...e, uuid: e.uuid.slice(0, -4) + MARK }));
    const text = JSON.stringify(slice);
    templates.push(text.split(MARK));
    templateTexts.push(text.replaceAll(MARK, '0000'));
  }
  if (templateFile) writeFileSync(templateFile, `${templateTexts.join('\n')}\n`);
  const lineBytes = templateTexts.reduce((n, t) => n + Buffer.byteLength(t), 0) / TEMPLATE_LINES;
  const lines = Math.ceil(total / EVENTS_PER_LINE);
  const linesPerResponse = Math.max(1, Math.floor((responseMB * 1e6) / lineBytes));

  const line = (i: number): string => {
    const cycle = Math.floor(i / TEMPLATE_LINES);
    const body = (templates[i % TEMPLATE_LINES] as string[]).join(cycle.toString(16).padStart(4, '0'));
    return `{"events":${body},"next":"L${i + 1}"}\n`;
  };

  const api = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url?.startsWith('/v1/oauth2/tokens')) {
      send(res, 200, JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith(`/v1/event-export/stream/${STREAM_ID}/0`)) {
      const next = (JSON.parse(body || '{}') as { next?: string }).next;
      let from = next ? Number(next.slice(1)) : 0;
      if (from >= lines) {
        res.writeHead(204);
        res.end();
        return;
      }
      const to = Math.min(lines, from + linesPerResponse);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      let closed = false;
      res.on('close', () => {
        closed = true;
      });
      while (from < to && !closed) {
        if (!res.write(line(from++))) await new Promise((r) => res.once('drain', r));
      }
      res.end();
      return;
    }
    send(res, 404, JSON.stringify({ message: `not served: ${req.method} ${req.url}` }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  process.stdout.write(
    `${JSON.stringify({
      api: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      streamId: STREAM_ID,
      events: lines * EVENTS_PER_LINE,
      lines,
      linesPerResponse,
      lineBytes: Math.round(lineBytes),
    })}\n`,
  );
  process.on('SIGTERM', () => {
    api.close();
    process.exit(0);
  });
}

await main();
