import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandOutput,
} from '@aws-sdk/client-firehose';
import { SinkError } from '../errors.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { OutputDocument } from '../ports/document.ts';
import { type Logger, silentLogger } from '../ports/logger.ts';
import type { Sink, SinkBatch, SinkWriteResult } from '../ports/sink.ts';
import { type Encoded, encode, LineBuffer, quarantineDocument, toLine, truncateChars } from './encode.ts';
import { withNativeBody } from './firehose-body.ts';

/** PutRecordBatch limits (Amazon Data Firehose quotas). */
export const FIREHOSE_LIMITS = {
  recordsPerCall: 500,
  /** Sum of the records' data per call (4 MiB). */
  bytesPerCall: 4 * 1024 * 1024,
  /** One record's data before base64 (1,000 KiB). */
  bytesPerRecord: 1000 * 1024,
  /** Sub-records Firehose's record de-aggregation splits out of one record, at most. */
  documentsPerRecord: 500,
} as const;

/** Firehose bills ingestion per record, each rounded up to a multiple of 5 KB. */
export const FIREHOSE_BILLING_UNIT_BYTES = 5 * 1024;

/**
 * What one record carries: the ids of the documents packed into it, and its data. Not aggregated, a
 * record is one NDJSON line. Aggregated, it is up to 500 lines joined by "\n" with no newline at the
 * end: the S3 stream's de-aggregation processor splits on "\n" and its AppendDelimiterToRecord puts one
 * back after every document, so the objects in S3 are the same NDJSON as without aggregation. `data` is
 * the UTF-8 bytes, encoded once as the lines are made (no joined string) and sent as is on every
 * attempt, retries included.
 */
export interface FirehoseRecord {
  /**
   * Ids of the documents in the record, as sent (a quarantine document's where it replaced one): the
   * documents themselves are not kept, so none outlives its encoding while a batch fills.
   */
  ids: string[];
  data: Uint8Array;
  bytes: number;
}

/** Running totals of what the sink sent (accepted records and their documents, plus every call). */
export interface FirehoseSinkStats {
  /** PutRecordBatch calls, retries included. */
  calls: number;
  /** Records accepted by Firehose. */
  records: number;
  /** Documents in the accepted records. */
  documents: number;
  /** Data bytes of the accepted records. */
  bytes: number;
  /** Bytes Firehose bills for them: every record rounded up to 5 KB. */
  billedBytes: number;
}

/** Appended to a `message` cut to fit the record limit, so readers see it is incomplete. */
export const TRUNCATION_MARKER = '…[truncated: the document exceeded the Firehose record limit]';

export interface FirehoseSinkOptions {
  streamName: string;
  client?: FirehoseClient;
  /** Sends of one batch, the first included, before the write fails (default 6). */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt, with jitter (default 200 ms). */
  backoffBaseMs?: number;
  /** Ceiling of one backoff delay (default 5 s). */
  backoffMaxMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Jitter source in [0, 1); tests may pin it. */
  random?: () => number;
  /**
   * Pack many documents into one record (≤ 500 documents, ≤ 1,000 KiB). Only for a stream that
   * de-aggregates (the stack's S3 stream, infra/lib/constructs/delivery.ts); default off.
   */
  aggregate?: boolean;
  /**
   * The current run's abort signal (read at each call): a stream endpoint that does not answer cannot
   * carry the run past its deadline. The sink outlives runs (a warm Lambda container), hence a getter.
   */
  abortSignal?: () => AbortSignal | undefined;
}

/** Errors of a whole call that no retry can fix, with what to do; anything else (throttling, 5xx, network) is retried. */
const FATAL_CALL_ERRORS: Record<string, string> = {
  ResourceNotFoundException:
    'Check the delivery stream name (DELIVERY_STREAMS) and the region, or redeploy the stack that creates it',
  AccessDeniedException: 'Grant firehose:PutRecordBatch on the delivery stream ARN to the collector role',
  InvalidKMSResourceException:
    "The stream's KMS key is disabled or its policy refuses Firehose: fix the key, then the next run re-sends",
  InvalidArgumentException: 'This is a bug in the connector: report it with the error details',
  ValidationException: 'This is a bug in the connector: report it with the error details',
  UnrecognizedClientException: 'Check the AWS credentials and region the collector runs with',
  InvalidSignatureException: 'Check the AWS credentials and region the collector runs with',
  ExpiredTokenException: 'Refresh the AWS credentials the collector runs with',
};

/**
 * Delivers documents to an Amazon Data Firehose stream with PutRecordBatch (≤ 500 records, ≤ 4 MiB per
 * call, ≤ 1,000 KiB per record; each record is one JSON line ending in "\n"). A partial failure is
 * normal: only the records that carry an ErrorCode are re-sent, with backoff, up to `maxAttempts`;
 * whole-call throttling is retried the same way. If records are still refused, `write` throws a
 * SinkError so the caller does not advance its checkpoint. Too-large documents are shrunk by rule
 * (drop `event.original`, then truncate `message`) or replaced by a quarantine document, never dropped.
 */
export class FirehoseSink implements Sink {
  readonly description: string;
  readonly streamName: string;
  private readonly client: FirehoseClient;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  readonly aggregate: boolean;
  private readonly abortSignal: (() => AbortSignal | undefined) | undefined;
  readonly stats: FirehoseSinkStats = { calls: 0, records: 0, documents: 0, bytes: 0, billedBytes: 0 };
  /**
   * Record buffers released by finished writes (about 1 MB each, at most SPARE_RECORD_BUFFERS): one
   * sink is either aggregated or not, so its spares are all of one size.
   */
  private readonly spareRecordBuffers: Buffer[] = [];

  constructor(options: FirehoseSinkOptions) {
    this.streamName = options.streamName;
    this.description = `firehose:${options.streamName}`;
    this.client = options.client ?? new FirehoseClient({});
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 6);
    this.backoffBaseMs = options.backoffBaseMs ?? 200;
    this.backoffMaxMs = options.backoffMaxMs ?? 5_000;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.aggregate = options.aggregate === true;
    this.abortSignal = options.abortSignal;
  }

  async write(docs: OutputDocument[]): Promise<SinkWriteResult> {
    const batch = this.batch();
    for (const doc of docs) batch.add(doc);
    return batch.commit();
  }

  /**
   * Each added document is fitted and encoded straight into its record's bytes (the strings die
   * young, and the records keep only ids); `commit` sends the records with the guarantees of `write`.
   */
  batch(): SinkBatch {
    const packer = this.aggregate
      ? new RecordPacker(this.spareRecordBuffers)
      : new SingleRecords(this.spareRecordBuffers);
    const now = () => this.clock.now();
    let added = 0;
    let quarantined = 0;
    return {
      add: (doc) => {
        const record = this.fit(encode(doc, now));
        added++;
        if (record.quarantined) quarantined++;
        packer.add(record);
      },
      commit: async () => {
        const packed = packer.records();
        let retries = 0;
        try {
          for (const batch of batches(packed)) retries += await this.sendBatch(batch);
        } finally {
          // Sent or failed, nothing reads these records again: their buffers serve the next write (the
          // SDK copies Data into its own request body, so no call still holds them).
          packer.release(SPARE_RECORD_BUFFERS);
        }
        return { written: added - quarantined, quarantined, retries };
      },
    };
  }

  async close(): Promise<void> {
    // Nothing is buffered: write() resolves only after Firehose acknowledged every record.
  }

  /** Make a record fit the per-record limit: shrink it by rule, else quarantine it. */
  private fit(record: Encoded): Encoded {
    if (record.bytes <= FIREHOSE_LIMITS.bytesPerRecord) return record;
    const shrunk = shrink(record.doc);
    if (shrunk) {
      this.logger.warn('document shrunk to fit the Firehose record limit', {
        docId: record.doc.id,
        dataset: record.doc.dataset,
        bytesBefore: record.bytes,
        bytesAfter: shrunk.bytes,
      });
      return shrunk;
    }
    const q = quarantineDocument(record.doc, {
      type: 'record_too_large',
      message:
        `Document ${record.doc.id} (dataset ${record.doc.dataset}) is ${record.bytes} bytes as JSON, over the ` +
        `Firehose limit of ${FIREHOSE_LIMITS.bytesPerRecord} bytes per record even without event.original and ` +
        'with message truncated; the excerpt in event.original is its beginning',
      excerpt: record.line,
      now: this.clock.now(),
    });
    this.logger.warn('document too large for Firehose, quarantined', {
      docId: record.doc.id,
      dataset: record.doc.dataset,
      bytes: record.bytes,
    });
    const line = toLine(q.doc);
    return { doc: q, line, bytes: Buffer.byteLength(line), quarantined: true };
  }

  /**
   * Send one batch, re-sending only refused records (an aggregated record re-sends exactly its
   * documents); returns the retries spent.
   */
  private async sendBatch(batch: FirehoseRecord[]): Promise<number> {
    let pending = batch;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      let failed: FirehoseRecord[];
      let reason: string;
      try {
        this.stats.calls++;
        const signal = this.abortSignal?.();
        const response = await this.client.send(
          withNativeBody(
            new PutRecordBatchCommand({
              DeliveryStreamName: this.streamName,
              Records: pending.map((r) => ({ Data: r.data })),
            }),
          ),
          signal ? { abortSignal: signal } : {},
        );
        ({ failed, reason } = refused(pending, response));
        this.count(pending, failed);
        if (failed.length === 0) return retries;
      } catch (error) {
        if (this.abortSignal?.()?.aborted) {
          // Not retried: the run is at its hard stop.
          throw new SinkError(
            `PutRecordBatch to Firehose delivery stream "${this.streamName}" was aborted at the run's hard stop (no answer in time)`,
            {
              action: 'Nothing was checkpointed, so the next run re-sends these documents',
              details: { stream: this.streamName },
              cause: error,
            },
          );
        }
        const name = (error as { name?: string })?.name ?? 'Error';
        const fatal = FATAL_CALL_ERRORS[name];
        if (fatal) {
          throw new SinkError(
            `Firehose refused PutRecordBatch to delivery stream "${this.streamName}" (${name}: ${(error as Error).message})`,
            { action: fatal, details: { stream: this.streamName, awsError: name }, cause: error },
          );
        }
        failed = pending;
        reason = `${name}: ${(error as Error).message}`;
      }
      if (attempt >= this.maxAttempts) {
        const failedDocs = failed.reduce((n, r) => n + r.ids.length, 0);
        const batchDocs = batch.reduce((n, r) => n + r.ids.length, 0);
        const what = this.aggregate
          ? `${failedDocs} of ${batchDocs} documents (in ${failed.length} of ${batch.length} aggregated records)`
          : `${failed.length} of ${batch.length} records`;
        throw new SinkError(
          `${what} were not accepted by Firehose delivery stream "${this.streamName}" after ${attempt} attempts (last error: ${reason})`,
          {
            action:
              'Nothing was checkpointed, so the next run re-sends them; if this persists, check the stream’s throughput quota and its Firehose metrics',
            details: {
              stream: this.streamName,
              attempts: attempt,
              failedCount: failedDocs,
              failedRecords: failed.length,
              failedDocIds: failed.flatMap((r) => r.ids),
              lastError: reason,
            },
          },
        );
      }
      retries++;
      const delay = this.backoff(attempt);
      this.logger.warn('Firehose refused records, retrying only those', {
        stream: this.streamName,
        attempt,
        refused: failed.length,
        of: pending.length,
        refusedDocuments: failed.reduce((n, r) => n + r.ids.length, 0),
        reason,
        delayMs: delay,
      });
      await this.clock.sleep(delay);
      pending = failed;
    }
  }

  /** Adds the records of `sent` that are not in `failed` to the stats. */
  private count(sent: FirehoseRecord[], failed: FirehoseRecord[]): void {
    const refusedSet = failed.length > 0 ? new Set(failed) : undefined;
    for (const r of sent) {
      if (refusedSet?.has(r)) continue;
      this.stats.records++;
      this.stats.documents += r.ids.length;
      this.stats.bytes += r.bytes;
      this.stats.billedBytes += billedBytes(r.bytes);
    }
  }

  /** Exponential backoff with equal jitter: at least half the exponential step, so throttling eases. */
  private backoff(attempt: number): number {
    const step = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }
}

/** The records of `sent` that Firehose refused, by per-record ErrorCode (RequestResponses is in order). */
function refused(
  sent: FirehoseRecord[],
  response: PutRecordBatchCommandOutput,
): { failed: FirehoseRecord[]; reason: string } {
  const responses = response.RequestResponses ?? [];
  const failedCount = response.FailedPutCount ?? 0;
  if (responses.length !== sent.length) {
    if (failedCount === 0) return { failed: [], reason: '' };
    // Without a per-record answer we cannot tell which ones landed: re-sending them all risks
    // duplicates (absorbed by document ids), trusting the count would risk loss.
    return { failed: sent, reason: `FailedPutCount ${failedCount} without per-record results` };
  }
  const failed: FirehoseRecord[] = [];
  let reason = '';
  responses.forEach((entry, i) => {
    if (entry.ErrorCode) {
      failed.push(sent[i] as FirehoseRecord);
      if (!reason) reason = `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim();
    }
  });
  if (failed.length === 0 && failedCount > 0) {
    return { failed: sent, reason: `FailedPutCount ${failedCount} without a per-record ErrorCode` };
  }
  return { failed, reason };
}

/** Bytes Firehose bills for one record of `bytes` data: rounded up to a multiple of 5 KB. */
export function billedBytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / FIREHOSE_BILLING_UNIT_BYTES)) * FIREHOSE_BILLING_UNIT_BYTES;
}

/** Builds a write's records from its fitted lines, in document order. */
interface RecordBuilder {
  add(line: Encoded): void;
  records(): FirehoseRecord[];
  /** Give the buffers back for later writes: only once nothing reads the records any more. */
  release(keep: number): void;
}

/** Bytes of the chunks SingleRecords writes its lines into. */
const SINGLE_CHUNK_BYTES = 1024 * 1024;

/**
 * One document per record (its NDJSON line, newline included). The lines are written back to back
 * into shared chunks and each record's data is a view of its line: no Buffer per document.
 */
export class SingleRecords implements RecordBuilder {
  private readonly out: FirehoseRecord[] = [];
  private chunk: Buffer = Buffer.allocUnsafe(0);
  private used = 0;
  /** The chunks the records are views of, for `release`. */
  private readonly held: Buffer[] = [];

  /** `spare`: chunks a previous write released, used before allocating new ones. */
  constructor(private readonly spare: Buffer[] = []) {}

  add(line: Encoded): void {
    if (this.chunk.length - this.used < line.bytes) {
      this.chunk =
        line.bytes <= SINGLE_CHUNK_BYTES
          ? (this.spare.pop() ?? Buffer.allocUnsafe(SINGLE_CHUNK_BYTES))
          : Buffer.allocUnsafe(line.bytes);
      this.held.push(this.chunk);
      this.used = 0;
    }
    const start = this.used;
    this.used += this.chunk.write(line.line, start, 'utf8');
    this.out.push({ ids: [line.doc.id], data: this.chunk.subarray(start, this.used), bytes: line.bytes });
  }

  records(): FirehoseRecord[] {
    return this.out;
  }

  /** As RecordPacker.release: the standard-size chunks go back to `spare`, at most `keep` in all. */
  release(keep: number): void {
    for (const c of this.held) {
      if (c.length === SINGLE_CHUNK_BYTES && this.spare.length < keep) this.spare.push(c);
    }
    this.held.length = 0;
  }
}

/**
 * Packs documents, in order, into records of at most 500 documents and 1,000 KiB: lines joined by
 * "\n", the last one without its newline (the stream appends one after every sub-record). Each line
 * is encoded straight into its record's bytes.
 */
export class RecordPacker implements RecordBuilder {
  private readonly out: FirehoseRecord[] = [];
  private ids: string[] = [];
  private data = new LineBuffer(0);
  /** The buffer `data` writes into. */
  private current: Buffer = Buffer.allocUnsafe(0);
  /** The full-size buffers the records' data are views of, for `release`. */
  private readonly held: Buffer[] = [];

  /** `spare`: full-size record buffers a previous write released, used before allocating new ones. */
  constructor(private readonly spare: Buffer[] = []) {}

  /**
   * Hand the buffers back to `spare`, at most `keep` in all: only once the records were sent (or the
   * write failed), as the records' data are views of them.
   */
  release(keep: number): void {
    for (const b of this.held) if (this.spare.length < keep) this.spare.push(b);
    this.held.length = 0;
  }

  add(line: Encoded): void {
    // Without its own final newline a record needs `bytes - 1`; each fitted line is ≤ the limit.
    if (
      this.ids.length > 0 &&
      (this.ids.length >= FIREHOSE_LIMITS.documentsPerRecord ||
        this.data.length + line.bytes - 1 > FIREHOSE_LIMITS.bytesPerRecord)
    ) {
      this.flush();
    }
    // Room for a full record and its last newline (dropped at the flush): it never regrows.
    if (this.ids.length === 0) {
      this.current = this.spare.pop() ?? Buffer.allocUnsafe(RECORD_BUFFER_BYTES);
      this.data = new LineBuffer(this.current);
    }
    this.data.append(line.line);
    this.ids.push(line.doc.id);
  }

  records(): FirehoseRecord[] {
    if (this.ids.length > 0) this.flush();
    return this.out;
  }

  private flush(): void {
    // Every line ends with "\n" (one byte): drop the last one.
    const bytes = this.data.length - 1;
    const view = this.data.bytes().subarray(0, bytes);
    let data: Buffer;
    if (bytes < FIREHOSE_LIMITS.bytesPerRecord / 2) {
      // A short record (the last of a write) gets its own copy, and its buffer is free at once.
      data = Buffer.from(view);
      this.spare.push(this.current);
    } else {
      data = view;
      this.held.push(this.current);
    }
    this.out.push({ ids: this.ids, data, bytes });
    this.ids = [];
  }
}

/** Bytes of an aggregated record's buffer: a full record and its last newline, dropped at the flush. */
const RECORD_BUFFER_BYTES = FIREHOSE_LIMITS.bytesPerRecord + 1;
/** Record buffers a sink keeps between writes (a write's records are ~6 MiB; a call's at most 4 MiB). */
const SPARE_RECORD_BUFFERS = 8;

/** Greedy batches within the per-call record and byte limits, in document order. */
export function batches(records: FirehoseRecord[]): FirehoseRecord[][] {
  const out: FirehoseRecord[][] = [];
  let current: FirehoseRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (
      current.length > 0 &&
      (current.length >= FIREHOSE_LIMITS.recordsPerCall ||
        bytes + record.bytes > FIREHOSE_LIMITS.bytesPerCall)
    ) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Shrink a too-large document by rule: drop `event.original` (a copy of the raw record), then cut
 * `message` and append TRUNCATION_MARKER. Undefined when it still does not fit.
 */
/** Strings shorter than this are never cut: they are ids, names and labels, not the bulk. */
const MIN_KEPT_CHARS = 1024;

/**
 * Free text that may be cut: the message, its vendor copy (`symantec_edr_cloud.<dataset>.message`) and an
 * alert's description. Any other oversized field (structured data) makes the document a quarantine one.
 */
const CUTTABLE = new Set(['message', 'description']);

function longestString(value: unknown, best: number, key?: string): number {
  if (typeof value === 'string')
    return key !== undefined && CUTTABLE.has(key) ? Math.max(best, value.length) : best;
  if (Array.isArray(value)) return best;
  if (value && typeof value === 'object') {
    let b = best;
    for (const [k, v] of Object.entries(value)) b = longestString(v, b, k);
    return b;
  }
  return best;
}

function cutLongStrings(value: unknown, max: number, key?: string): unknown {
  if (typeof value === 'string')
    return key !== undefined && CUTTABLE.has(key) && value.length > max
      ? truncateChars(value, max) + TRUNCATION_MARKER
      : value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cutLongStrings(v, max, k);
    return out;
  }
  return value;
}

export function shrink(doc: OutputDocument): Encoded | undefined {
  const limit = FIREHOSE_LIMITS.bytesPerRecord;
  const body: Record<string, unknown> = { ...doc.doc };
  const event = body.event;
  if (event && typeof event === 'object' && !Array.isArray(event) && 'original' in event) {
    const { original: _dropped, ...rest } = event as Record<string, unknown>;
    body.event = rest;
  }
  delete body['event.original'];
  const measure = (value: Record<string, unknown>) => {
    const line = toLine(value);
    return { line, bytes: Buffer.byteLength(line) };
  };
  let current = measure(body);
  if (current.bytes <= limit) return { doc: { ...doc, doc: body }, ...current, quarantined: false };
  // The long text usually stands in several fields (message, its vendor copy, an alert's description):
  // cut them all to the same length, the largest that fits (binary search, as JSON escaping makes bytes
  // non-linear in characters).
  let hi = longestString(body, 0);
  if (hi <= MIN_KEPT_CHARS) return undefined;
  let lo = 0;
  let best: { line: string; bytes: number; body: Record<string, unknown> } | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const candidate = cutLongStrings(body, Math.max(mid, MIN_KEPT_CHARS)) as Record<string, unknown>;
    current = measure(candidate);
    if (current.bytes <= limit) {
      best = { ...current, body: candidate };
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (!best) return undefined;
  return { doc: { ...doc, doc: best.body }, line: best.line, bytes: best.bytes, quarantined: false };
}
