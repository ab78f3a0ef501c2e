/**
 * The telemetry side of `ses-connector simulator`: generated endpoint events served by the Event
 * Stream and Event Search endpoints, and the Data Bucket export that writes them as NDJSON `.gz`
 * objects into a folder (`--export-dir`) or a bucket (`--export-s3 s3://bucket/prefix`, any endpoint
 * through AWS_ENDPOINT_URL), every `--export-every` seconds, with the ground truth in a JSON file.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type Command, InvalidArgumentError } from 'commander';
import { parseS3Url } from '../../collector/event-file-sources.ts';
import {
  type BucketExporter,
  createBucketExporter,
  type ExportTarget,
} from '../../simulator/bucket-export.ts';
import type { EventApiOptions } from '../../simulator/event-api.ts';
import { generateTelemetry, type TelemetryDataSet } from '../../simulator/telemetry-generator.ts';
import { integer } from '../arguments.ts';

/** Stream GUID the simulator serves telemetry on (the CLI's `stream` uses the same one by default). */
export const SIMULATED_STREAM_ID = '00000000-5e5e-4c0d-9e00-000000000001';

export interface TelemetryFlags {
  telemetryEvents: number;
  streamChannels: number;
  exportDir?: string;
  exportS3?: string;
  exportEvery: number;
  exportMaxEvents: number;
  exportGroundTruth?: string;
  exportOnce?: boolean;
}

function s3Arg(value: string): string {
  if (!parseS3Url(value)) throw new InvalidArgumentError('expected s3://bucket/prefix');
  return value;
}

export function addTelemetryOptions(cmd: Command): Command {
  return cmd
    .option(
      '--telemetry-events <n>',
      'endpoint telemetry events to generate over the span (served by the Event Stream and Event Search endpoints)',
      integer('--telemetry-events', 0, 5_000_000),
      0,
    )
    .option(
      '--stream-channels <n>',
      'channels of the simulated Event Stream',
      integer('--stream-channels', 1, 64),
      1,
    )
    .option(
      '--export-dir <dir>',
      'Data Bucket export: write the telemetry as NDJSON .gz files into this folder',
    )
    .option(
      '--export-s3 <s3://bucket/prefix>',
      'Data Bucket export into an S3 bucket (AWS_ENDPOINT_URL reaches an emulator such as moto)',
      s3Arg,
    )
    .option(
      '--export-every <seconds>',
      'export the events whose log_time has passed every N seconds',
      integer('--export-every', 1),
      300,
    )
    .option(
      '--export-max-events <n>',
      'largest export object, in events',
      integer('--export-max-events', 1),
      5000,
    )
    .option(
      '--export-ground-truth <file>',
      'after each export, write {"objects":[{"key","location","uuids"}],"pending"} to this JSON file',
    )
    .option('--export-once', 'export what is due, write the ground truth and exit (no server)');
}

export interface SimulatedTelemetry {
  data: TelemetryDataSet;
  api: EventApiOptions;
  exporter: BucketExporter | undefined;
  /** Start the export schedule (or export once); resolves after the first export. */
  startExport(log: (line: string) => void): Promise<void>;
}

/** Telemetry over the same span as the incidents (and `futureHours` ahead, exported as it comes due). */
export function simulatedTelemetry(
  flags: TelemetryFlags & { seed: number; spanHours: number; futureHours: number },
): SimulatedTelemetry | undefined {
  if (flags.exportDir && flags.exportS3)
    throw new InvalidArgumentError('--export-dir and --export-s3: give one of them');
  if ((flags.exportDir || flags.exportS3) && flags.telemetryEvents === 0)
    throw new InvalidArgumentError('--export-dir/--export-s3 need --telemetry-events N (N > 0)');
  if (flags.telemetryEvents === 0) return undefined;
  const now = Date.now();
  const data = generateTelemetry({
    seed: flags.seed,
    count: flags.telemetryEvents,
    from: now - flags.spanHours * 3_600_000,
    // log_time trails time by up to 6 min: without future hours, every event is due by now.
    to: now + flags.futureHours * 3_600_000 - 10 * 60_000,
  });
  const api: EventApiOptions = {
    streams: [{ id: SIMULATED_STREAM_ID, channels: flags.streamChannels }],
    events: data.events,
    retentionHours: Math.max(24, flags.spanHours + 1),
  };
  const s3 = flags.exportS3 ? parseS3Url(flags.exportS3) : undefined;
  const target: ExportTarget | undefined = flags.exportDir
    ? { kind: 'dir', dir: resolve(flags.exportDir) }
    : s3
      ? {
          kind: 's3',
          client: new S3Client({
            forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3),
          }),
          bucket: s3.bucket,
          prefix: s3.prefix && !s3.prefix.endsWith('/') ? `${s3.prefix}/` : s3.prefix,
        }
      : undefined;
  const exporter = target
    ? createBucketExporter({ events: data.events, target, maxEventsPerObject: flags.exportMaxEvents })
    : undefined;
  const truthFile = flags.exportGroundTruth ? resolve(flags.exportGroundTruth) : undefined;
  const writeTruth = async () => {
    if (!exporter || !truthFile) return;
    const t = exporter.groundTruth;
    await writeFile(
      truthFile,
      `${JSON.stringify({ objects: t.objects.map(({ key, location, uuids }) => ({ key, location, uuids })), exported: t.exported().length, pending: t.pending() })}\n`,
    );
  };
  return {
    data,
    api,
    exporter,
    async startExport(log) {
      if (!exporter) return;
      const report = (objects: { location: string; uuids: string[] }[]) => {
        for (const o of objects) log(`exported ${o.uuids.length} events to ${o.location}`);
      };
      if (flags.exportOnce) {
        report(await exporter.exportDue());
        await writeTruth();
        return;
      }
      const first = await exporter.exportDue();
      report(first);
      await writeTruth();
      let seen = exporter.groundTruth.objects.length;
      exporter.start(flags.exportEvery * 1000, (error) =>
        log(
          `export failed (retried at the next tick): ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
      // After each tick: report the new objects and rewrite the ground truth.
      const watch = setInterval(
        () => {
          const objects = exporter.groundTruth.objects;
          if (objects.length === seen) return;
          report(objects.slice(seen));
          seen = objects.length;
          void writeTruth();
        },
        Math.min(1000, flags.exportEvery * 1000),
      );
      watch.unref();
    },
  };
}
