import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ConnectorError } from '../errors.ts';
import { LineTooLongError, readNdjsonLines } from '../io/ndjson-lines.ts';
import { INVALID_UTF8, splitInvalidUtf8 } from '../io/utf8.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { TelemetryDelivery, TelemetryOrigin } from './telemetry-delivery.ts';

/** One Data Bucket export object (or a local file) to ingest. */
export interface EventObject {
  /** `s3://bucket/key` or a file path: named in quarantine documents and errors. */
  location: string;
  /**
   * What makes this object version unique (`s3://bucket/key` + ETag/versionId, or path + size +
   * mtime): the same identity arriving twice is ingested once.
   */
  identity: string;
  body: AsyncIterable<Uint8Array>;
}

export interface EventFileResult {
  location: string;
  status: 'ingested' | 'duplicate';
  lines: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  bytes: number;
}

/**
 * An object that can never be ingested as it is (corrupt gzip, a line over the limit): retrying
 * will not help, so it goes to the dead-letter queue with this reason.
 */
export class PoisonObjectError extends ConnectorError {
  constructor(
    readonly location: string,
    reason: string,
    options: { cause?: unknown; linesBefore?: number } = {},
  ) {
    super('invalid_response', `${location}: ${reason}`, {
      action: 'Inspect the object; events of the lines before the fault were delivered',
      details: { location, linesBefore: options.linesBefore },
      cause: options.cause,
    });
    this.name = 'PoisonObjectError';
  }
}

export interface IngestDeps {
  delivery: TelemetryDelivery;
  /** Remembers ingested object identities (idempotence); optional for one-off local runs. */
  store?: CheckpointStore;
  tenant: string;
  clock: Clock;
  /** Deliver every this many events (default 5000). */
  batchEvents?: number;
  maxLineBytes?: number;
}

/** State item name of an ingested object: a hash, since keys and ETags can be long. */
export function objectMarker(identity: string): string {
  return `file-${createHash('sha256').update(identity).digest('hex').slice(0, 40)}`;
}

export const FILES_STATE_TENANT_SUFFIX = '.event-files';

/**
 * Stream one NDJSON (or gzip NDJSON, detected by its magic bytes) object through the normalizer and
 * the sink, a batch at a time, so memory holds one batch whatever the object's size. A line is an
 * ICD event, or a `{"events": [...]}` batch like the stream's; a line that is neither is quarantined
 * with the object and line it came from. The object's identity is recorded only after every batch
 * was acknowledged, so a retry after a failure re-delivers (same document ids) and a duplicate
 * notification after success is skipped.
 */
export async function ingestEventObject(object: EventObject, deps: IngestDeps): Promise<EventFileResult> {
  const stateTenant = `${deps.tenant}${FILES_STATE_TENANT_SUFFIX}`;
  const marker = objectMarker(object.identity);
  const result: EventFileResult = {
    location: object.location,
    status: 'ingested',
    lines: 0,
    events: 0,
    quarantined: 0,
    duplicatesSkipped: 0,
    bytes: 0,
  };
  if (deps.store && (await deps.store.loadState(stateTenant, marker)) !== undefined) {
    result.status = 'duplicate';
    return result;
  }
  const batchEvents = Math.max(1, deps.batchEvents ?? 5000);
  const origin: TelemetryOrigin = { source: 'bucket', where: object.location };
  let events: unknown[] = [];
  let invalid: { raw: unknown; reason: string }[] = [];
  const flush = async () => {
    if (events.length === 0 && invalid.length === 0) return;
    const counts = await deps.delivery.deliver(events, origin, invalid);
    result.events += counts.events;
    result.quarantined += counts.quarantined;
    result.duplicatesSkipped += counts.duplicatesSkipped;
    events = [];
    invalid = [];
  };
  try {
    for await (const line of readNdjsonLines(
      decoded(object),
      deps.maxLineBytes ? { maxLineBytes: deps.maxLineBytes } : {},
    )) {
      result.lines++;
      result.bytes += line.bytes;
      const where = `${object.location} line ${line.number}`;
      const bad = line.invalidUtf8 ? ` and ${INVALID_UTF8}` : '';
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (error) {
        invalid.push({ raw: line.text, reason: `${where} is not JSON (${(error as Error).message})${bad}` });
        continue;
      }
      let found: unknown[];
      if (
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Array.isArray((value as { events?: unknown }).events) &&
        !('uuid' in value)
      ) {
        found = (value as { events: unknown[] }).events;
      } else if (value && typeof value === 'object' && !Array.isArray(value)) {
        found = [value];
      } else {
        invalid.push({ raw: line.text, reason: `${where} is not a JSON object${bad}` });
        continue;
      }
      if (line.invalidUtf8) {
        const split = splitInvalidUtf8(found, (i) =>
          found.length === 1 && found[0] === value ? where : `${where} event ${i}`,
        );
        events.push(...split.clean);
        invalid.push(...split.invalid);
      } else {
        events.push(...found);
      }
      if (events.length + invalid.length >= batchEvents) await flush();
    }
  } catch (error) {
    if (error instanceof LineTooLongError) {
      await flush();
      throw new PoisonObjectError(object.location, error.message, {
        cause: error,
        linesBefore: result.lines,
      });
    }
    if (isZlibError(error)) {
      await flush();
      throw new PoisonObjectError(
        object.location,
        `gzip data is corrupt after ${result.lines} lines (${(error as Error).message})`,
        {
          cause: error,
          linesBefore: result.lines,
        },
      );
    }
    throw error;
  }
  await flush();
  await deps.store?.saveState(stateTenant, marker, {
    location: object.location,
    at: new Date(deps.clock.now()).toISOString(),
    events: result.events,
    lines: result.lines,
  });
  return result;
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The object's bytes, gunzipped when they start with the gzip magic (whatever the name says). */
async function* decoded(object: EventObject): AsyncGenerator<Uint8Array> {
  const iterator = object.body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* rest;
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    // pipeline (not pipe): a failing source (S3 connection reset) must fail the iteration too.
    pipeline(Readable.from(all()), gunzip, (error) => {
      if (error) gunzip.destroy(error);
    });
    yield* gunzip;
  } else {
    yield* all();
  }
}
