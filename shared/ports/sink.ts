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
 * Destination of documents. `write` resolves only once the destination acknowledged every document
 * (or quarantined it by rule); on failure it throws a SinkError and the caller must not advance its
 * checkpoint.
 */
export interface Sink {
  write(docs: OutputDocument[]): Promise<SinkWriteResult>;
  /** Flush buffered output (local files); a no-op for remote sinks. */
  close(): Promise<void>;
  /** Where the output goes, for the run summary ("./out", "firehose:stream-name"). */
  readonly description: string;
}
