import type { OcsfRecord } from './index.ts';

/**
 * Destination of validated OCSF records: the local Parquet writer or the per-class Firehose streams.
 * `write` resolves once every record is durable (or acknowledged); on failure it throws so the caller
 * does not advance its checkpoint.
 */
export interface OcsfSink {
  write(records: readonly OcsfRecord[]): Promise<{ written: number }>;
  close(): Promise<void>;
  readonly description: string;
}
