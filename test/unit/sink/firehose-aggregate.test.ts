import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { FIREHOSE_BILLING_UNIT_BYTES, FIREHOSE_LIMITS, FirehoseSink } from '../../../shared/sink/firehose.ts';

const firehose = mockClient(FirehoseClient);
const clock: Clock = { now: () => Date.parse('2024-06-01T12:00:00.000Z'), sleep: async () => {} };

function doc(id: string, message = 'm'): OutputDocument {
  return {
    id,
    dataset: 'event',
    timestamp: '2024-05-01T00:00:00.000Z',
    doc: { '@timestamp': '2024-05-01T00:00:00.000Z', message, symantec_edr_cloud: { doc_id: id } },
  };
}
const docs = (n: number, message?: string) => Array.from({ length: n }, (_, i) => doc(`d${i}`, message));

/** The data of every record of every call, as text. */
function recordsOf(input: PutRecordBatchCommandInput): string[] {
  return (input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'));
}
const calls = () => firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
/** Document ids in one record, as the stream's de-aggregation splits it (on "\n"). */
const idsIn = (record: string) =>
  record
    .split('\n')
    .filter((line) => line !== '') // an unaggregated record ends with its line's "\n"
    .map((line) => JSON.parse(line).symantec_edr_cloud.doc_id as string);

/** Accept every record except those holding a document whose id is in `refuse` (refused once). */
function refuseOnce(refuse: Set<string>) {
  return (input: PutRecordBatchCommandInput) => {
    const responses = recordsOf(input).map((r, i) =>
      idsIn(r).some((id) => refuse.has(id))
        ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
        : { RecordId: `r${i}` },
    );
    refuse.clear();
    return { FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length, RequestResponses: responses };
  };
}

function sink(options: Partial<ConstructorParameters<typeof FirehoseSink>[0]> = {}) {
  return new FirehoseSink({
    streamName: 'ses-s3',
    client: new FirehoseClient({ region: 'us-east-1' }),
    clock,
    random: () => 0.5,
    aggregate: true,
    ...options,
  });
}

beforeEach(() => firehose.reset());
afterEach(() => firehose.reset());

/**
 * Stays on the client mock: moto's Firehose concatenates raw records into its S3 object and does not run
 * the stream's processors (record de-aggregation, delimiter), so an aggregated record cannot be read
 * back split there; refusals of one aggregated record are injected, which moto cannot do either.
 */
describe('Module: FirehoseSink with record aggregation', () => {
  it('packs up to 500 documents into one record: lines joined by "\\n", none at the end, in order', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set()));
    const input = docs(1200);

    const result = await sink().write(input);

    expect(result).toEqual({ written: 1200, quarantined: 0, retries: 0 });
    expect(calls()).toHaveLength(1);
    const records = recordsOf(calls()[0]!);
    expect(records.map((r) => idsIn(r).length)).toEqual([500, 500, 200]);
    expect(records.flatMap(idsIn)).toEqual(input.map((d) => d.id));
    // Split and given back their "\n", the records are exactly the unaggregated lines.
    expect(records.flatMap((r) => r.split('\n').map((l) => `${l}\n`))).toEqual(
      input.map((d) => `${JSON.stringify(d.doc)}\n`),
    );
    for (const r of records) expect(r.endsWith('\n')).toBe(false);
  });

  it('keeps every record within 1,000 KiB and every call within 4 MiB and 500 records', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set()));
    // ~300 KB documents: 3 fit in a record (900 KB), a 4th would pass 1,000 KiB.
    const input = docs(20, 'x'.repeat(300_000));

    await sink().write(input);

    const all = calls().flatMap(recordsOf);
    expect(all.map((r) => idsIn(r).length)).toEqual([3, 3, 3, 3, 3, 3, 2]);
    for (const r of all) expect(Buffer.byteLength(r)).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerRecord);
    for (const c of calls()) {
      const bytes = recordsOf(c).reduce((n, r) => n + Buffer.byteLength(r), 0);
      expect(bytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerCall);
      expect(c.Records!.length).toBeLessThanOrEqual(FIREHOSE_LIMITS.recordsPerCall);
    }
    expect(all.flatMap(idsIn)).toEqual(input.map((d) => d.id));
  });

  it('re-sends exactly the documents of a refused aggregated record, once each', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set(['d700'])));
    const input = docs(1200);

    const result = await sink().write(input);

    expect(calls()).toHaveLength(2);
    const resent = recordsOf(calls()[1]!);
    expect(resent).toHaveLength(1);
    expect(idsIn(resent[0]!)).toEqual(input.slice(500, 1000).map((d) => d.id));
    expect(result).toEqual({ written: 1200, quarantined: 0, retries: 1 });
    // Accepted records hold every document exactly once.
    const accepted = [...recordsOf(calls()[0]!).filter((_, i) => i !== 1), ...resent].flatMap(idsIn);
    expect(accepted.sort()).toEqual(input.map((d) => d.id).sort());
  });

  it('re-sends a refused record with the very bytes of its first attempt (encoded once, not per attempt)', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set(['d700'])));
    await sink().write(docs(1200));

    const [first, second] = calls();
    expect(second!.Records![0]!.Data).toBe(first!.Records![1]!.Data);
  });

  it('encodes text beyond ASCII exactly, in both record shapes (lines of 1-4 UTF-8 bytes per character)', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set()));
    const texts = ['é', '漢字', '😀 emoji', 'a\u2028b', 'plain'];
    const input = Array.from({ length: 700 }, (_, i) =>
      doc(`d${i}`, texts[i % texts.length]!.repeat(i % 37)),
    );

    await sink().write(input);
    await sink({ aggregate: false }).write(input);

    // One call for the aggregated records, two for the 700 single ones (500 records per call).
    const [aggregated, ...single] = calls().map(recordsOf);
    const lines = input.map((d) => `${JSON.stringify(d.doc)}\n`);
    expect(aggregated!.flatMap((r) => r.split('\n').map((l) => `${l}\n`))).toEqual(lines);
    expect(single.flat()).toEqual(lines);
  });

  it.each([
    ['aggregated', true],
    ['one document per record', false],
  ])(
    'reuses record buffers only after their write is done (%s): concurrent and later writes send their own bytes',
    async (_, aggregate) => {
      const sent: string[][] = [];
      firehose.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
        // Read the bytes a moment later, as a slow reader would: a buffer shared with a write still in
        // flight would show the other write's documents by then.
        await new Promise((resolve) => setImmediate(resolve));
        sent.push(recordsOf(input));
        return {
          FailedPutCount: 0,
          RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `${i}` })),
        };
      });
      // ~300 KB documents: records of 3 (900 KB), kept as views of their full-size buffers.
      const big = (prefix: string) =>
        Array.from({ length: 6 }, (_, i) => doc(`${prefix}${i}`, `${prefix}`.repeat(300_000)));
      const s = sink({ aggregate });

      await Promise.all([s.write(big('a')), s.write(big('b'))]);
      await s.write(big('c'));

      const ids = sent.flat().flatMap(idsIn).sort();
      expect(ids).toEqual([...big('a'), ...big('b'), ...big('c')].map((d) => d.id).sort());
      for (const r of sent.flat()) {
        const lines = r.split('\n').filter((l) => l !== '');
        const [first, ...rest] = lines.map((l) => JSON.parse(l) as { message: string });
        for (const line of rest) expect(line.message[0]).toBe(first!.message[0]);
      }
      // The third write went out in buffers the first two released.
      const buffers = (n: number) => calls()[n]!.Records!.map((r) => (r.Data as Uint8Array).buffer);
      expect(buffers(2).some((b) => [...buffers(0), ...buffers(1)].includes(b))).toBe(true);
    },
  );

  it('names every document of the records still refused after the last attempt', async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: 1,
      RequestResponses: recordsOf(input).map((r, i) =>
        idsIn(r).includes('d3')
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'x' }
          : { RecordId: `${i}` },
      ),
    }));

    const error = await sink({ maxAttempts: 2 })
      .write(docs(600))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toContain('500 of 600 documents (in 1 of 2 aggregated records)');
    const details = (error as SinkError).details as { failedDocIds: string[]; failedCount: number };
    expect(details.failedCount).toBe(500);
    expect(details.failedDocIds).toEqual(docs(500).map((d) => d.id));
  });

  it('bills one 5 KB-rounded unit set per record: about the bytes sent when aggregated, far more when not', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set()));
    const input = docs(2000, 'y'.repeat(1500)); // ~1.6 KB documents, as the connector's events

    const packed = sink();
    await packed.write(input);
    const single = sink({ aggregate: false });
    await single.write(input);

    const lineBytes = input.reduce((n, d) => n + Buffer.byteLength(`${JSON.stringify(d.doc)}\n`), 0);
    expect(single.stats).toMatchObject({ records: 2000, documents: 2000, bytes: lineBytes });
    expect(single.stats.billedBytes).toBe(2000 * FIREHOSE_BILLING_UNIT_BYTES);
    expect(packed.stats.documents).toBe(2000);
    expect(packed.stats.records).toBe(4);
    expect(packed.stats.billedBytes / packed.stats.bytes).toBeLessThanOrEqual(1.15);
    expect(packed.stats.billedBytes).toBeLessThan(single.stats.billedBytes / 2);
  });

  it('encodes each document into its record as it is added to a batch, so the object can be dropped at once', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(refuseOnce(new Set()));
    for (const aggregate of [true, false]) {
      firehose.resetHistory();
      const batch = sink({ aggregate }).batch();
      const added = docs(3);
      for (const d of added) batch.add(d);
      // What the caller does with its objects after `add` no longer reaches the output.
      for (const d of added) (d.doc as Record<string, unknown>)['message'] = 'changed after add';

      const result = await batch.commit();

      expect(result).toEqual({ written: 3, quarantined: 0, retries: 0 });
      const lines = calls()
        .flatMap(recordsOf)
        .flatMap((r) => r.split('\n').filter((l) => l !== ''));
      expect(lines.map((l) => JSON.parse(l).message)).toEqual(['m', 'm', 'm']);
    }
  });
});
