import { gzipSync } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventFilesHandler } from '../../../functions/event-files.ts';
import { motoAvailable, type RunningMoto, startMoto } from '../../../infra/rehearse/moto.ts';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { telemetryDocId } from '../../../shared/normalize/telemetry/index.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { MemoryMetrics, MetricNames, silentLogger } from '../../../shared/ports/logger.ts';
import { generateTelemetry } from '../../../shared/simulator/telemetry-generator.ts';
import { MemorySink } from '../../helpers/fakes.ts';

const canRun = motoAvailable() || process.env.CI === 'true';
const region = 'us-east-1';
const credentials = {
  accessKeyId: 'AKIAEVENTFILES000001',
  secretAccessKey: 'event-files-test-secret-key-0000',
};

/** Receive what the queue holds now (moto delivers notifications synchronously on PutObject). */
async function receiveAll(sqs: SQSClient, url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        // Long enough that a slow machine never sees a message twice while the test still holds it.
        VisibilityTimeout: 60,
      }),
    );
    if (!r.Messages?.length) break;
    out.push(...r.Messages);
  }
  return out;
}

function sqsEvent(messages: Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

describe.skipIf(!canRun)('Data Bucket consumer on moto (real S3 notifications → SQS → handler)', () => {
  let moto: RunningMoto;
  let s3: S3Client;
  let sqs: SQSClient;
  let ddb: DynamoDBClient;
  let queueUrl: string;
  let queueArn: string;
  let poisonUrl: string;
  const bucket = 'ses-data-bucket-export';

  beforeAll(async () => {
    moto = await startMoto();
    const common = { endpoint: moto.endpoint, region, credentials };
    s3 = new S3Client({ ...common, forcePathStyle: true });
    sqs = new SQSClient(common);
    ddb = new DynamoDBClient(common);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'event-files' }))).QueueUrl ?? '';
    poisonUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'event-files-dlq' }))).QueueUrl ?? '';
    queueArn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn ?? '';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
    await ddb.send(
      new CreateTableCommand({
        TableName: 'checkpoints',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await moto?.close();
  });

  it('ingests gzip and plain NDJSON objects, is idempotent for a duplicate notification, retries a failed object alone and dead-letters a poison object with the reason', async () => {
    const now = Date.now();
    const { events } = generateTelemetry({ seed: 3, count: 300, from: now - 3_600_000, to: now - 600_000 });
    const first = events.slice(0, 200);
    const second = events.slice(200);
    const lines = (evs: object[]) => `${evs.map((e) => JSON.stringify(e)).join('\n')}\n`;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'events/2026/12/01/part 1.json.gz',
        Body: gzipSync(lines(first)),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'events/2026/12/01/part-2.log',
        Body: `${lines(second)}this line is not json\n`,
      }),
    );
    // gzip magic, then garbage: unreadable whatever the retries.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'events/2026/12/01/poison.gz',
        Body: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('not deflate data at all')]),
      }),
    );

    const messages = await receiveAll(sqs, queueUrl);
    // Three object notifications, and the s3:TestEvent S3 sends when the notification is configured.
    expect(messages.filter((m) => !m.Body?.includes('s3:TestEvent'))).toHaveLength(3);
    expect(messages).toHaveLength(4);
    const sink = new MemorySink();
    const metrics = new MemoryMetrics();
    const store = new DynamoDbCheckpointStore({ tableName: 'checkpoints', client: ddb });
    const deps = {
      settings: parseSettings({}),
      s3,
      sqs,
      store,
      sink,
      poisonQueueUrl: poisonUrl,
      clock: systemClock,
    };

    // First delivery: the sink fails once, so exactly one object is reported for retry.
    sink.failOnWrite = 1;
    const handler = createEventFilesHandler(deps, silentLogger, metrics);
    const response = await handler.handle(sqsEvent(messages, queueArn));
    expect(response.batchItemFailures).toHaveLength(1);
    const failedId = response.batchItemFailures[0]?.itemIdentifier;
    for (const m of messages)
      if (m.MessageId !== failedId)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));

    // The failed object alone comes back once its visibility timeout ends (ended here at once, so the
    // test does not depend on how long the first delivery took) and succeeds.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: messages.find((m) => m.MessageId === failedId)?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const retried = await receiveAll(sqs, queueUrl);
    expect(retried.map((m) => m.MessageId)).toEqual([failedId]);
    const again = await createEventFilesHandler(deps, silentLogger, metrics).handle(
      sqsEvent(retried, queueArn),
    );
    expect(again.batchItemFailures).toEqual([]);
    // What Lambda's SQS integration does with the successes of a batch.
    for (const m of retried)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));

    const telemetryIds = new Set(sink.docs.filter((d) => d.dataset === 'telemetry').map((d) => d.id));
    expect(telemetryIds).toEqual(new Set(events.map((e) => telemetryDocId(e.uuid, e))));
    const quarantined = sink.docs.filter((d) => d.dataset === 'quarantine');
    expect(quarantined).toHaveLength(1);
    expect(JSON.stringify(quarantined[0]?.doc)).toContain('part-2.log line 101');

    // The poison object went to the dead-letter queue with the reason, and was not retried.
    const dead = await receiveAll(sqs, poisonUrl);
    expect(dead).toHaveLength(1);
    const body = JSON.parse(dead[0]?.Body ?? '{}') as { reason: string; location: string };
    expect(body.location).toBe(`s3://${bucket}/events/2026/12/01/poison.gz`);
    expect(body.reason).toMatch(/gzip data is corrupt/);
    expect(metrics.get(MetricNames.eventFilesPoisoned)).toBe(1);

    // A duplicate notification of an ingested object (S3 delivers at least once) changes nothing.
    const before = sink.docs.length;
    const dup = messages.find(
      (m) => m.Body?.includes('part+1.json.gz') || m.Body?.includes('part%201.json.gz'),
    );
    expect(dup).toBeDefined();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: dup?.Body ?? '' }));
    const dupMessages = await receiveAll(sqs, queueUrl);
    const dupHandler = createEventFilesHandler(deps, silentLogger, metrics);
    expect((await dupHandler.handle(sqsEvent(dupMessages, queueArn))).batchItemFailures).toEqual([]);
    expect(dupHandler.results.map((r) => r.status)).toEqual(['duplicate']);
    expect(sink.docs.length).toBe(before);
  }, 60_000);
});
