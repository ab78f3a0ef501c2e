import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { SinkError } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic-write.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { OutputDocument } from '../ports/document.ts';
import type { Sink, SinkBatch, SinkWriteResult } from '../ports/sink.ts';
import { encodeLine, LineBuffer } from './encode.ts';

const gzip = promisify(gzipCb);

/**
 * zlib's output chunk for a file: each full chunk is a callback on the main thread, and a page's file is
 * megabytes (16 KiB, the default, spent 4-5 ms of main-thread CPU per 5.5 MB file; this 1-2 ms).
 */
const GZIP_CHUNK_BYTES = 256 * 1024;

/** Buffers a local sink keeps between writes (one per file of a write: dataset × day). */
const SPARE_BUFFERS = 8;

export interface LocalSinkOptions {
  /** Output root; files go to `<dir>/<dataset>/year=YYYY/month=MM/day=DD/<file>.json.gz`. */
  dir: string;
  clock?: Clock;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `year=YYYY/month=MM/day=DD` of a time in ms, UTC. */
function partitionOfMs(ms: number): string {
  const d = new Date(ms);
  return `year=${d.getUTCFullYear()}/month=${pad2(d.getUTCMonth() + 1)}/day=${pad2(d.getUTCDate())}`;
}

/**
 * A UTC ISO timestamp with a time of day in range (what the normalizer writes): its UTC day depends
 * only on the date it starts with, so that date's partition is remembered (`partitionPath` ran
 * Date.parse and a Date per document).
 */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;
/** Date (`YYYY-MM-DD`) → its partition, or null when it does not parse; cleared when it gets large. */
const dayPartitions = new Map<string, string | null>();
const DAY_PARTITIONS_MAX = 4096;

/** `year=YYYY/month=MM/day=DD` of an ISO timestamp in UTC; the write time when it does not parse. */
export function partitionPath(timestamp: string, fallback: number): string {
  if (UTC_TIMESTAMP.test(timestamp)) {
    const day = timestamp.slice(0, 10);
    let known = dayPartitions.get(day);
    if (known === undefined) {
      // Midnight of that date, through the same parse: Date.parse rolls 2026-02-30 over to 03-02.
      const ms = Date.parse(`${day}T00:00:00Z`);
      known = Number.isNaN(ms) ? null : partitionOfMs(ms);
      if (dayPartitions.size >= DAY_PARTITIONS_MAX) dayPartitions.clear();
      dayPartitions.set(day, known);
    }
    return known ?? partitionOfMs(fallback);
  }
  const ms = Date.parse(timestamp);
  return partitionOfMs(Number.isNaN(ms) ? fallback : ms);
}

/**
 * Writes gzip NDJSON in the layout Firehose produces in S3, so the same Athena/DuckDB queries read
 * both. One file per write() and partition, named `<run id>-<sequence>.json.gz`; each file is written
 * to a hidden temp name, fsynced and renamed, so a reader (or a glob on `*.json.gz`) never sees half
 * a file.
 */
export class LocalSink implements Sink {
  readonly description: string;
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly runId: string;
  private sequence = 0;
  /**
   * Buffers of finished writes, reused by the next ones: a page's NDJSON is megabytes, and allocating
   * it afresh per write (regrowing from 64 KiB) made external-memory churn that drove GCs.
   */
  private readonly spare: Buffer[] = [];
  /**
   * Partition directories this sink created (or found): `mkdir -p` once per directory, not per file
   * (a syscall per path level). One removed while the sink runs is created again on ENOENT.
   */
  private readonly made = new Set<string>();

  constructor(options: LocalSinkOptions) {
    this.dir = options.dir;
    this.description = options.dir;
    this.clock = options.clock ?? systemClock;
    const stamp = new Date(this.clock.now())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.runId = `ses-${stamp}-${randomBytes(4).toString('hex')}`;
  }

  write(docs: OutputDocument[]): Promise<SinkWriteResult> {
    const batch = this.batch();
    for (const doc of docs) batch.add(doc);
    return batch.commit();
  }

  /**
   * Each added document is encoded into its file's bytes at once; `commit` writes the files. The
   * batch's start is its write time (quarantine timestamps, the partition of an unparsable timestamp).
   */
  batch(): SinkBatch {
    const now = this.clock.now();
    const clock = () => now;
    // `<dataset>/<partition>` → its NDJSON bytes; files are numbered in order of first appearance.
    const groups = new Map<string, LineBuffer>();
    let added = 0;
    let quarantined = 0;
    return {
      add: (input) => {
        const encoded = encodeLine(input, clock);
        added++;
        if (encoded.quarantined) quarantined++;
        const key = `${encoded.doc.dataset}/${partitionPath(encoded.doc.timestamp, now)}`;
        let lines = groups.get(key);
        if (!lines) {
          lines = new LineBuffer(this.spare.pop());
          groups.set(key, lines);
        }
        lines.append(encoded.line);
      },
      commit: async () => {
        try {
          for (const [relative, lines] of groups) {
            const seq = String(++this.sequence).padStart(6, '0');
            await this.writeFile(join(this.dir, relative), `${this.runId}-${seq}.json.gz`, lines.bytes());
          }
        } finally {
          // The files are written (or the write failed): gzip has read these bytes and nothing else will.
          for (const lines of groups.values()) {
            if (this.spare.length < SPARE_BUFFERS) this.spare.push(lines.storage());
          }
          groups.clear();
        }
        return { written: added - quarantined, quarantined, retries: 0 };
      },
    };
  }

  async close(): Promise<void> {
    // Every write() is already durable: nothing is buffered.
  }

  private async writeFile(directory: string, name: string, ndjson: Buffer): Promise<void> {
    const target = join(directory, name);
    try {
      const known = this.made.has(directory);
      if (!known) {
        await mkdir(directory, { recursive: true });
        this.made.add(directory);
      }
      const gz = await gzip(ndjson, { chunkSize: GZIP_CHUNK_BYTES });
      try {
        await writeFileAtomic(target, gz);
      } catch (error) {
        if (!known || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(directory, { recursive: true });
        await writeFileAtomic(target, gz);
      }
    } catch (error) {
      this.made.delete(directory);
      const code = (error as NodeJS.ErrnoException).code;
      throw new SinkError(`Cannot write ${target} (${code ?? (error as Error).message})`, {
        action: `Check that the output directory ${this.dir} is writable and the disk is not full`,
        details: { path: target, code },
        cause: error,
      });
    }
  }
}
