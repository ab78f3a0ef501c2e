import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { motoAvailable, type RunningMoto, startMoto } from '../../../infra/rehearse/moto.ts';
import { localEventObjects, s3EventObjects } from '../../../shared/collector/event-file-sources.ts';
import { type EventObject, ingestEventObject } from '../../../shared/collector/event-files.ts';
import { createTelemetryDelivery } from '../../../shared/collector/telemetry-compose.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { telemetryDocId } from '../../../shared/normalize/telemetry/index.ts';
import { MemoryMetrics, silentLogger } from '../../../shared/ports/logger.ts';
import { createBucketExporter } from '../../../shared/simulator/bucket-export.ts';
import { generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';
import { FakeClock, MemoryCheckpointStore, MemorySink } from '../../helpers/fakes.ts';
import { at, readOutput } from '../../helpers/output.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-20T12:00:00.000Z');
// Events over two hours; log_time trails time by up to 6 min, so some come due only later.
const data = generateTelemetry({ seed: 41, count: 2500, from: T0 - 2 * 3_600_000, to: T0 + 30 * 60_000 });
const logTime = (e: { log_time: string }) => Date.parse(e.log_time);

/** `ingest` of the objects: the document ids the real telemetry normalizer delivered. */
async function ingest(objects: AsyncIterable<EventObject>, clock: FakeClock) {
  const sink = new MemorySink();
  const delivery = createTelemetryDelivery({
    settings: parseSettings({}),
    sink,
    metrics: new MemoryMetrics(),
    logger: silentLogger,
  });
  const store = new MemoryCheckpointStore();
  let count = 0;
  for await (const object of objects) {
    await ingestEventObject(object, { delivery, store, tenant: 'default', clock });
    count++;
  }
  return { ids: sink.docs.filter((d) => d.dataset === 'telemetry').map((d) => d.id), objects: count, sink };
}

describe('Data Bucket export simulator', () => {
  it('writes only the events whose log_time has passed, in objects of at most maxEventsPerObject, and ingest <dir> gives exactly the ground-truth ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ses-bucket-export-'));
    dirs.push(dir);
    const clock = new FakeClock(T0);
    const exporter = createBucketExporter({
      events: data.events,
      target: { kind: 'dir', dir },
      clock,
      maxEventsPerObject: 400,
    });
    const dueAtT0 = data.events.filter((e) => logTime(e) <= T0).map((e) => e.uuid);
    expect(dueAtT0.length).toBeGreaterThan(1000);
    expect(dueAtT0.length).toBeLessThan(data.events.length);

    const first = await exporter.exportDue();
    expect(new Set(exporter.groundTruth.exported())).toEqual(new Set(dueAtT0));
    expect(first.every((o) => o.uuids.length <= 400)).toBe(true);
    expect(
      first
        .map((o) => o.key)
        .every((k) => /^event\/2026\/11\/20\/12\/ses-events-20261120T120000Z-\d{6}\.json\.gz$/.test(k)),
    ).toBe(true);
    // Nothing new is due: no empty object.
    expect(await exporter.exportDue()).toEqual([]);

    clock.advance(60 * 60_000);
    const second = await exporter.exportDue();
    expect(second.length).toBeGreaterThan(0);
    expect(exporter.groundTruth.pending()).toBe(0);
    expect(exporter.groundTruth.exported()).toHaveLength(data.events.length);

    const got = await ingest(localEventObjects(dir), clock);
    expect(got.objects).toBe(first.length + second.length);
    expect(got.ids).toHaveLength(data.events.length);
    expect(new Set(got.ids)).toEqual(
      new Set(exporter.groundTruth.exported().map((u) => telemetryDocId(u, undefined))),
    );
    // No half-written (hidden) file is left behind.
    const hidden = readdirSync(dir, { recursive: true }).filter((f) =>
      String(f).split('/').pop()?.startsWith('.'),
    );
    expect(hidden).toEqual([]);
  });

  it('on a schedule: start() exports as events come due, stop() waits for the export in progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ses-bucket-export-'));
    dirs.push(dir);
    const clock = new FakeClock(T0);
    const exporter = createBucketExporter({ events: data.events, target: { kind: 'dir', dir }, clock });
    const errors: unknown[] = [];
    exporter.start(10, (e) => errors.push(e));
    const deadline = Date.now() + 10_000;
    while (exporter.groundTruth.pending() > 0 && Date.now() < deadline) {
      clock.advance(5 * 60_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    await exporter.stop();
    expect(errors).toEqual([]);
    expect(exporter.groundTruth.pending()).toBe(0);
    expect(exporter.groundTruth.objects.length).toBeGreaterThan(1);
    const got = await ingest(localEventObjects(dir), clock);
    expect(new Set(got.ids)).toEqual(new Set(data.events.map((e) => telemetryDocId(e.uuid, undefined))));
  });
});

describe('CLI: simulator --export-dir, then ingest <dir>', () => {
  it('ingest of the exported folder delivers exactly the event uuids of the ground-truth file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ses-bucket-cli-'));
    dirs.push(dir);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/ses-connector.js', ...args], { encoding: 'utf8', timeout: 120_000 });
    const exported = cli(
      'simulator',
      '--seed',
      '5',
      '--telemetry-events',
      '900',
      '--export-dir',
      join(dir, 'bucket'),
      '--export-max-events',
      '400',
      '--export-ground-truth',
      join(dir, 'truth.json'),
      '--export-once',
    );
    expect(exported.status, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual({ objects: 3, exported: 900, pending: 0 });
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as {
      objects: { uuids: string[] }[];
    };
    const uuids = truth.objects.flatMap((o) => o.uuids);
    expect(new Set(uuids).size).toBe(900);

    const ingested = cli(
      'ingest',
      join(dir, 'bucket'),
      '--out',
      join(dir, 'out'),
      '--checkpoint',
      join(dir, 'checkpoint.json'),
      '--json',
    );
    expect(ingested.status, ingested.stderr).toBe(0);
    expect(JSON.parse(ingested.stdout)).toMatchObject({
      objects: 3,
      events: 900,
      quarantined: 0,
      poisoned: 0,
    });
    const ids = readOutput(join(dir, 'out'), 'telemetry').map((d) => at(d.doc, 'event.id'));
    expect(ids).toHaveLength(900);
    expect(new Set(ids)).toEqual(new Set(uuids));
  }, 150_000);
});

const canRun = motoAvailable() || process.env.CI === 'true';
describe.skipIf(!canRun)('Data Bucket export simulator into S3 (moto)', () => {
  let moto: RunningMoto;
  let s3: S3Client;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: 'AKIAEXPORT0000000001',
        secretAccessKey: 'export-test-secret-key-00000000',
      },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'ses-export' }));
  }, 60_000);
  afterAll(async () => {
    await moto?.close();
  });

  it('puts gzip NDJSON objects under the prefix; ingest s3://bucket/prefix gives exactly the ground-truth ids', async () => {
    const clock = new FakeClock(T0 + 60 * 60_000);
    const exporter = createBucketExporter({
      events: data.events,
      target: { kind: 's3', client: s3, bucket: 'ses-export', prefix: 'tenant-a/' },
      clock,
      maxEventsPerObject: 1000,
    });
    const objects = await exporter.exportDue();
    expect(objects).toHaveLength(3);
    expect(objects.every((o) => o.location.startsWith('s3://ses-export/tenant-a/event/'))).toBe(true);
    const got = await ingest(s3EventObjects(s3, 'ses-export', 'tenant-a/'), clock);
    expect(got.objects).toBe(3);
    expect(new Set(got.ids)).toEqual(new Set(data.events.map((e) => telemetryDocId(e.uuid, undefined))));
    expect(got.ids).toHaveLength(data.events.length);
  });
});
