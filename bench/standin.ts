/**
 * Stand-in processes for the collector benchmark (bench/e2e.bench.ts), so that the collector is what
 * gets measured, not the simulator:
 * - a Symantec API that serves pre-serialized pages: K template pages of simulator incidents (with
 *   events) are generated and serialized once, before timing, one JSON text per incident; item g of the
 *   result is item g mod 1000 of template page ⌊g / 1000⌋ mod K with the last 4 hex digits of its
 *   incident_uid set to the cycle number (a `join` per item, so every incident version is distinct and
 *   serving costs almost nothing). Any offset is served (the collector re-reads a few items of the
 *   previous page to notice moved records), and `total` is the whole set whatever the dates (the bench
 *   raises the collector's result cap above it, so it does not split the window);
 * - a Firehose endpoint that accepts PutRecordBatch (AWS JSON 1.1) and answers success for every record.
 *
 * Run as its own process: `node --import tsx bench/standin.ts <versions> <templatePages> <pageFile>`.
 * Prints one JSON line {"api","firehose","pages","versions","events"} when ready; writes the template
 * pages (their `incidents` arrays as JSON text, one per line) to <pageFile> for the floor measurement.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../shared/simulator/event-api.ts';
import { generateIncidents } from '../shared/simulator/generator.ts';
import { send } from './standin-http.ts';

export const PAGE_SIZE = 1000;
const MARK = '@@@@';

async function main(): Promise<void> {
  const versions = Number(process.argv[2] ?? 50_000);
  const templatePages = Number(process.argv[3] ?? 8);
  const pageFile = process.argv[4];
  const pages = Math.ceil(versions / PAGE_SIZE);
  const now = Date.now();
  // Every version inside one collection window (the bench sets a 24 h lookback and window).
  const from = now - 20 * 3_600_000;
  const to = now - 10 * 60_000;

  // Generate until the template pages are full (each incident gives 1+ versions).
  const records: Record<string, unknown>[] = [];
  let seed = 3;
  while (records.length < templatePages * PAGE_SIZE) {
    const batch = generateIncidents({ seed: seed++, incidents: 500, from, to });
    for (const r of batch) records.push(r as unknown as Record<string, unknown>);
  }
  let events = 0;
  // templates[p][j]: incident j of template page p, split around its uid's last 4 hex digits.
  const templates: string[][][] = [];
  const pageTexts: string[] = [];
  for (let p = 0; p < templatePages; p++) {
    const slice = records.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).map((r) => {
      const uid = String(r['incident_uid']);
      events += Array.isArray(r['events']) ? r['events'].length : 0;
      return JSON.stringify({ ...r, incident_uid: uid.slice(0, -4) + MARK });
    });
    templates.push(slice.map((text) => text.split(MARK)));
    pageTexts.push(`[${slice.join(',').replaceAll(MARK, '0000')}]`);
  }
  if (pageFile) writeFileSync(pageFile, `${pageTexts.join('\n')}\n`);
  const eventsPerVersion = events / (templatePages * PAGE_SIZE);

  const api = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url?.startsWith('/v1/oauth2/tokens')) {
      send(res, 200, JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/v1/incidents')) {
      const q = JSON.parse(body) as { next?: number; limit?: number };
      if (q.limit !== PAGE_SIZE) {
        send(res, 400, JSON.stringify({ message: `the stand-in serves limit ${PAGE_SIZE} only` }));
        return;
      }
      const total = pages * PAGE_SIZE;
      const offset = q.next ?? 0;
      const end = Math.min(total, offset + PAGE_SIZE);
      const items: string[] = [];
      for (let g = offset; g < end; g++) {
        const page = Math.floor(g / PAGE_SIZE);
        const cycle = Math.floor(page / templatePages);
        items.push(
          templates[page % templatePages]![g % PAGE_SIZE]!.join(cycle.toString(16).padStart(4, '0')),
        );
      }
      const next = end < total ? `"next":${end},` : '';
      send(res, 200, `{${next}"total":${total},"incidents":[${items.join(',')}]}`);
      return;
    }
    send(res, 404, JSON.stringify({ message: `not served: ${req.method} ${req.url}` }));
  });

  // PutRecordBatch: count the records ("Data" members) without parsing the body.
  let records_ = 0;
  const firehose = createServer(async (req, res) => {
    const body = await readBody(req);
    let n = 0;
    for (let i = body.indexOf('"Data"'); i >= 0; i = body.indexOf('"Data"', i + 6)) n++;
    records_ += n;
    const responses = new Array(n).fill('{"RecordId":"r"}').join(',');
    send(
      res,
      200,
      `{"FailedPutCount":0,"Encrypted":false,"RequestResponses":[${responses}]}`,
      'application/x-amz-json-1.1',
    );
  });

  await Promise.all([
    new Promise<void>((r) => api.listen(0, '127.0.0.1', r)),
    new Promise<void>((r) => firehose.listen(0, '127.0.0.1', r)),
  ]);
  const port = (s: typeof api) => (s.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({
      api: `http://127.0.0.1:${port(api)}`,
      firehose: `http://127.0.0.1:${port(firehose)}`,
      pages,
      versions: pages * PAGE_SIZE,
      events: Math.round(eventsPerVersion * pages * PAGE_SIZE),
    })}\n`,
  );
  process.on('SIGTERM', () => {
    api.close();
    firehose.close();
    process.stderr.write(`standin: firehose received ${records_} records\n`);
    process.exit(0);
  });
}

await main();
