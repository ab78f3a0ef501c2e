import { ConnectorError, SinkError } from '../errors.ts';
import type { OutputDocument } from '../ports/document.ts';
import type { Sink, SinkBatch, SinkWriteResult } from '../ports/sink.ts';

/**
 * Writes the same documents to several sinks (the S3 stream and, optionally, the OpenSearch stream).
 * A write succeeds only when every sink acknowledged it; otherwise it throws, naming the failed sinks,
 * so the checkpoint stays put and the next run re-sends to all (document ids absorb the duplicates).
 */
export class TeeSink implements Sink {
  readonly description: string;
  private readonly sinks: Sink[];

  constructor(sinks: Sink[]) {
    if (sinks.length === 0) throw new RangeError('TeeSink needs at least one sink');
    this.sinks = sinks;
    this.description = sinks.map((s) => s.description).join(' + ');
  }

  write(docs: OutputDocument[]): Promise<SinkWriteResult> {
    return this.settle(this.sinks.map((s) => s.write(docs)));
  }

  /**
   * Present when every destination can encode as documents are added: each added document goes to
   * every destination's batch, and `commit` succeeds only when every one of them acknowledged.
   */
  get batch(): (() => SinkBatch) | undefined {
    if (!this.sinks.every((s) => s.batch)) return undefined;
    return () => {
      const batches = this.sinks.map((s) => (s.batch as () => SinkBatch).call(s));
      return {
        add: (doc) => {
          for (const b of batches) b.add(doc);
        },
        commit: () => this.settle(batches.map((b) => b.commit())),
      };
    };
  }

  /** One result of the destinations' writes, or one error naming each destination that failed. */
  private async settle(writes: Promise<SinkWriteResult>[]): Promise<SinkWriteResult> {
    const results = await Promise.allSettled(writes);
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ sink: this.sinks[i]!, error: r.reason }] : [],
    );
    if (failures.length > 0) {
      const first = failures[0]!;
      if (failures.length === 1 && this.sinks.length === 1 && first.error instanceof ConnectorError)
        throw first.error;
      const text = failures
        .map((f) => `${f.sink.description}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
        .join('; ');
      throw new SinkError(`${failures.length} of ${this.sinks.length} destinations failed (${text})`, {
        action:
          first.error instanceof ConnectorError && first.error.action
            ? first.error.action
            : 'Nothing was checkpointed; the next run re-sends to every destination',
        // The records each destination still refused (SinkFailedRecords): summed, not lost in the wrap.
        details: { failed: failures.map((f) => f.sink.description), failedCount: failedCount(failures) },
        cause: first.error,
      });
    }
    const ok = results.map((r) => (r as PromiseFulfilledResult<SinkWriteResult>).value);
    return {
      written: Math.min(...ok.map((r) => r.written)),
      quarantined: Math.max(...ok.map((r) => r.quarantined)),
      retries: ok.reduce((sum, r) => sum + r.retries, 0),
    };
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.close()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

function failedCount(failures: { error: unknown }[]): number {
  return failures.reduce((sum, f) => {
    const n = f.error instanceof ConnectorError ? f.error.details?.['failedCount'] : undefined;
    return sum + (typeof n === 'number' ? n : 1);
  }, 0);
}
