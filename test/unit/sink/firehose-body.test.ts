import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putRecordBatchBody, withNativeBody } from '../../../shared/sink/firehose-body.ts';

/** A loopback PutRecordBatch endpoint that keeps every request it gets and accepts every record. */
let server: Server;
let endpoint: string;
const received: { body: Buffer; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ body, headers: req.headers });
      const n = (JSON.parse(body.toString('utf8')) as { Records: unknown[] }).Records.length;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          FailedPutCount: 0,
          RequestResponses: Array.from({ length: n }, (_, i) => ({ RecordId: `r${i}` })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () =>
  new FirehoseClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

/** Records of every length modulo 3 (padding), empty, multi-byte text, every byte value, > one slice. */
function records(): Uint8Array[] {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const big = Buffer.alloc(3 * 16 * 1024 * 2 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const inside = Buffer.from('xx{"message":"héllo ☃ 𝄞"}\nsecond line yy');
  return [
    new Uint8Array(0),
    Buffer.from('a'),
    Buffer.from('ab'),
    Buffer.from('abc'),
    all,
    big,
    inside.subarray(2, inside.length - 3), // a view into a larger buffer, as the sink's records are
  ];
}

describe('Module: PutRecordBatch body written natively (firehose-body)', () => {
  it('sends exactly the bytes and content-length the SDK itself sends, and the answer reads the same', async () => {
    const input: PutRecordBatchCommandInput = {
      DeliveryStreamName: 'ses-s3 "quoted" ☃',
      Records: records().map((Data) => ({ Data })),
    };
    received.length = 0;
    const sdk = await client().send(new PutRecordBatchCommand(input));
    const ours = await client().send(withNativeBody(new PutRecordBatchCommand(input)));

    expect(received).toHaveLength(2);
    const [a, b] = received as [(typeof received)[0], (typeof received)[0]];
    expect(b.body.equals(a.body)).toBe(true);
    expect(b.headers['content-length']).toBe(a.headers['content-length']);
    expect(b.headers['x-amz-target']).toBe('Firehose_20150804.PutRecordBatch');
    expect(b.headers['content-type']).toBe(a.headers['content-type']);
    expect(ours.RequestResponses).toEqual(sdk.RequestResponses);
    // The command's input still holds the records (mocks and logs see them).
    expect(input.Records).toHaveLength(7);
  });

  it('writes base64 that decodes to each record', () => {
    const recs = records();
    const body = JSON.parse(putRecordBatchBody('s', recs).toString('utf8')) as {
      DeliveryStreamName: string;
      Records: { Data: string }[];
    };
    expect(body.DeliveryStreamName).toBe('s');
    expect(body.Records.map((r) => Buffer.from(r.Data, 'base64'))).toEqual(recs.map((r) => Buffer.from(r)));
  });
});
