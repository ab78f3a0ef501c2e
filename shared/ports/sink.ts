import type { OutputDocument } from './document.ts';

export interface SinkWriteResult {
  /** Documents acknowledged by the destination. */
  written: number;
  /** Documents too large for the destination that were replaced by a quarantine document. */
  quarantined: number;
  /** Retries spent (partial failures, throttling). */
  retries: number;
}

/**
 * Documents encoded into a sink's output as they are added, so the caller can drop each document
 * object at once (a stream line's documents do not live to the end of the batch); `commit` writes
 * them with the guarantees of `Sink.write`. Not reusable after `commit`.
 */
export interface SinkBatch {
  add(doc: OutputDocument): void;
  commit(): Promise<SinkWriteResult>;
}

/**
 * Destination of documents. `write` resolves only once the destination acknowledged every document
 * (or quarantined it by rule); on failure it throws a SinkError and the caller must not advance its
 * checkpoint.
 */
export interface Sink {
  write(docs: OutputDocument[]): Promise<SinkWriteResult>;
  /** A batch encoding documents as they are added (sinks that can; `write` otherwise). */
  batch?(): SinkBatch;
  /** Flush buffered output (local files); a no-op for remote sinks. */
  close(): Promise<void>;
  /** Where the output goes, for the run summary ("./out", "firehose:stream-name"). */
  readonly description: string;
}
