import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { localEventObjects } from '../../../shared/collector/event-file-sources.ts';
import { ingestEventObject } from '../../../shared/collector/event-files.ts';
import { collectStream } from '../../../shared/collector/stream.ts';
import { createTelemetryDelivery } from '../../../shared/collector/telemetry-compose.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { OcsfParquetWriter } from '../../../shared/ocsf/parquet.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';
import { generateTelemetry, type TelemetryDataSet } from '../../../shared/simulator/telemetry-generator.ts';
import { LocalSink } from '../../../shared/sink/local.ts';
import { MemoryCheckpointStore } from '../../helpers/fakes.ts';
import { STREAM_ID, streamSimulator } from '../../helpers/telemetry.ts';

type Obj = Record<string, unknown>;
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const LOCATION = { sourcePrefix: 'ses', region: 'eu-west-1', accountId: '123456789012' };

/**
 * The OCSF class each generated event must land in, from the generator's ground truth and the class
 * table of issue 15 (docs/ocsf.md), not from the mapper: Windows event-log records (8015) are
 * Authentication only for logons (event 4624), the rest fall back to Base Event.
 */
function expectedByClass(data: TelemetryDataSet): Record<string, number> {
  const byType: Record<number, number> = {
    8001: 1007,
    8002: 1005,
    8003: 1001,
    8005: 201001,
    8006: 201002,
    8007: 4001,
    8027: 2004,
    8031: 2004,
    8075: 2004,
    8076: 2004,
    8077: 2004,
    8078: 2004,
  };
  const logons = new Set(
    data.events
      .filter(
        (e) =>
          e.type_id === 8015 && ((e['source'] as Obj | undefined)?.['facility_uid'] as unknown) === '4624',
      )
      .map((e) => e.uuid),
  );
  const counts: Record<string, number> = {};
  for (const [type, uuids] of Object.entries(data.truth.uuidsByType)) {
    for (const uuid of uuids) {
      const cls = Number(type) === 8015 ? (logons.has(uuid) ? 3002 : 0) : byType[Number(type)];
      if (cls === undefined) throw new Error(`no expected class for type ${type}`);
      counts[String(cls)] = (counts[String(cls)] ?? 0) + 1;
    }
  }
  return counts;
}

/** Rows per class_uid in the Parquet files, and the source folders under ext/. */
async function parquetCounts(
  ocsfDir: string,
): Promise<{ counts: Record<string, number>; sources: string[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const sources = readdirSync(join(ocsfDir, 'ext')).sort();
    const counts: Record<string, number> = {};
    for (const source of sources) {
      const base = join(
        ocsfDir,
        'ext',
        source,
        `region=${LOCATION.region}`,
        `accountId=${LOCATION.accountId}`,
      );
      for (const day of readdirSync(base)) expect(day).toMatch(/^eventDay=\d{8}$/);
      const rows = (
        await conn.runAndReadAll(
          `SELECT class_uid, count(*) AS n, count(DISTINCT metadata.uid) AS ids FROM read_parquet('${base}/**/*.parquet', hive_partitioning = true) GROUP BY class_uid`,
        )
      ).getRowObjectsJson() as Array<{ class_uid: number; n: string | number; ids: string | number }>;
      // One class per source folder (Security Lake: one class per custom source).
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(Number(row!.ids)).toBe(Number(row!.n));
      counts[String(row!.class_uid)] = (counts[String(row!.class_uid)] ?? 0) + Number(row!.n);
    }
    return { counts, sources };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ses-tele-ocsf-'));
  dirs.push(dir);
  return dir;
}

const now = Date.now();
const data = generateTelemetry({
  seed: 33,
  count: 1500,
  from: now - 20 * 3_600_000,
  to: now - 10 * 60_000,
  missingRate: 0,
});

describe('--ocsf on stream and ingest: OCSF Parquet in the Security Lake layout', () => {
  it('stream: DuckDB reads back exactly the generated events per OCSF class', async () => {
    const s = await streamSimulator({ events: data.events, eventsPerLine: 50, linesPerResponse: 10 });
    closers.push(() => s.sim.close());
    const dir = scratch();
    const ocsfDir = join(dir, 'out-ocsf');
    const settings = parseSettings({ apiUrl: s.sim.url });
    const delivery = createTelemetryDelivery({
      settings,
      sink: new LocalSink({ dir: join(dir, 'out') }),
      metrics: new MemoryMetrics(),
      logger: silentLogger,
      ocsf: new OcsfParquetWriter({ ...LOCATION, dir: ocsfDir }),
    });
    const summary = await collectStream(
      {
        client: s.client,
        store: new MemoryCheckpointStore(),
        delivery,
        clock: s.clock,
        logger: silentLogger,
        metrics: new MemoryMetrics(),
      },
      {
        tenant: 'default',
        streamId: STREAM_ID,
        channels: [0],
        owner: 'test',
        deadline: Date.now() + 60_000,
        connectionTimeout: 0,
        deadlineMarginMs: 1000,
        maxReadMs: 5000,
      },
    );
    await delivery.close();
    expect(summary.status).toBe('complete');
    expect(summary.events).toBe(data.events.length);
    const expected = expectedByClass(data);
    const { counts, sources } = await parquetCounts(ocsfDir);
    expect(counts).toEqual(expected);
    expect(delivery.ocsfStats?.written).toBe(data.events.length);
    // One custom source folder per class present.
    expect(sources).toHaveLength(Object.keys(expected).length);
  });

  it('ingest: Data Bucket files give the same per-class counts, and a file ingested twice adds nothing', async () => {
    const dir = scratch();
    const bucket = join(dir, 'bucket');
    mkdirSync(bucket);
    // Three export objects, one of them plain NDJSON.
    const parts = [data.events.slice(0, 500), data.events.slice(500, 1000), data.events.slice(1000)];
    parts.forEach((events, i) => {
      const text = `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
      if (i === 1) writeFileSync(join(bucket, `part-${i}.json`), text);
      else writeFileSync(join(bucket, `part-${i}.json.gz`), gzipSync(text));
    });
    const ocsfDir = join(dir, 'out-ocsf');
    const store = new MemoryCheckpointStore();
    const ingestAll = async () => {
      const delivery = createTelemetryDelivery({
        settings: parseSettings({}),
        sink: new LocalSink({ dir: join(dir, 'out') }),
        metrics: new MemoryMetrics(),
        logger: silentLogger,
        ocsf: new OcsfParquetWriter({ ...LOCATION, dir: ocsfDir }),
      });
      let events = 0;
      for await (const object of localEventObjects(bucket)) {
        const r = await ingestEventObject(object, { delivery, store, tenant: 'default', clock: systemClock });
        events += r.events;
      }
      await delivery.close();
      return events;
    };
    expect(await ingestAll()).toBe(data.events.length);
    expect(await ingestAll()).toBe(0);
    const { counts } = await parquetCounts(ocsfDir);
    expect(counts).toEqual(expectedByClass(data));
  });

  it('CLI: stream --ocsf and ingest --ocsf write the Parquet layout and report the records per class', async () => {
    const dir = scratch();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/ses-connector.js', ...args], { encoding: 'utf8', timeout: 120_000 });
    const flags = (name: string) => [
      '--out',
      join(dir, `out-${name}`),
      '--checkpoint',
      join(dir, `checkpoint-${name}.json`),
      '--ocsf',
      join(dir, `ocsf-${name}`),
      '--ocsf-region',
      LOCATION.region,
      '--ocsf-account-id',
      LOCATION.accountId,
      '--json',
    ];
    const streamed = cli('stream', '--simulator-events', '400', ...flags('stream'));
    expect(streamed.status, streamed.stderr).toBe(0);
    const s = JSON.parse(streamed.stdout) as {
      events: number;
      ocsf: { written: number; byClass: Record<string, number> };
    };
    expect(s.events).toBe(400);
    expect(s.ocsf.written).toBe(400);
    // The summary's per-class counts are what the files hold.
    expect((await parquetCounts(join(dir, 'ocsf-stream'))).counts).toEqual(s.ocsf.byClass);

    const bucket = join(dir, 'bucket');
    mkdirSync(bucket);
    writeFileSync(
      join(bucket, 'part.json.gz'),
      gzipSync(`${data.events.map((e) => JSON.stringify(e)).join('\n')}\n`),
    );
    const ingested = cli('ingest', bucket, ...flags('ingest'));
    expect(ingested.status, ingested.stderr).toBe(0);
    const i = JSON.parse(ingested.stdout) as { events: number; ocsf: { written: number } };
    expect(i.events).toBe(data.events.length);
    expect(i.ocsf.written).toBe(data.events.length);
    expect((await parquetCounts(join(dir, 'ocsf-ingest'))).counts).toEqual(expectedByClass(data));
  }, 180_000);
});
