import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { DETECTION_FINDING } from '../../../shared/ocsf/classes/detection-finding.ts';
import { glueColumns } from '../../../shared/ocsf/columns.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator, versionKey } from '../../../shared/simulator/index.ts';
import { FakeClock } from '../../helpers/fakes.ts';
import { at, readOutput } from '../../helpers/output.ts';
import { glueFromDuckdb } from '../../unit/ocsf/helpers.ts';

const T0 = Date.parse('2026-11-20T12:00:00.000Z');
let sim: RunningSimulator | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('OCSF Parquet in the Security Lake layout (local run --ocsf)', () => {
  it('writes one Detection Finding per incident version the simulator served, readable by DuckDB with the Glue column types', async () => {
    const clock = new FakeClock(T0);
    sim = await startSimulator({ seed: 21, incidents: 80, spanHours: 24, clock });
    const s = sim;
    const dir = mkdtempSync(join(tmpdir(), 'ses-ocsf-'));
    dirs.push(dir);
    const out = join(dir, 'out');
    const ocsfDir = join(dir, 'out-ocsf');
    const result = await runLocalCollection({
      settings: parseSettings({ apiUrl: s.url, pageSize: 50 }),
      credentials: {
        description: 'test',
        get: async () => ({ clientId: s.clientId, clientSecret: s.clientSecret }),
      },
      clock,
      outDir: out,
      checkpointFile: join(dir, 'checkpoint.json'),
      logger: silentLogger,
      monitors: false,
      ocsf: { dir: ocsfDir, sourcePrefix: 'ses', region: 'eu-west-1', accountId: '123456789012' },
    });
    expect(result.summary.status).toBe('complete');

    // Ground truth: every version in the collected window.
    const end = Date.parse(result.summary.windows.at(-1)!.end);
    const expected = new Set(
      s.groundTruth
        .visible(T0)
        .filter((v) => v.time <= end && v.time >= T0 - 24 * 3_600_000)
        .map((v) => v.key),
    );
    expect(expected.size).toBeGreaterThan(80);

    // Layout: ext/<source>/region=<r>/accountId=<a>/eventDay=<YYYYMMDD>/*.parquet, nothing else.
    expect(readdirSync(join(ocsfDir, 'ext'))).toEqual(['ses-finding']);
    const base = join(ocsfDir, 'ext', 'ses-finding', 'region=eu-west-1', 'accountId=123456789012');
    const days = readdirSync(base);
    expect(days.length).toBeGreaterThan(0);
    for (const d of days) expect(d).toMatch(/^eventDay=\d{8}$/);

    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const glob = `${join(ocsfDir, 'ext', 'ses-finding')}/**/*.parquet`;
      const from = `read_parquet('${glob}', hive_partitioning = true)`;
      const rows = (
        await conn.runAndReadAll(
          `SELECT finding_info.uid AS uid, time, metadata.uid AS doc_id, class_uid, eventDay, accountId, region FROM ${from}`,
        )
      ).getRowObjectsJson() as Array<Record<string, string | number>>;
      const keys = new Set(rows.map((r) => versionKey(r['uid'], Number(r['time']))));
      expect(rows.length).toBe(expected.size); // one row per version: no loss, no duplicate
      expect([...expected].filter((k) => !keys.has(k))).toEqual([]);
      for (const r of rows) {
        expect(Number(r['class_uid'])).toBe(2004);
        expect(String(r['eventDay'])).toBe(
          new Date(Number(r['time'])).toISOString().slice(0, 10).replaceAll('-', ''),
        );
        expect(String(r['accountId'])).toBe('123456789012');
      }
      // metadata.uid joins with the ECS incident documents.
      const ecsIds = new Set(
        readOutput(out, 'incident').map(({ doc }) => String(at(doc, 'symantec_edr_cloud.doc_id'))),
      );
      expect(new Set(rows.map((r) => String(r['doc_id'])))).toEqual(ecsIds);
      expect(result.ocsf).toMatchObject({
        written: expected.size,
        quarantined: 0,
        byClass: { 2004: expected.size },
      });

      // The files' column types are the Glue schema's (both come from the class's column table).
      const described = (
        await conn.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (region, accountId, eventDay) FROM ${from}`)
      ).getRowObjectsJson();
      const fileColumns = described.map((c) => ({
        name: String(c['column_name']),
        type: glueFromDuckdb(String(c['column_type'])),
      }));
      expect(fileColumns).toEqual(glueColumns(DETECTION_FINDING.columns));
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
