import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalyticsSession, openAnalytics } from '../../../analytics/duckdb.ts';
import { normalizeTelemetry } from '../../../shared/normalize/telemetry/index.ts';
import { generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';

const FROM = Date.parse('2026-11-30T00:00:00Z');
const data = generateTelemetry({
  seed: 11,
  count: 2500,
  from: FROM,
  to: FROM + 4 * 3_600_000,
  detectionRate: 0.01,
});
const { events, truth } = data;
const deviceOf = new Map(events.map((e) => [e.uuid, String(e.device_name)]));
const ms = (ts: unknown): number => Date.parse(`${String(ts).replace(' ', 'T')}Z`);

function countBy<T>(items: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

describe('Hunting queries over telemetry in DuckDB, against the generator ground truth', () => {
  let dir: string;
  let db: AnalyticsSession;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ses-telemetry-'));
    const options = { keepOriginal: false, namespace: 'default', ingestedAt: '2026-12-01T00:00:00.000Z' };
    const lines: string[] = [];
    for (const e of events) for (const d of normalizeTelemetry(e, options)) lines.push(JSON.stringify(d.doc));
    // Each event delivered twice (say stream and bucket): the view must count it once.
    for (const [name, part] of [
      ['part-stream.json.gz', lines],
      ['part-bucket.json.gz', lines],
    ] as const) {
      const folder = join(dir, 'telemetry', 'year=2026', 'month=11', 'day=30');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, name), gzipSync(`${part.join('\n')}\n`));
    }
    db = await openAnalytics({ out: dir, threads: 1 });
  }, 60_000);
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every document and the view removes the second delivery', async () => {
    expect(db.loaded.telemetry).toBe(2 * events.length);
    const [row] = await db.query(
      'SELECT count(*) AS n, count(DISTINCT event_uuid) AS u FROM telemetry_latest',
    );
    expect(row).toEqual({ n: events.length, u: events.length });
  });

  it('process executions per device = the 8001 launches generated per device', async () => {
    const rows = await db.query(
      db.catalog.find((d) => d.name === 'process_executions_per_device')?.sql ?? '',
      ['*'],
    );
    const expected = countBy(truth.uuidsByType[8001] ?? [], (u) => deviceOf.get(u) ?? '');
    expect(new Map(rows.map((r) => [String(r.device_name), Number(r.executions)]))).toEqual(expected);
    expect(Number(rows[0]?.executions)).toBe(Math.max(...expected.values()));
  });

  it('first-seen file hashes = the earliest time of each generated hash, with its sightings', async () => {
    const rows = await db.query(db.catalog.find((d) => d.name === 'first_seen_file_hashes')?.sql ?? '', [
      '*',
    ]);
    const expected = new Map<string, { first: number; n: number }>();
    for (const f of truth.files) {
      const cur = expected.get(f.sha256);
      expected.set(f.sha256, { first: Math.min(cur?.first ?? Infinity, f.time), n: (cur?.n ?? 0) + 1 });
    }
    expect(
      new Map(rows.map((r) => [String(r.file_sha256), { first: ms(r.first_seen), n: Number(r.sightings) }])),
    ).toEqual(expected);
    // Reused binaries are seen more than once; freshly written files once.
    expect(rows.some((r) => Number(r.sightings) > 1)).toBe(true);
    expect(rows.some((r) => Number(r.sightings) === 1)).toBe(true);
  });

  it('outbound connections by destination and port = the outbound 8007 connections generated', async () => {
    const rows = await db.query(db.catalog.find((d) => d.name === 'outbound_connections')?.sql ?? '', ['*']);
    const expected = countBy(
      truth.connections.filter((c) => c.direction_id === 2),
      (c) => `${c.dst_ip}:${c.dst_port}`,
    );
    expect(
      new Map(rows.map((r) => [`${r.destination_ip}:${r.destination_port}`, Number(r.connections)])),
    ).toEqual(expected);
  });

  it('rare parent → child pairs = the generated pairs launched at most 5 times', async () => {
    const rows = await db.query(db.catalog.find((d) => d.name === 'rare_process_pairs')?.sql ?? '', ['*']);
    const withParent = truth.processes.filter((p) => truth.missing[p.uuid] !== 'actor');
    const all = countBy(withParent, (p) => `${p.parent} -> ${p.child}`);
    const expected = new Map([...all].filter(([, n]) => n <= 5));
    expect(expected.size).toBeGreaterThan(0);
    expect(new Map(rows.map((r) => [`${r.parent_name} -> ${r.process_name}`, Number(r.launches)]))).toEqual(
      expected,
    );
    expect(expected.has('ccSvcHst.exe -> ccSvcHst.exe')).toBe(false);
  });

  it('a device filter narrows every hunt to that device', async () => {
    const device = deviceOf.get(truth.processes[0]?.uuid ?? '') ?? '';
    const rows = await db.query(
      db.catalog.find((d) => d.name === 'process_executions_per_device')?.sql ?? '',
      [device],
    );
    expect(rows.map((r) => r.device_name)).toEqual([device]);
  });
});
