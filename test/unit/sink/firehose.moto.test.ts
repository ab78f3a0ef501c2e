import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../../shared/errors.ts';
import type { Clock } from '../../../shared/ports/clock.ts';
import { FIREHOSE_LIMITS, FirehoseSink, TRUNCATION_MARKER } from '../../../shared/sink/firehose.ts';
import { doc, docs } from '../../helpers/documents.ts';
import {
  bucketObjects,
  createS3DeliveryStream,
  type MotoAws,
  motoReady,
  startMotoAws,
} from '../../helpers/moto-aws.ts';

/**
 * FirehoseSink against moto's Firehose, which delivers every PutRecordBatch into its S3 bucket as one
 * object (the records concatenated): what a call carried is read back from S3, not from a mock's
 * argument list. moto accepts every record (FailedPutCount 0) and does not run the stream's processors
 * (de-aggregation, delimiter), so partial failures, throttling, retries and record aggregation stay on
 * the client mock in firehose.test.ts and firehose-aggregate.test.ts.
 */
const STREAM = 'ses-s3';
const BUCKET = 'ses-data';
const clock: Clock = { now: () => Date.parse('2024-06-01T12:00:00.000Z'), sleep: async () => {} };

/** One delivered S3 object per PutRecordBatch call: its lines parsed, in the order of the calls. */
async function deliveredCalls(aws: MotoAws, order: string[]): Promise<Array<Record<string, unknown>[]>> {
  const objects = await bucketObjects(aws, BUCKET);
  const calls = objects.map((o) => {
    expect(o.text.endsWith('\n')).toBe(true);
    return o.text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  });
  const idOf = (d: Record<string, unknown>) => (d.symantec_edr_cloud as { doc_id: string }).doc_id;
  // moto names objects by second + uuid: put the calls back in send order by their first document.
  return calls.sort((a, b) => order.indexOf(idOf(a[0]!)) - order.indexOf(idOf(b[0]!)));
}
const ids = (call: Record<string, unknown>[]) =>
  call.map((d) => (d.symantec_edr_cloud as { doc_id: string }).doc_id);

describe.skipIf(!motoReady)('Module: FirehoseSink on moto (records read back from the S3 bucket)', () => {
  let aws: MotoAws;
  let client: FirehoseClient;
  let putCalls = 0;

  beforeAll(async () => {
    aws = await startMotoAws();
    client = new FirehoseClient(aws.config);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutRecordBatchCommand') putCalls++;
        return next(args);
      },
      { step: 'initialize', name: 'countPutRecordBatch' },
    );
  });
  afterAll(async () => {
    client?.destroy();
    await aws?.close();
  });
  beforeEach(async () => {
    await aws.reset();
    await createS3DeliveryStream(aws, STREAM, BUCKET);
    putCalls = 0;
  });

  const sink = (options: Partial<ConstructorParameters<typeof FirehoseSink>[0]> = {}) =>
    new FirehoseSink({ streamName: STREAM, client, clock, random: () => 0.5, ...options });

  it('delivers every document as one JSON line ending in a newline', async () => {
    const input = [doc('a', { message: 'two\nlines' }), doc('b')];

    const result = await sink().write(input);

    expect(result).toEqual({ written: 2, quarantined: 0, retries: 0 });
    const objects = await bucketObjects(aws, BUCKET);
    expect(objects).toHaveLength(1);
    expect(objects[0]?.key.startsWith('data/')).toBe(true);
    expect(objects[0]?.text).toBe(`${JSON.stringify(input[0]!.doc)}\n${JSON.stringify(input[1]!.doc)}\n`);
  });

  it('splits 1,200 documents into 3 calls of at most 500 records, each in order, none lost', async () => {
    const input = docs(1200);

    const result = await sink().write(input);

    expect(result.written).toBe(1200);
    expect(putCalls).toBe(3);
    const calls = await deliveredCalls(
      aws,
      input.map((d) => d.id),
    );
    expect(calls.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(calls.flatMap(ids)).toEqual(input.map((d) => d.id));
  });

  it('splits a batch whose data is just over 4 MiB, and keeps one of exactly 4 MiB whole', async () => {
    // 5 records of ~900 KB: 4 fit in 4 MiB, the 5th would pass it.
    const big = 'x'.repeat(900_000);
    const over = Array.from({ length: 5 }, (_, i) => doc(`big${i}`, { message: big }));
    await sink().write(over);
    const calls = await deliveredCalls(
      aws,
      over.map((d) => d.id),
    );
    expect(calls.map((c) => c.length)).toEqual([4, 1]);
    for (const o of await bucketObjects(aws, BUCKET))
      expect(Buffer.byteLength(o.text)).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerCall);

    await aws.reset();
    await createS3DeliveryStream(aws, STREAM, BUCKET);
    const overhead = Buffer.byteLength(`${JSON.stringify(doc('e0', { message: '' }).doc)}\n`);
    const each = FIREHOSE_LIMITS.bytesPerCall / 8;
    const exact = Array.from({ length: 8 }, (_, i) => doc(`e${i}`, { message: 'y'.repeat(each - overhead) }));
    await sink().write(exact);
    const objects = await bucketObjects(aws, BUCKET);
    expect(objects).toHaveLength(1);
    expect(Buffer.byteLength(objects[0]!.text)).toBe(FIREHOSE_LIMITS.bytesPerCall);
  });

  it("fails at once, without retries, on Firehose's own ResourceNotFoundException for a missing stream", async () => {
    const error = await sink({ streamName: 'ses-nowhere' })
      .write(docs(2))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).message).toContain('"ses-nowhere"');
    expect((error as SinkError).message).toContain('DELIVERY_STREAMS');
    expect((error as SinkError).details).toMatchObject({ awsError: 'ResourceNotFoundException' });
    expect(putCalls).toBe(1);
  });

  describe('documents over the 1,000 KiB record limit, as they land in S3', () => {
    it('drop event.original first and keep the rest intact', async () => {
      const original = 'o'.repeat(1_100_000);
      const input = doc('big', { message: 'short', event: { kind: 'alert', original } });

      const result = await sink().write([input]);

      expect(result).toEqual({ written: 1, quarantined: 0, retries: 0 });
      const [sent] = (await deliveredCalls(aws, ['big']))[0]!;
      expect(sent?.event).toEqual({ kind: 'alert' });
      expect(sent?.message).toBe('short');
    });

    it('then have message cut with a marker to the largest size that fits, in every copy', async () => {
      const text = 'é"'.repeat(600_000);
      const input = doc('long', {
        message: text,
        symantec_edr_cloud: { doc_id: 'long', incident: { message: text } },
      });

      await sink().write([input]);

      const [object] = await bucketObjects(aws, BUCKET);
      expect(Buffer.byteLength(object!.text)).toBeLessThanOrEqual(FIREHOSE_LIMITS.bytesPerRecord);
      expect(Buffer.byteLength(object!.text)).toBeGreaterThan(FIREHOSE_LIMITS.bytesPerRecord - 16);
      const sent = JSON.parse(object!.text) as {
        message: string;
        symantec_edr_cloud: { incident: { message: string } };
      };
      expect(sent.message.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(text.startsWith(sent.message.slice(0, -TRUNCATION_MARKER.length))).toBe(true);
      expect(sent.symantec_edr_cloud.incident.message).toBe(sent.message);
    });

    it('are replaced by a quarantine document when they still do not fit, never dropped', async () => {
      const hugeField = 'z'.repeat(1_100_000);
      const input = [
        doc('ok1'),
        doc('huge', { symantec_edr_cloud: { doc_id: 'huge', incident: { blob: hugeField } } }),
        doc('ok2'),
      ];

      const result = await sink().write(input);

      expect(result).toEqual({ written: 2, quarantined: 1, retries: 0 });
      const [records] = await deliveredCalls(aws, ['ok1']);
      expect(records).toHaveLength(3);
      const q = records![1] as {
        data_stream: { dataset: string };
        error: { type: string; message: string };
        symantec_edr_cloud: { quarantine: { original_doc_id: string } };
      };
      expect(q.data_stream.dataset).toBe('symantec_edr_cloud.quarantine');
      expect(q.error.type).toBe('record_too_large');
      expect(q.symantec_edr_cloud.quarantine.original_doc_id).toBe('huge');
      expect(ids([records![0]!, records![2]!])).toEqual(['ok1', 'ok2']);
    });
  });
});
