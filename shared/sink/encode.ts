import { safeStringify } from '../normalize/convert.ts';
import { buildQuarantine } from '../normalize/quarantine.ts';
import type { OutputDocument } from '../ports/document.ts';

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
 * Built by the normalizer's one quarantine builder.
 */
export function quarantineDocument(
  original: OutputDocument,
  reason: {
    type: 'unserializable_document' | 'record_too_large';
    message: string;
    excerpt: string;
    now: number;
  },
): OutputDocument {
  const timestamp = new Date(reason.now).toISOString();
  const dataStream = (original.doc as { data_stream?: { namespace?: unknown } }).data_stream;
  const namespace = typeof dataStream?.namespace === 'string' ? dataStream.namespace : 'default';
  const truncated = reason.excerpt.length > QUARANTINE_EXCERPT_CHARS;
  const excerpt = truncated
    ? `${truncateChars(reason.excerpt, QUARANTINE_EXCERPT_CHARS)}…[truncated, ${reason.excerpt.length} characters in total]`
    : reason.excerpt;
  return buildQuarantine(
    original.doc,
    reason.message,
    { keepOriginal: false, preserveDuplicates: false, namespace, ingested: timestamp },
    {
      errorType: reason.type,
      source: 'document',
      document: { id: original.id, dataset: original.dataset, timestamp: original.timestamp },
    },
    excerpt,
  );
}
