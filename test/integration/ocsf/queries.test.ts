import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapIncident, type OcsfRecord } from '../../../shared/ocsf/index.ts';
import { OcsfParquetWriter } from '../../../shared/ocsf/parquet.ts';
import { generateIncidents } from '../../../shared/simulator/generator.ts';

const SQL = join(import.meta.dirname, '..', '..', '..', 'analytics', 'ocsf-sql');
const sql = (name: string) => readFileSync(join(SQL, `${name}.sql`), 'utf8');
let dir: string;
let records: OcsfRecord[];
let db: DuckDBInstance;
type Row = Record<string, unknown>;
const run = async (text: string): Promise<Row[]> => {
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(text)).getRowObjectsJson() as Row[];
  } finally {
    conn.closeSync();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ses-ocsf-sql-'));
  records = generateIncidents({ seed: 4, incidents: 60, from: 1_764_000_000_000, to: 1_764_086_400_000 }).map(
    (r, i) => {
      const out = mapIncident(r, `doc-${i}`);
      if (!out.ok) throw new Error(out.reason);
      return out.value;
    },
  );
  const writer = new OcsfParquetWriter({
    dir,
    sourcePrefix: 'ses',
    region: 'us-east-1',
    accountId: 'external',
  });
  await writer.write(records);
  await writer.close();
  db = await DuckDBInstance.create(':memory:');
  // The Glue table in Athena; here a view over the local Parquet, same columns.
  await run(
    `CREATE VIEW ocsf_detection_finding AS SELECT * FROM read_parquet('${dir}/ext/ses-finding/**/*.parquet', hive_partitioning = true)`,
  );
  await run(`CREATE VIEW ocsf_findings_latest AS ${sql('findings_latest')}`);
});
afterAll(() => {
  db?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** The expected answers, computed in TypeScript from the records themselves. */
function latest(): Row[] {
  const best = new Map<string, Row>();
  for (const r of records) {
    const uid = (r.record['finding_info'] as Row)['uid'] as string;
    const prev = best.get(uid);
    if (!prev || (prev['time'] as number) < (r.record['time'] as number)) best.set(uid, r.record);
  }
  return [...best.values()];
}
const countBy = (rows: Row[], key: (r: Row) => string | undefined) => {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};

describe('Athena SQL over the OCSF tables, run by DuckDB over the local Parquet', () => {
  it('counts the latest incidents by severity and by state', async () => {
    const want = latest();
    expect(want.length).toBe(60);
    const sev = await run(sql('findings_by_severity'));
    expect(new Map(sev.map((r) => [String(r['severity']), Number(r['incidents'])]))).toEqual(
      countBy(want, (r) => r['severity'] as string),
    );
    const state = await run(sql('findings_by_status'));
    expect(new Map(state.map((r) => [String(r['status']), Number(r['incidents'])]))).toEqual(
      countBy(want, (r) => r['status'] as string),
    );
  });

  it('lists the top devices and the top evidence files with their SHA-256', async () => {
    const want = latest();
    const devices = await run(sql('top_devices'));
    const byDevice = countBy(
      want,
      (r) => (r['device'] as Row | undefined)?.['hostname'] as string | undefined,
    );
    expect(devices.length).toBe(Math.min(10, byDevice.size));
    for (const d of devices) expect(Number(d['incidents'])).toBe(byDevice.get(String(d['device'])));
    const files = await run(sql('top_files_hashes'));
    expect(files.length).toBeGreaterThan(0);
    const counts = new Map<string, number>();
    for (const r of want)
      for (const e of (r['evidences'] as Row[] | undefined) ?? []) {
        const f = e['file'] as Row | undefined;
        for (const h of (f?.['hashes'] as Row[] | undefined) ?? [])
          if (h['algorithm_id'] === 3)
            counts.set(`${f!['name']}|${h['value']}`, (counts.get(`${f!['name']}|${h['value']}`) ?? 0) + 1);
      }
    for (const row of files)
      expect(Number(row['incidents'])).toBe(counts.get(`${row['file_name']}|${row['sha256']}`));
    expect(Number(files[0]!['incidents'])).toBe(Math.max(...counts.values()));
  });
});
