/**
 * Quarantine documents: the record that could not be normalized, with the reason, so nothing is
 * ever dropped silently. `event.original` is always kept since it is the only copy.
 */
import { redactor } from '../logging/redact.ts';
import type { OutputDocument } from '../ports/document.ts';
import { canonicalJson, safeStringify, sha256Hex } from './convert.ts';
import { dataStream, ECS_VERSION, type NormalizeOptions, type RunContext, runContext } from './options.ts';

export type QuarantineErrorType =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_field'
  | 'invalid_field'
  | 'rejected'
  /** Raised by a sink: a document that cannot be serialised or is over the destination's limit. */
  | 'unserializable_document'
  | 'record_too_large';

export interface QuarantineContext {
  /** Default `rejected` (an item the API client refused). */
  errorType?: QuarantineErrorType;
  /**
   * What was quarantined: a raw `input` line/item (default), an `incident`, one `event`, one
   * `telemetry` record (an Event Stream / Data Bucket / Event Search line), or a normalized
   * `document` a sink could not deliver (then `document` names it).
   */
  source?: 'input' | 'incident' | 'event' | 'telemetry' | 'document';
  /** Where the raw record came from (file key and line number, or stream cursor). */
  origin?: string;
  /** The normalized document a sink replaced (source `document`). */
  document?: { id: string; dataset: string; timestamp: string };
  /** Parent incident of a quarantined event. */
  incidentUid?: string;
  /** Position of a quarantined event in its incident's `events`. */
  eventIndex?: number;
}

const DATASET = 'symantec_edr_cloud.quarantine';
const TAGS = ['symantec_edr_cloud-quarantine'];

/**
 * Document id over the raw input: a raw text as is, any other value as canonical JSON (sorted
 * keys), prefixed by where it came from so the same bad event in two incidents stays two documents.
 */
function quarantineId(
  raw: unknown,
  source: string,
  incidentUid: string,
  eventIndex: string,
  origin?: string,
): string {
  if (source === 'document') return sha256Hex(`quarantine\n${source}\n${incidentUid}\n${eventIndex}`);
  const body = typeof raw === 'string' ? raw : canonicalJson(raw);
  // The origin (when given) is part of the id: the same bad line in two files is two documents.
  const where = origin === undefined ? '' : `${origin}\n`;
  return sha256Hex(`quarantine\n${source}\n${where}${incidentUid}\n${eventIndex}\n${body}`);
}

/** A raw text as received; any other value as its JSON. Never empty (the field would vanish). */
function originalText(raw: unknown): string {
  const s = safeStringify(raw);
  return s === '' ? '""' : s;
}

export function buildQuarantine(
  raw: unknown,
  reason: string,
  ctx: RunContext,
  qctx: QuarantineContext = {},
  original?: string,
): OutputDocument {
  const source = qctx.source ?? 'input';
  const incidentUid = qctx.incidentUid;
  const eventIndex = qctx.eventIndex;
  let id: string;
  try {
    id = qctx.document
      ? // A document replaced by a sink: one quarantine document per (reason, original document).
        quarantineId(raw, 'document', qctx.errorType ?? 'rejected', qctx.document.id)
      : quarantineId(
          raw,
          source,
          incidentUid ?? '',
          eventIndex === undefined ? '' : String(eventIndex),
          qctx.origin,
        );
  } catch {
    id = sha256Hex(`quarantine\n${source}\n${String(raw)}`);
  }
  const q: Record<string, unknown> = { source };
  if (incidentUid) q['incident_uid'] = incidentUid;
  if (eventIndex !== undefined) q['event_index'] = eventIndex;
  if (qctx.origin !== undefined && qctx.origin !== '') q['origin'] = qctx.origin;
  if (qctx.document) {
    q['original_doc_id'] = qctx.document.id;
    q['original_dataset'] = `symantec_edr_cloud.${qctx.document.dataset}`;
    q['original_timestamp'] = qctx.document.timestamp;
  }
  const doc = {
    '@timestamp': ctx.ingested,
    ecs: { version: ECS_VERSION },
    data_stream: dataStream(ctx, DATASET),
    event: {
      kind: 'pipeline_error',
      dataset: DATASET,
      ingested: ctx.ingested,
      // A record can carry what the API echoed of our own secrets (an access token, say): the
      // quarantine document is output like a log line, so known secrets are masked in it too.
      original: redactor.redact(original ?? originalText(raw)),
    },
    error: {
      message: reason === '' ? 'rejected without a reason' : redactor.redact(reason),
      type: qctx.errorType ?? 'rejected',
    },
    tags: TAGS.slice(),
    symantec_edr_cloud: { doc_id: id, quarantine: q },
  };
  return { id, dataset: 'quarantine', timestamp: ctx.ingested, doc };
}

/**
 * A quarantine document for a raw item that could not be normalized (also used by the collector
 * for items the API client rejected). `reason` should name the field. A string `raw` is taken as
 * the raw text received (kept verbatim in `event.original`); any other value is kept as its JSON.
 * Never throws.
 */
export function quarantineDocument(
  raw: unknown,
  reason: string,
  options: NormalizeOptions,
  context: QuarantineContext = {},
): OutputDocument {
  return buildQuarantine(raw, String(reason), runContext(options), context);
}
