/**
 * Simulator of the Data Bucket export: on a schedule, the events whose `log_time` has passed are written
 * as vendor-shaped NDJSON objects (one ICD event per line, gzip by default) into a local folder or an S3
 * bucket (any endpoint: `AWS_ENDPOINT_URL` reaches moto), with a ground truth of what each object holds.
 *
 * The real export's object layout is not public (reference event-apis-ocsf-peers.md §6 item 3: Elastic
 * only shows `events.log` / `.gz`), so the layout is configurable; the default is
 * `<prefix>event/YYYY/MM/DD/HH/ses-events-<YYYYMMDDTHHMMSSZ>-<seq>.json.gz` (hour of the export, events
 * in `log_time` order, at most `maxEventsPerObject` per object). Each local file is written under a
 * hidden name and renamed, so a reader never sees half an object.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SimulatorClock } from './server.ts';

export type ExportTarget =
  | { kind: 'dir'; dir: string }
  | { kind: 's3'; client: S3Client; bucket: string; prefix?: string };

export interface BucketExportOptions {
  /** Raw ICD events with `uuid` and `log_time`; exported once `log_time` <= now. */
  events: readonly Record<string, unknown>[];
  target: ExportTarget;
  clock?: SimulatorClock;
  /** Largest object, in events (default 5000). */
  maxEventsPerObject?: number;
  /** gzip the objects (default true; false writes `.json`). */
  gzip?: boolean;
  /** Key prefix inside the folder or bucket, before `event/` (default none). */
  prefix?: string;
}

export interface ExportedObject {
  /** Key relative to the folder / bucket. */
  key: string;
  /** Where it was written: a file path or `s3://bucket/key`. */
  location: string;
  uuids: string[];
  bytes: number;
}

export interface BucketExportTruth {
  objects: ExportedObject[];
  /** Every uuid exported so far, in export order. */
  exported(): string[];
  /** uuids whose `log_time` has not passed yet (not exported). */
  pending(): number;
}

export interface BucketExporter {
  /** Export every event due now: zero or more objects. */
  exportDue(): Promise<ExportedObject[]>;
  /** Export every `intervalMs` until stopped (the first export at once); errors go to `onError`. */
  start(intervalMs: number, onError?: (error: unknown) => void): void;
  /** Stop the schedule and wait for an export in progress. */
  stop(): Promise<void>;
  groundTruth: BucketExportTruth;
}

interface Due {
  uuid: string;
  logTime: number;
  text: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function stamp(ms: number): { hourPath: string; compact: string } {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const mo = pad(d.getUTCMonth() + 1);
  const da = pad(d.getUTCDate());
  const h = pad(d.getUTCHours());
  return {
    hourPath: `${y}/${mo}/${da}/${h}`,
    compact: `${y}${mo}${da}T${h}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`,
  };
}

export function createBucketExporter(options: BucketExportOptions): BucketExporter {
  const clock = options.clock ?? { now: () => Date.now() };
  const maxEvents = Math.max(1, options.maxEventsPerObject ?? 5000);
  const gzip = options.gzip !== false;
  const prefix = options.prefix ?? (options.target.kind === 's3' ? (options.target.prefix ?? '') : '');
  const queue: Due[] = options.events
    .map((raw, i) => {
      const t = Date.parse(String(raw['log_time'] ?? ''));
      return {
        uuid: String(raw['uuid'] ?? `sim:${i}`),
        logTime: Number.isNaN(t) ? 0 : t,
        text: JSON.stringify(raw),
      };
    })
    .sort((a, b) => a.logTime - b.logTime);
  let next = 0;
  let sequence = 0;
  const objects: ExportedObject[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const put = async (key: string, body: Buffer): Promise<string> => {
    const target = options.target;
    if (target.kind === 'dir') {
      const path = join(target.dir, key);
      await mkdir(dirname(path), { recursive: true });
      const hidden = join(dirname(path), `.${key.split('/').pop()}.tmp`);
      await writeFile(hidden, body);
      await rename(hidden, path);
      return path;
    }
    await target.client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
        ...(gzip ? { ContentEncoding: 'gzip' } : {}),
      }),
    );
    return `s3://${target.bucket}/${key}`;
  };

  const exportDue = async (): Promise<ExportedObject[]> => {
    const now = clock.now();
    const written: ExportedObject[] = [];
    while (next < queue.length && (queue[next] as Due).logTime <= now) {
      const batch: Due[] = [];
      while (batch.length < maxEvents && next < queue.length && (queue[next] as Due).logTime <= now) {
        batch.push(queue[next] as Due);
        next++;
      }
      const { hourPath, compact } = stamp(now);
      const key = `${prefix}event/${hourPath}/ses-events-${compact}-${pad(++sequence, 6)}.json${gzip ? '.gz' : ''}`;
      const text = `${batch.map((e) => e.text).join('\n')}\n`;
      const body = gzip ? gzipSync(text) : Buffer.from(text);
      try {
        const location = await put(key, body);
        const object = { key, location, uuids: batch.map((e) => e.uuid), bytes: body.length };
        objects.push(object);
        written.push(object);
      } catch (error) {
        // Not written: these events are exported by the next attempt.
        next -= batch.length;
        throw error;
      }
    }
    return written;
  };

  return {
    exportDue,
    start(intervalMs, onError) {
      const tick = () => {
        running = running.then(exportDue).catch((error) => onError?.(error));
      };
      tick();
      timer = setInterval(tick, Math.max(1, intervalMs));
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    groundTruth: {
      objects,
      exported: () => objects.flatMap((o) => o.uuids),
      pending: () => queue.length - next,
    },
  };
}
