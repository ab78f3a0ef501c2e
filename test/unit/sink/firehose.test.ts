import {
  FirehoseClient,
  FirehoseServiceException,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import type { OutputDocument } from '../../../shared/ports/document.ts';
import { FIREHOSE_LIMITS, FirehoseSink, TRUNCATION_MARKER } from '../../../shared/sink/firehose.ts';

const firehose = mockClient(FirehoseClient);

/** A clock whose sleep returns at once and records the delays asked for. */
function fakeClock() {
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => Date.parse('2024-06-01T12:00:00.000Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { clock, sleeps };
}

function doc(id: string, extra: Record<string, unknown> = {}): OutputDocument {
  return {
    id,
    dataset: 'incident',
    timestamp: '2024-05-01T00:00:00.000Z',
    doc: { '@timestamp': '2024-05-01T00:00:00.000Z', symantec_edr_cloud: { doc_id: id }, ...extra },
  };
}

function docs(n: number, prefix = 'd'): OutputDocument[] {
  return Array.from({ length: n }, (_, i) => doc(`${prefix}${i}`));
}

/** Document ids of the records of one PutRecordBatch call, decoded from the record data. */
function idsOf(input: PutRecordBatchCommandInput): string[] {
  return (input.Records ?? []).map(
    (r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')).symantec_edr_cloud.doc_id,
  );
}

function calls(): PutRecordBatchCommandInput[] {
  return firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
}

/** Answer like Firehose: accept every record except those whose id is in `refuse`. */
function answer(refuse: Set<string>, code = 'ServiceUnavailableException') {
  return (input: PutRecordBatchCommandInput) => {
    const ids = idsOf(input);
    const responses = ids.map((id, i) =>
      refuse.has(id) ? { ErrorCode: code, ErrorMessage: 'Slow down.' } : { RecordId: `rec-${id}-${i}` },
    );
    return {
      FailedPutCount: responses.filter((r) => 'ErrorCode' in r).length,
      Encrypted: false,
      RequestResponses: responses,
    };
  };
}

function sink(options: Partial<ConstructorParameters<typeof FirehoseSink>[0]> = {}) {
  return new FirehoseSink({
    streamName: 'ses-s3',
    client: new FirehoseClient({ region: 'us-east-1' }),
    random: () => 0.5,
    ...options,
  });
}

beforeEach(() => firehose.reset());
afterEach(() => firehose.reset());

describe('Module: FirehoseSink', () => {
  it('sends every document as one JSON line ending in a newline to the named stream', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
    const input = [doc('a', { message: 'two\nlines' }), doc('b')];

    const result = await sink().write(input);

    expect(result).toEqual({ written: 2, quarantined: 0, retries: 0 });
    expect(calls()).toHaveLength(1);
    expect(calls()[0]?.DeliveryStreamName).toBe('ses-s3');
    const lines = (calls()[0]?.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString('utf8'));
    expect(lines).toEqual([`${JSON.stringify(input[0]!.doc)}\n`, `${JSON.stringify(input[1]!.doc)}\n`]);
  });

  it('splits a 1,200-document page into 3 calls of at most 500 records, in order', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
    const input = docs(1200);

    const result = await sink().write(input);

    expect(calls().map((c) => c.Records?.length)).toEqual([500, 500, 200]);
    expect(calls().flatMap(idsOf)).toEqual(input.map((d) => d.id));
    expect(result.written).toBe(1200);
  });

  it('splits a batch whose data is just over 4 MiB', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
    // 5 records of ~900 KB: 4 fit in 4 MiB (3.6 MB), the 5th would pass it.
    const big = 'x'.repeat(900_000);
    const input = Array.from({ length: 5 }, (_, i) => doc(`big${i}`, { message: big }));

    await sink().write(input);

    expect(calls().map((c) => c.Records?.length)).toEqual([4, 1]);
    for (const c of calls()) {
      const bytes = (c.Records ?? []).reduce((sum, r) => sum + (r.Data as Uint8Array).byteLength, 0);
      expect(bytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerCall);
    }
  });

  it('keeps a batch of exactly 4 MiB in one call', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
    const overhead = Buffer.byteLength(`${JSON.stringify(doc('e0', { message: '' }).doc)}\n`);
    const each = FIREHOSE_LIMITS.bytesPerCall / 8;
    const input = Array.from({ length: 8 }, (_, i) => doc(`e${i}`, { message: 'y'.repeat(each - overhead) }));

    await sink().write(input);

    expect(calls().map((c) => c.Records?.length)).toEqual([8]);
  });

  it('re-sends only the records that failed, never the whole batch', async () => {
    const refuseOnce = new Set(['d1', 'd3', 'd498']);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const out = answer(refuseOnce)(input);
      refuseOnce.clear();
      return out;
    });
    const { clock, sleeps } = fakeClock();
    const input = docs(500);

    const result = await sink({ clock }).write(input);

    expect(calls().map(idsOf)[1]).toEqual(['d1', 'd3', 'd498']);
    expect(calls()).toHaveLength(2);
    expect(result).toEqual({ written: 500, quarantined: 0, retries: 1 });
    expect(sleeps).toHaveLength(1);
    // Every document was accepted exactly once across the calls: no duplicates, no loss.
    const accepted = calls()
      .flatMap(idsOf)
      .filter((id, i, all) => all.indexOf(id) === i);
    expect(accepted.sort()).toEqual(input.map((d) => d.id).sort());
  });

  it('does not treat a call with FailedPutCount > 0 as success (the lost-records bug)', async () => {
    const refused = new Set(['d2']);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const out = answer(refused)(input);
      refused.clear();
      return out;
    });

    await sink({ clock: fakeClock().clock }).write(docs(5));

    expect(calls().map(idsOf)).toEqual([['d0', 'd1', 'd2', 'd3', 'd4'], ['d2']]);
  });

  it('retries shrinking sets of failed records with growing backoff', async () => {
    let round = 0;
    const refusals = [new Set(['d0', 'd1', 'd2']), new Set(['d1', 'd2']), new Set(['d2'])];
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => answer(refusals[round++] ?? new Set())(input));
    const { clock, sleeps } = fakeClock();

    const result = await sink({ clock, backoffBaseMs: 100 }).write(docs(4));

    expect(calls().map(idsOf)).toEqual([['d0', 'd1', 'd2', 'd3'], ['d0', 'd1', 'd2'], ['d1', 'd2'], ['d2']]);
    expect(result.retries).toBe(3);
    // Equal jitter at random 0.5: 3/4 of 100, 200, 400.
    expect(sleeps).toEqual([75, 150, 300]);
  });

  it('retries the whole call after throttling of the call itself', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejectsOnce(new ServiceUnavailableException({ message: 'Slow down.', $metadata: {} }))
      .rejectsOnce(
        new FirehoseServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          message: 'Rate exceeded',
          $metadata: {},
        }),
      )
      .callsFake(answer(new Set()));
    const { clock, sleeps } = fakeClock();

    const result = await sink({ clock }).write(docs(3));

    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1', 'd2'],
      ['d0', 'd1', 'd2'],
      ['d0', 'd1', 'd2'],
    ]);
    expect(result).toEqual({ written: 3, quarantined: 0, retries: 2 });
    expect(sleeps).toHaveLength(2);
  });

  it('fails with a SinkError naming the refused records after the bounded attempts', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set(['d1', 'd4'])));
    const { clock, sleeps } = fakeClock();

    const error = (await sink({ clock, maxAttempts: 3 })
      .write(docs(6))
      .catch((e: unknown) => e)) as SinkError;

    expect(error).toBeInstanceOf(SinkError);
    expect(error.kind).toBe('sink');
    expect(error.message).toContain(
      '2 of 6 records were not accepted by Firehose delivery stream "ses-s3" after 3 attempts',
    );
    expect(error.message).toContain('ServiceUnavailableException');
    expect(error.details).toMatchObject({ failedDocIds: ['d1', 'd4'], attempts: 3 });
    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'],
      ['d1', 'd4'],
      ['d1', 'd4'],
    ]);
    expect(sleeps).toHaveLength(2);
  });

  it('stops at the first batch that cannot be delivered and does not send later batches', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(answer(new Set(['d3'])));

    await expect(sink({ clock: fakeClock().clock, maxAttempts: 2 }).write(docs(700))).rejects.toBeInstanceOf(
      SinkError,
    );

    expect(calls().map((c) => c.Records?.length)).toEqual([500, 1]);
  });

  it('fails at once, without retries, when the stream does not exist', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejects(new ResourceNotFoundException({ message: 'Stream ses-s3 not found', $metadata: {} }));
    const { clock, sleeps } = fakeClock();

    const error = (await sink({ clock })
      .write(docs(2))
      .catch((e: unknown) => e)) as SinkError;

    expect(error).toBeInstanceOf(SinkError);
    expect(error.message).toContain('"ses-s3"');
    expect(error.message).toContain('DELIVERY_STREAMS');
    expect(calls()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('re-sends every record when the answer has no per-record results but a failure count', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: [] })
      .callsFake(answer(new Set()));

    await sink({ clock: fakeClock().clock }).write(docs(2));

    expect(calls().map(idsOf)).toEqual([
      ['d0', 'd1'],
      ['d0', 'd1'],
    ]);
  });

  describe('documents over the 1,000 KiB record limit', () => {
    it('drops event.original first and keeps the rest intact', async () => {
      firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
      const original = 'o'.repeat(1_100_000);
      const input = doc('big', { message: 'short', event: { kind: 'alert', original } });

      const result = await sink().write([input]);

      expect(result).toEqual({ written: 1, quarantined: 0, retries: 0 });
      const sent = JSON.parse(Buffer.from(calls()[0]!.Records![0]!.Data as Uint8Array).toString('utf8'));
      expect(sent.event).toEqual({ kind: 'alert' });
      expect(sent.message).toBe('short');
      expect(input.doc.event).toEqual({ kind: 'alert', original });
    });

    it('then truncates message with a marker to the largest size that fits', async () => {
      firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
      const message = 'é"'.repeat(400_000);

      await sink().write([doc('big', { message })]);

      const data = calls()[0]!.Records![0]!.Data as Uint8Array;
      expect(data.byteLength).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerRecord);
      expect(data.byteLength).toBeGreaterThan(FIREHOSE_LIMITS.bytesPerRecord - 8);
      const sent = JSON.parse(Buffer.from(data).toString('utf8'));
      expect(sent.message.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(message.startsWith(sent.message.slice(0, -TRUNCATION_MARKER.length))).toBe(true);
    });

    it('cuts every copy of a huge message (top level and vendor copy) instead of quarantining the document', async () => {
      firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
      const text = 'm'.repeat(1_200_000);
      const input = [
        doc('long', { message: text, symantec_edr_cloud: { doc_id: 'long', incident: { message: text } } }),
      ];

      const result = await sink({ clock: fakeClock().clock }).write(input);

      expect(result).toEqual({ written: 1, quarantined: 0, retries: 0 });
      const data = calls()[0]!.Records![0]!.Data as Uint8Array;
      expect(data.byteLength).toBeLessThanOrEqual(1_024_000);
      const record = JSON.parse(Buffer.from(data).toString('utf8'));
      expect(record.message.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(record.symantec_edr_cloud.incident.message).toBe(record.message);
      expect(record.message.length).toBeGreaterThan(400_000);
    });

    it('replaces a document that still does not fit by a quarantine document, never drops it', async () => {
      firehose.on(PutRecordBatchCommand).callsFake(answer(new Set()));
      const hugeField = 'z'.repeat(1_100_000);
      const input = [
        doc('ok1'),
        doc('huge', { symantec_edr_cloud: { doc_id: 'huge', incident: { blob: hugeField } } }),
        doc('ok2'),
      ];

      const result = await sink({ clock: fakeClock().clock }).write(input);

      expect(result).toEqual({ written: 2, quarantined: 1, retries: 0 });
      const records = calls()[0]!.Records!.map((r) =>
        JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')),
      );
      expect(records).toHaveLength(3);
      const q = records[1];
      expect(q.data_stream.dataset).toBe('symantec_edr_cloud.quarantine');
      expect(q.event.kind).toBe('pipeline_error');
      expect(q.error.type).toBe('record_too_large');
      expect(q.error.message).toContain('Document huge');
      expect(q.error.message).toMatch(/over the Firehose limit of 1024000 bytes/);
      expect(q.symantec_edr_cloud.quarantine.original_doc_id).toBe('huge');
      expect(q['@timestamp']).toBe('2024-06-01T12:00:00.000Z');
      expect(q.event.original.length).toBeLessThan(20_000);
      expect(q.event.original.startsWith('{"@timestamp":"2024-05-01T00:00:00.000Z"')).toBe(true);
    });
  });
});
