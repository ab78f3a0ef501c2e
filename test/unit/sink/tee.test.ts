import { describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import type { Sink, SinkWriteResult } from '../../../shared/ports/sink.ts';
import { TeeSink } from '../../../shared/sink/tee.ts';

class MemorySink implements Sink {
  readonly received: string[][] = [];
  constructor(
    readonly description: string,
    private readonly outcome: SinkWriteResult | Error,
  ) {}
  async write(docs: OutputDocument[]): Promise<SinkWriteResult> {
    this.received.push(docs.map((d) => d.id));
    if (this.outcome instanceof Error) throw this.outcome;
    return this.outcome;
  }
  async close(): Promise<void> {}
}

const docs: OutputDocument[] = ['a', 'b'].map((id) => ({
  id,
  dataset: 'incident',
  timestamp: '2024-05-01T00:00:00.000Z',
  doc: { id },
}));

/** A sink that encodes as documents are added: `added` per batch, committed or failing at commit. */
class BatchSink extends MemorySink {
  readonly committed: string[][] = [];
  batch() {
    const ids: string[] = [];
    return {
      add: (d: OutputDocument) => ids.push(d.id),
      commit: async (): Promise<SinkWriteResult> => {
        if (this.fails) throw this.fails;
        this.committed.push(ids);
        return { written: ids.length, quarantined: 0, retries: 0 };
      },
    };
  }
  constructor(
    description: string,
    private readonly fails?: Error,
  ) {
    super(description, { written: 0, quarantined: 0, retries: 0 });
  }
}

describe('Module: TeeSink batches (`Sink.batch`)', () => {
  it('has a batch only when every destination has one, and hands each added document to each', async () => {
    expect(new TeeSink([new BatchSink('a'), new MemorySink('b', new Error('x'))]).batch).toBeUndefined();
    const s3 = new BatchSink('firehose:s3');
    const os = new BatchSink('firehose:os');
    const batch = new TeeSink([s3, os]).batch!();
    for (const d of docs) batch.add(d);

    expect(await batch.commit()).toEqual({ written: 2, quarantined: 0, retries: 0 });
    expect(s3.committed).toEqual([['a', 'b']]);
    expect(os.committed).toEqual([['a', 'b']]);
    expect(s3.received).toEqual([]);
  });

  it('fails the commit, naming the destination, when one destination refuses', async () => {
    const tee = new TeeSink([
      new BatchSink('firehose:s3'),
      new BatchSink('firehose:os', new Error('throttled')),
    ]);
    const batch = tee.batch!();
    batch.add(docs[0]!);
    await expect(batch.commit()).rejects.toThrow(/1 of 2 destinations failed \(firehose:os: throttled\)/);
  });
});

describe('Module: TeeSink', () => {
  it('writes the same documents to every sink and combines the counts', async () => {
    const s3 = new MemorySink('firehose:s3', { written: 2, quarantined: 0, retries: 1 });
    const os = new MemorySink('firehose:os', { written: 2, quarantined: 0, retries: 2 });
    const tee = new TeeSink([s3, os]);

    const result = await tee.write(docs);

    expect(s3.received).toEqual([['a', 'b']]);
    expect(os.received).toEqual([['a', 'b']]);
    expect(result).toEqual({ written: 2, quarantined: 0, retries: 3 });
    expect(tee.description).toBe('firehose:s3 + firehose:os');
  });

  it('fails when any sink fails, naming it, even though the other one succeeded', async () => {
    const s3 = new MemorySink('firehose:s3', { written: 2, quarantined: 0, retries: 0 });
    const os = new MemorySink('firehose:os', new SinkError('2 of 2 records were not accepted'));
    const tee = new TeeSink([s3, os]);

    const error = (await tee.write(docs).catch((e: unknown) => e)) as SinkError;

    expect(error).toBeInstanceOf(SinkError);
    expect(error.message).toContain('1 of 2 destinations failed');
    expect(error.message).toContain('firehose:os: 2 of 2 records were not accepted');
    expect(error.details).toEqual({ failed: ['firehose:os'], failedCount: 1 });
  });

  it('keeps failedCount with two delivery streams (SinkFailedRecords counts what each refused)', async () => {
    const refused = new SinkError('3 records refused', { details: { failedCount: 3 } });
    const s3 = new MemorySink('firehose:s3', refused);
    const os = new MemorySink('firehose:os', { written: 2, quarantined: 0, retries: 0 });
    const error = await new TeeSink([s3, os]).write(docs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).details?.['failedCount']).toBe(3);

    const both = new TeeSink([
      s3,
      new MemorySink('firehose:os', new SinkError('2 refused', { details: { failedCount: 2 } })),
    ]);
    const error2 = await both.write(docs).catch((e: unknown) => e);
    expect((error2 as SinkError).details?.['failedCount']).toBe(5);
  });
});
