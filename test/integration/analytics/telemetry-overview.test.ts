import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onTelemetry, type QueryDefinition } from '../../../analytics/catalog.ts';
import { type AnalyticsSession, openAnalytics } from '../../../analytics/duckdb.ts';
import { normalizeTelemetry } from '../../../shared/normalize/telemetry/index.ts';
import { generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';

const FROM = Date.parse('2026-11-29T00:00:00Z');
// Two UTC days, enough detections for every Security panel to have rows.
const { events } = generateTelemetry({
  seed: 17,
  count: 3000,
  from: FROM,
  to: FROM + 40 * 3_600_000,
  detectionRate: 0.02,
});

/** ICD severity_id and category_id captions (the Events Overview groups by them). */
const SEVERITY: Record<number, string> = {
  1: 'Informational',
  2: 'Warning',
  3: 'Minor',
  4: 'Major',
  5: 'Critical',
  6: 'Fatal',
};
const CATEGORY: Record<number, string> = { 1: 'Security', 5: 'System Activity' };

function countBy<T>(items: readonly T[], key: (x: T) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) {
    const k = key(x);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const userOf = (e: Record<string, unknown>) =>
  str((e['user'] as Record<string, unknown> | undefined)?.['name']);

describe('Events Overview panels on telemetry, in DuckDB, against the generator ground truth', () => {
  let dir: string;
  let db: AnalyticsSession;
  let overview: QueryDefinition[];
  const run = (name: string, params?: string[]) => {
    const def = overview.find((d) => d.name === `${name}_telemetry`);
    if (!def) throw new Error(`no Events Overview query ${name}`);
    return db.query(def.sql, params ?? def.params.map(() => '*'));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ses-telemetry-overview-'));
    const options = { keepOriginal: false, namespace: 'default', ingestedAt: '2026-12-01T00:00:00.000Z' };
    const lines = events.flatMap((e) => normalizeTelemetry(e, options).map((d) => JSON.stringify(d.doc)));
    const folder = join(dir, 'telemetry', 'year=2026', 'month=11', 'day=29');
    mkdirSync(folder, { recursive: true });
    // Delivered twice (stream and bucket): the panels count each event once.
    writeFileSync(join(folder, 'stream.json.gz'), gzipSync(`${lines.join('\n')}\n`));
    writeFileSync(join(folder, 'bucket.json.gz'), gzipSync(`${lines.join('\n')}\n`));
    db = await openAnalytics({ out: dir, threads: 1 });
    overview = db.catalog.filter((d) => d.kind === 'query' && d.dashboard === 'events').map(onTelemetry);
  }, 60_000);
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every Events Overview query runs on telemetry, and none reads event_latest any more', async () => {
    expect(overview.length).toBeGreaterThanOrEqual(17);
    for (const def of overview) {
      expect(def.sql).not.toMatch(/\bevent_latest\b/);
      await expect(
        db.query(
          def.sql,
          def.params.map(() => '*'),
        ),
        def.name,
      ).resolves.toBeInstanceOf(Array);
    }
  });

  it('totals: events, high severity, endpoints and users', async () => {
    const [kpi] = await run('event_kpis');
    expect(Number(kpi?.total_events)).toBe(events.length);
    expect(Number(kpi?.high_severity_events)).toBe(
      events.filter((e) => Number(e['severity_id']) >= 4).length,
    );
    expect(Number(kpi?.affected_endpoints)).toBe(new Set(events.map((e) => String(e['device_name']))).size);
    expect(Number(kpi?.affected_users)).toBe(new Set(events.map(userOf).filter(Boolean)).size);
  });

  it('by severity, by category and by event type = the generated events', async () => {
    const pairs = (rows: Record<string, unknown>[], key: string) =>
      new Map(rows.map((r) => [String(r[key]), Number(r['events'])]));
    expect(pairs(await run('events_by_severity'), 'severity')).toEqual(
      countBy(events, (e) => SEVERITY[Number(e['severity_id'])]),
    );
    expect(pairs(await run('events_by_category'), 'category')).toEqual(
      countBy(events, (e) => CATEGORY[Number(e['category_id'])] ?? `unknown ${e['category_id']}`),
    );
    expect(pairs(await run('events_by_type'), 'type')).toEqual(countBy(events, (e) => str(e['type'])));
  });

  it('sandbox file detections per day = the 8031 detections generated per UTC day', async () => {
    const rows = await run('sandbox_file_detections_over_time');
    const expected = countBy(
      events.filter((e) => e['type'] === 'sandbox_file_detection'),
      (e) => String(e['time']).slice(0, 10),
    );
    expect(expected.size).toBeGreaterThan(0);
    expect(new Map(rows.map((r) => [String(r['day']).slice(0, 10), Number(r['events'])]))).toEqual(expected);
  });

  it('top devices, and a device filter narrows the panels to that device', async () => {
    const byDevice = countBy(events, (e) => String(e['device_name']));
    const rows = await run('top_devices_by_events');
    expect(Number(rows[0]?.events)).toBe(Math.max(...byDevice.values()));
    for (const r of rows) expect(Number(r['events'])).toBe(byDevice.get(String(r['device_name'])));
    const device = String(rows[0]?.device_name);
    const def = overview.find((d) => d.name === 'event_kpis_telemetry')!;
    const params = def.params.map((p) => (p === 'device_name' ? device : '*'));
    const [kpi] = await db.query(def.sql, params);
    expect(Number(kpi?.total_events)).toBe(byDevice.get(device));
    expect(Number(kpi?.affected_endpoints)).toBe(1);
  });
});
