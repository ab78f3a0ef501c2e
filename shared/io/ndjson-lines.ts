import { isUtf8 } from 'node:buffer';

/**
 * Split a byte stream into NDJSON lines as it arrives, holding at most one line in memory: a 100 MB
 * response or S3 object is never buffered whole. Empty lines are skipped. A last line without a
 * newline is yielded only when the stream ended cleanly; if the stream fails, the partial line is
 * dropped and the error propagates (the caller resumes from the last complete line).
 */
export interface NdjsonLine {
  /** The line without its newline (and without a trailing \r). */
  text: string;
  /** 1-based line number in the stream, empty lines included. */
  number: number;
  /** Bytes of the line, newline included. */
  bytes: number;
  /**
   * Set when the line's bytes are not valid UTF-8: `text` then holds U+FFFD where they were, and the
   * caller quarantines what carries one instead of delivering it altered.
   */
  invalidUtf8?: true;
}

export class LineTooLongError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly maxLineBytes: number,
  ) {
    super(`line ${lineNumber} is longer than ${maxLineBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

export interface ReadLinesOptions {
  /** A line longer than this fails the read with LineTooLongError (default 256 MiB). */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

export async function* readNdjsonLines(
  source: AsyncIterable<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<NdjsonLine> {
  const maxLineBytes = options.maxLineBytes ?? 256 * 1024 * 1024;
  let pieces: Uint8Array[] = [];
  let pending = 0;
  let number = 0;
  const take = (last: Uint8Array): NdjsonLine | undefined => {
    number++;
    const bytes = pending + last.length;
    let buffer: Buffer;
    if (pieces.length === 0) buffer = Buffer.from(last.buffer, last.byteOffset, last.byteLength);
    else buffer = Buffer.concat([...pieces, last], bytes);
    pieces = [];
    pending = 0;
    let end = buffer.length;
    if (end > 0 && buffer[end - 1] === NEWLINE) end--;
    if (end > 0 && buffer[end - 1] === 0x0d) end--;
    const text = buffer.toString('utf8', 0, end);
    if (text.trim() === '') return undefined;
    // Checked per line (native, a fraction of the decode's cost) so that one bad line flags itself only.
    if (!isUtf8(buffer.subarray(0, end))) return { text, number, bytes, invalidUtf8: true };
    return { text, number, bytes };
  };
  for await (const chunk of source) {
    let start = 0;
    for (;;) {
      const at = chunk.indexOf(NEWLINE, start);
      if (at < 0) break;
      const line = take(chunk.subarray(start, at + 1));
      start = at + 1;
      if (line) yield line;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pending += rest.length;
      if (pending > maxLineBytes) throw new LineTooLongError(number + 1, maxLineBytes);
      // Copy: the producer may reuse its chunk buffer once we move on.
      pieces.push(Uint8Array.prototype.slice.call(rest));
    }
  }
  if (pending > 0) {
    const line = take(new Uint8Array(0));
    if (line) yield line;
  }
}
