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

/** A document's NDJSON line, or a quarantine document's when it cannot be serialised. */
export function encodeLine(doc: OutputDocument, now: () => number): Omit<Encoded, 'bytes'> {
  try {
    return { doc, line: toLine(doc.doc), quarantined: false };
  } catch (error) {
    const q = quarantineDocument(doc, {
      type: 'unserializable_document',
      message: `Document ${doc.id} of dataset ${doc.dataset} cannot be serialised to JSON (${(error as Error).message})`,
      excerpt: safeStringify(doc.doc),
      now: now(),
    });
    return { doc: q, line: toLine(q.doc), quarantined: true };
  }
}

/** encodeLine with the line's UTF-8 byte length (the Firehose limits count bytes). */
export function encode(doc: OutputDocument, now: () => number): Encoded {
  const e = encodeLine(doc, now);
  return { doc: e.doc, line: e.line, bytes: Buffer.byteLength(e.line), quarantined: e.quarantined };
}

/**
 * NDJSON bytes built line by line: each line is UTF-8-encoded into one growing Buffer as soon as it
 * is made, so the strings die young (a page's lines kept as strings until the end of the write were
 * copied by every scavenge on the way to the old generation) and there is no join or second encoding
 * at the end. The Buffer's bytes live outside the JavaScript heap.
 */
export class LineBuffer {
  private buf: Buffer;
  private used = 0;

  /** `initial`: a capacity in bytes, or a Buffer to write into (its old contents are overwritten). */
  constructor(initial: number | Buffer = 64 * 1024) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial;
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.used;
  }

  /** Append `text` as UTF-8; returns its byte length. */
  append(text: string): number {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: only count exactly when that bound does not fit.
    if (this.buf.length - this.used < text.length * 3) {
      const need = this.used + Buffer.byteLength(text);
      if (need > this.buf.length) {
        const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
        this.buf.copy(next, 0, 0, this.used);
        this.buf = next;
      }
    }
    const written = this.buf.write(text, this.used, 'utf8');
    this.used += written;
    return written;
  }

  /** The bytes appended so far (a view: valid until the next append). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** The whole buffer written into (its capacity), for reuse once nothing reads `bytes()` any more. */
  storage(): Buffer {
    return this.buf;
  }
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
