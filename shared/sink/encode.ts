import { createHash } from 'node:crypto';
import { DATASET_PREFIX, type OutputDocument } from '../ports/document.ts';

/** Excerpt of the original kept in a quarantine document (characters). */
export const QUARANTINE_EXCERPT_CHARS = 16 * 1024;

export interface Encoded {
  doc: OutputDocument;
  /** One NDJSON line, always ending with "\n". */
  line: string;
  bytes: number;
  /** True when `doc` is a quarantine document that replaced the input document. */
  quarantined: boolean;
}

/** JSON + "\n": Firehose concatenates records, so without the newline readers see one giant line. */
export function toLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export function encode(doc: OutputDocument, now: () => number): Encoded {
  let line: string;
  try {
    line = toLine(doc.doc);
  } catch (error) {
    const q = quarantineDocument(doc, {
      type: 'unserializable_document',
      message: `Document ${doc.id} of dataset ${doc.dataset} cannot be serialised to JSON (${(error as Error).message})`,
      excerpt: safeStringify(doc.doc),
      now: now(),
    });
    line = toLine(q.doc);
    return { doc: q, line, bytes: Buffer.byteLength(line), quarantined: true };
  }
  return { doc, line, bytes: Buffer.byteLength(line), quarantined: false };
}

/** Truncate to at most `max` characters without splitting a surrogate pair. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end);
}

/**
 * A quarantine document replacing a document that cannot be delivered as is: it keeps the reason,
 * the original document id and dataset, and an excerpt of the original, so nothing vanishes silently.
 */
export function quarantineDocument(
  original: OutputDocument,
  reason: { type: string; message: string; excerpt: string; now: number },
): OutputDocument {
  const timestamp = new Date(reason.now).toISOString();
  const dataStream = (original.doc as { data_stream?: { namespace?: unknown } }).data_stream;
  const namespace = typeof dataStream?.namespace === 'string' ? dataStream.namespace : 'default';
  const dataset = `${DATASET_PREFIX}quarantine`;
  const id = createHash('sha256').update(`quarantine\0${reason.type}\0${original.id}`).digest('hex');
  const truncated = reason.excerpt.length > QUARANTINE_EXCERPT_CHARS;
  return {
    id,
    dataset: 'quarantine',
    timestamp,
    doc: {
      '@timestamp': timestamp,
      ecs: { version: '8.11.0' },
      data_stream: { type: 'logs', dataset, namespace },
      event: {
        dataset,
        kind: 'pipeline_error',
        original: truncated
          ? `${truncateChars(reason.excerpt, QUARANTINE_EXCERPT_CHARS)}…[truncated, ${reason.excerpt.length} characters in total]`
          : reason.excerpt,
      },
      error: { type: reason.type, message: reason.message },
      tags: ['quarantined'],
      symantec_edr_cloud: {
        doc_id: id,
        quarantine: {
          original_doc_id: original.id,
          original_dataset: `${DATASET_PREFIX}${original.dataset}`,
          original_timestamp: original.timestamp,
        },
      },
    },
  };
}

function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return String(value);
  }
}
