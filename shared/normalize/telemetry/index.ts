/**
 * The telemetry normalizer: one SES / ICDm endpoint event (Event Stream, Data Bucket export or
 * Event Search) in, one ECS document out, following Elastic's `symantec_endpoint_security` event
 * pipeline (dataset `symantec_endpoint_security.event`, ECS fields, vendor namespace `ses.*`).
 * Short dataset name `telemetry` (output path `telemetry/`). Pure, synchronous, never throws: what
 * cannot be normalized becomes a quarantine document carrying its origin.
 *
 *   normalizeTelemetry(rawEventOrJsonText, options)   → [document] or [quarantine]
 *   normalizeTelemetryLine(ndjsonLine, options)        → same, for one line ([] for a blank line)
 */
import type { OutputDocument } from '../../ports/document.ts';
import { canonicalJson, isPlainObject, jsonOf, safeStringify, sha256Hex, toTimestamp } from '../convert.ts';
import { dataStream, ECS_VERSION, type NormalizeOptions, type RunContext, runContext } from '../options.ts';
import { buildQuarantine } from '../quarantine.ts';
import { DocBuilder } from './builder.ts';
import { otherCategory } from './category-other.ts';
import { security } from './category-security.ts';
import { systemActivity } from './category-system.ts';
import { CATEGORY_NAME, common } from './common.ts';
import { copySes, SesReport } from './ses-copy.ts';

/** Elastic's event data stream name (same dataset, so Elastic content works on our documents). */
export const TELEMETRY_DATASET = 'symantec_endpoint_security.event';
const TAGS = ['symantec_endpoint_security-event'];

export interface TelemetryNormalizeOptions extends NormalizeOptions {
  /**
   * Where the records come from, for quarantine documents: e.g. `s3://bucket/key:17` (file and
   * line) or `stream:<guid>/<channel>@<cursor>`.
   */
  origin?: string;
}

/**
 * Document id: SHA-256 hex of `telemetry\n<uuid>`, so the same event read from the stream, the
 * bucket and event search is one document. Without a uuid: of the canonical JSON of the event.
 */
export function telemetryDocId(uuid: string | undefined, raw: unknown): string {
  return sha256Hex(uuid !== undefined ? `telemetry\n${uuid}` : `telemetry\n#${canonicalJson(raw)}`);
}

/**
 * Normalize one raw event: the parsed object, or its JSON text (then the text itself becomes
 * `event.original` when `keepOriginal` is on). Returns exactly one document. Never throws.
 */
export function normalizeTelemetry(raw: unknown, options: TelemetryNormalizeOptions): OutputDocument[] {
  const ctx = runContext(options);
  const origin = options?.origin;
  try {
    return [normalize(raw, ctx, origin, typeof raw === 'string')];
  } catch (error) {
    // Defensive: a bug must cost one record, not the batch.
    const why = error instanceof Error ? error.message : String(error);
    return [quarantine(raw, `normalizer failed: ${why}`, ctx, origin, 'invalid_field')];
  }
}

/**
 * One NDJSON line → its document (or quarantine document). A blank line yields nothing; a line
 * that is not JSON is quarantined with the origin given (include the line number in it).
 */
export function normalizeTelemetryLine(line: string, options: TelemetryNormalizeOptions): OutputDocument[] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return [];
  return normalizeTelemetry(text, options);
}

function quarantine(
  raw: unknown,
  reason: string,
  ctx: RunContext,
  origin: string | undefined,
  errorType: 'invalid_json' | 'not_an_object' | 'missing_field' | 'invalid_field',
  original?: string,
): OutputDocument {
  return buildQuarantine(raw, reason, ctx, { errorType, source: 'telemetry', origin }, original);
}

function normalize(
  raw: unknown,
  ctx: RunContext,
  origin: string | undefined,
  isText: boolean,
): OutputDocument {
  let rec: unknown = raw;
  if (isText) {
    try {
      rec = JSON.parse(raw as string);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return quarantine(raw, `line is not valid JSON: ${why}`, ctx, origin, 'invalid_json');
    }
  }
  if (!isPlainObject(rec)) {
    const got = rec === null ? 'null' : Array.isArray(rec) ? 'an array' : `a ${typeof rec}`;
    return quarantine(
      rec,
      `expected an event object, got ${got}`,
      ctx,
      origin,
      'not_an_object',
      isText ? (raw as string) : undefined,
    );
  }
  const rawTime = rec['time'];
  const hasTime = rawTime !== undefined && rawTime !== null && rawTime !== '';
  if (hasTime && toTimestamp(rawTime) === undefined) {
    return quarantine(
      rec,
      `time is not a valid date (ISO 8601 or epoch milliseconds): ${safeStringify(rawTime).slice(0, 60)}`,
      ctx,
      origin,
      'invalid_field',
      isText ? (raw as string) : undefined,
    );
  }

  const report = new SesReport();
  const ses = copySes(rec, report);
  const b = new DocBuilder(ses);
  const categoryId = typeof ses['category_id'] === 'string' ? ses['category_id'] : undefined;
  const typeId = typeof ses['type_id'] === 'string' ? ses['type_id'] : undefined;
  const categoryName = categoryId === undefined ? undefined : CATEGORY_NAME[categoryId];
  if (categoryName) ses['category_name'] = categoryName;

  // @timestamp = time; without one (never seen from the API), log_time, device_time, then now.
  const timestamp = (ses['time'] ?? ses['log_time'] ?? ses['device_time'] ?? ctx.ingested) as string;
  b.set('@timestamp', timestamp, ses['time'] !== undefined ? 'time' : undefined);
  b.set('ecs.version', ECS_VERSION);
  b.set('data_stream', dataStream(ctx, TELEMETRY_DATASET));
  b.set('event.kind', 'event');
  common(b);
  if (categoryId === '5') systemActivity(b, typeId);
  else if (categoryId === '1') security(b, typeId);
  else otherCategory(b, categoryId, typeId);
  b.set('event.dataset', TELEMETRY_DATASET);
  b.set('event.ingested', ctx.ingested);
  if (ctx.keepOriginal) b.set('event.original', isText ? (raw as string) : jsonOf(rec));
  const sesOut = b.finish(ctx.preserveDuplicates);

  const doc = b.doc;
  if (report.errors) {
    doc['error'] = { message: report.errors.join('; ') };
    (doc['event'] as Record<string, unknown>)['kind'] = 'pipeline_error';
  }
  doc['ses'] = sesOut;
  doc['tags'] = TAGS.slice();
  const uuid = typeof rec['uuid'] === 'string' && rec['uuid'] !== '' ? rec['uuid'] : undefined;
  const id = telemetryDocId(uuid, rec);
  doc['symantec_edr_cloud'] = { doc_id: id };
  return { id, dataset: 'telemetry', timestamp, doc };
}
