/**
 * moto for integration tests: one `moto_server` per test file (infra/rehearse/moto.ts starts it on
 * 127.0.0.1, a free port, bounded start), SDK clients pointed at it, and the few resources the tests
 * need, created through the real APIs. Tests call `reset()` between cases: moto forgets every
 * resource, so each test creates its own.
 *
 * Use it where moto implements the operation with the real wire protocol: Secrets Manager
 * GetSecretValue (and its ResourceNotFoundException), Firehose PutRecordBatch delivering into its own
 * S3 (one object per call), SNS PublishBatch to an SQS subscription, EventBridge PutEvents through a
 * rule to SQS, DynamoDB. What moto cannot do (a per-record Firehose/SNS/EventBridge refusal, throttling,
 * AccessDenied without IAM enforcement) stays on aws-sdk-client-mock, and those tests say so.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { motoAvailable, type RunningMoto, startMoto } from '../../infra/rehearse/moto.ts';

export const MOTO_REGION = 'us-east-1';
export const MOTO_ACCOUNT = '123456789012';
/** moto accepts any credentials; these are distinctive so a leak scan for them means something. */
export const MOTO_TEST_CREDENTIALS = {
  accessKeyId: 'AKIAMOTOTESTS0000001',
  secretAccessKey: 'moto-tests-secret-access-key-7d2f4a9c',
};

/** True when moto_server is installed (CI always has it: there a missing moto fails, not skips). */
export const motoReady = motoAvailable() || process.env.CI === 'true';

export interface MotoAws {
  moto: RunningMoto;
  endpoint: string;
  /** Client config for any SDK v3 client: endpoint, region, credentials, no SDK retries. */
  config: {
    endpoint: string;
    region: string;
    credentials: typeof MOTO_TEST_CREDENTIALS;
    maxAttempts: number;
  };
  s3: S3Client;
  sqs: SQSClient;
  firehose: FirehoseClient;
  secrets: SecretsManagerClient;
  sns: SNSClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
  /** Forget every resource (moto's /moto-api/reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startMotoAws(): Promise<MotoAws> {
  const moto = await startMoto();
  const config = {
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    credentials: MOTO_TEST_CREDENTIALS,
    maxAttempts: 1,
  };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const clients = {
    s3,
    sqs: new SQSClient(config),
    firehose: new FirehoseClient(config),
    secrets: new SecretsManagerClient(config),
    sns: new SNSClient(config),
    events: new EventBridgeClient(config),
    dynamodb: new DynamoDBClient(config),
  };
  return {
    moto,
    endpoint: moto.endpoint,
    config,
    ...clients,
    async reset() {
      const res = await fetch(`${moto.endpoint}/moto-api/reset`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
    },
    async close() {
      for (const c of Object.values(clients)) c.destroy();
      await moto.close();
    },
  };
}

/** A DirectPut delivery stream writing into a new bucket (moto writes one object per PutRecordBatch). */
export async function createS3DeliveryStream(aws: MotoAws, stream: string, bucket: string): Promise<void> {
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await aws.firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: stream,
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        BucketARN: `arn:aws:s3:::${bucket}`,
        RoleARN: `arn:aws:iam::${MOTO_ACCOUNT}:role/firehose-test`,
        Prefix: 'data/',
      },
    }),
  );
}

/** Every object in `bucket` as text (moto: one object per PutRecordBatch call, records concatenated). */
export async function bucketObjects(
  aws: MotoAws,
  bucket: string,
): Promise<Array<{ key: string; text: string }>> {
  const out: Array<{ key: string; text: string }> = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const list = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of list.Contents ?? []) {
      const got = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      out.push({ key: String(o.Key), text: (await got.Body?.transformToString('utf8')) ?? '' });
    }
    token = list.NextContinuationToken;
    if (!token) break;
  }
  return out;
}

/** A queue and its ARN. */
export async function createQueue(aws: MotoAws, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: String(QueueUrl), arn: String(attrs.Attributes?.QueueArn) };
}

/** Everything the queue holds now (moto delivers SNS and EventBridge messages synchronously). */
export async function drainQueue(aws: MotoAws, url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!r.Messages?.length) break;
    out.push(...r.Messages);
  }
  return out;
}

/**
 * A topic with an SQS subscription. By default the queue receives SNS's notification envelope
 * (Message, Subject, MessageAttributes); `raw` delivers the message body alone.
 */
export async function createTopicWithQueue(aws: MotoAws, name: string, options: { raw?: boolean } = {}) {
  const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: name }));
  const queue = await createQueue(aws, `${name}-sub`);
  await aws.sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: options.raw ? 'true' : 'false' },
    }),
  );
  return { topicArn: String(TopicArn), queue };
}

/** A bus with a rule sending every event of `source` to an SQS queue. */
export async function createBusWithQueue(aws: MotoAws, bus: string, source: string) {
  await aws.events.send(new CreateEventBusCommand({ Name: bus }));
  const queue = await createQueue(aws, `${bus}-sub`);
  await aws.events.send(
    new PutRuleCommand({
      Name: `${bus}-all`,
      EventBusName: bus,
      EventPattern: JSON.stringify({ source: [source] }),
    }),
  );
  await aws.events.send(
    new PutTargetsCommand({ Rule: `${bus}-all`, EventBusName: bus, Targets: [{ Id: 'q', Arn: queue.arn }] }),
  );
  return { queue };
}
