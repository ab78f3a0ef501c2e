/**
 * The Lambda run (`createRun`) with every AWS service on moto: the client secret in Secrets Manager,
 * the checkpoint table in DynamoDB, the delivery stream writing into S3, all created through the real
 * APIs and reached by the handler's own default clients through AWS_ENDPOINT_URL (no test-only branch
 * in production code). The API simulator runs on a FakeClock shared with the run. What the run
 * delivered is read back from the bucket Firehose wrote.
 *
 * The seeded soak, the reliability tests and the leak scan keep the client-mock rig (lambda-rig.ts):
 * they inject Firehose refusals and throttling, which moto cannot do, and run hundreds of invocations.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { RecordedRequest } from '../../infra/rehearse/moto.ts';
import { DynamoDbCheckpointStore } from '../../shared/checkpoint/dynamodb.ts';
import { clearSecretCache } from '../../shared/credentials/secrets-manager.ts';
import type { Checkpoint } from '../../shared/ports/checkpoint-store.ts';
import { type RunningSimulator, startSimulator, versionKey } from '../../shared/simulator/index.ts';
import { FakeClock } from './fakes.ts';
import {
  DynamoHook,
  incidentVersion,
  type LambdaInvoker,
  lambdaInvoker,
  type MetricRecord,
  OutputCapture,
  RIG_CLIENT_ID,
  RIG_CLIENT_SECRET,
  recordMetrics,
} from './lambda-rig.ts';
import {
  bucketObjects,
  createS3DeliveryStream,
  MOTO_TEST_CREDENTIALS,
  type MotoAws,
  startMotoAws,
} from './moto-aws.ts';

export const MOTO_TABLE = 'ses-connector-checkpoints';
export const MOTO_STREAM = 'ses-s3';
export const MOTO_BUCKET = 'ses-connector-data';

/** One document read back from the bucket. */
export interface StoredDoc {
  id: string;
  dataset: string;
  doc: Record<string, unknown>;
}

export interface MotoLambdaOptions {
  seed?: number;
  incidents?: number;
  spanHours?: number;
  futureHours?: number;
  /** Settings and runtime env of the handler, over the defaults. */
  env?: Record<string, string>;
  clientSecret?: string;
}

export interface MotoLambda extends LambdaInvoker {
  clock: FakeClock;
  sim: RunningSimulator;
  aws: MotoAws;
  capture: OutputCapture;
  metrics: MetricRecord[];
  dynamo: DynamoHook;
  /** The secret's ARN as Secrets Manager issued it. */
  secretArn: string;
  /** Every document in the bucket, in no particular order (one object per PutRecordBatch call). */
  stored(): Promise<StoredDoc[]>;
  /** PutRecordBatch calls that returned (moto accepts every record). */
  firehoseCalls(): number;
  checkpoint(): Promise<Checkpoint | undefined>;
  /** The AWS requests moto received while `fn` ran (moto's recorder). */
  recordAws<T>(fn: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }>;
  close(): Promise<void>;
}

export async function startMotoLambda(options: MotoLambdaOptions = {}): Promise<MotoLambda> {
  const clock = new FakeClock(Date.now());
  const capture = new OutputCapture();
  const aws = await startMotoAws();
  const savedEnv = { ...process.env };
  const clientSecret = options.clientSecret ?? RIG_CLIENT_SECRET;
  const { ARN } = await aws.secrets.send(
    new CreateSecretCommand({
      Name: 'ses-connector-client',
      SecretString: JSON.stringify({ client_id: RIG_CLIENT_ID, client_secret: clientSecret }),
    }),
  );
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: MOTO_TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await createS3DeliveryStream(aws, MOTO_STREAM, MOTO_BUCKET);
  // The handler builds its clients with defaults: AWS_ENDPOINT_URL sends every service to moto.
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: MOTO_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_TEST_CREDENTIALS.secretAccessKey,
  });
  const sim = await startSimulator({
    seed: options.seed ?? 1,
    incidents: options.incidents ?? 100,
    spanHours: options.spanHours ?? 24,
    futureHours: options.futureHours ?? 0,
    historyDays: 30,
    clock,
    clientId: RIG_CLIENT_ID,
    clientSecret,
  });
  clearSecretCache();
  capture.start(false);

  // Count PutRecordBatch calls that returned, on every FirehoseClient (the handler's included), so the
  // crash hook below can wait until data reached Firehose.
  let firehoseCalls = 0;
  type Send = (this: FirehoseClient, command: unknown, ...rest: unknown[]) => Promise<unknown>;
  const fhProto = FirehoseClient.prototype as unknown as { send: Send };
  const originalFhSend = fhProto.send;
  fhProto.send = async function (this: FirehoseClient, command: unknown, ...rest: unknown[]) {
    const out = await originalFhSend.call(this, command, ...rest);
    if (command instanceof PutRecordBatchCommand) firehoseCalls++;
    return out;
  };
  const dynamo = new DynamoHook(() => firehoseCalls);
  dynamo.install();

  const metricHook = recordMetrics();

  const env: Record<string, string> = {
    SES_API_URL: sim.url,
    CHECKPOINT_TABLE: MOTO_TABLE,
    SECRET_ARN: String(ARN),
    DELIVERY_STREAMS: MOTO_STREAM,
    ...options.env,
  };
  const invoker = await lambdaInvoker(clock, env);
  const checkpointClient = new DynamoDBClient(aws.config);

  return {
    clock,
    sim,
    aws,
    capture,
    metrics: metricHook.metrics,
    dynamo,
    secretArn: String(ARN),
    ...invoker,
    async stored() {
      const out: StoredDoc[] = [];
      for (const o of await bucketObjects(aws, MOTO_BUCKET)) {
        for (const line of o.text.split('\n')) {
          if (line === '') continue;
          const doc = JSON.parse(line) as Record<string, unknown>;
          out.push({
            id: String((doc.symantec_edr_cloud as { doc_id?: string } | undefined)?.doc_id),
            dataset: String((doc.data_stream as { dataset?: string } | undefined)?.dataset),
            doc,
          });
        }
      }
      return out;
    },
    firehoseCalls: () => firehoseCalls,
    checkpoint() {
      return new DynamoDbCheckpointStore({ tableName: MOTO_TABLE, client: checkpointClient }).load('default');
    },
    async recordAws(fn) {
      await aws.moto.startRecording();
      try {
        const result = await fn();
        await aws.moto.stopRecording();
        return { result, requests: await aws.moto.recording() };
      } catch (error) {
        await aws.moto.stopRecording();
        throw error;
      }
    },
    async close() {
      capture.stop();
      metricHook.restore();
      fhProto.send = originalFhSend;
      dynamo.uninstall();
      checkpointClient.destroy();
      await sim.close();
      await aws.close();
      for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
      Object.assign(process.env, savedEnv);
    },
  };
}

/** Delivered incident versions (`incident_uid@time`) and events (`incident_uid\nuuid`), and extra copies. */
export function auditStored(docs: readonly StoredDoc[]) {
  const versions = new Set<string>();
  const events = new Set<string>();
  const copies = new Map<string, number>();
  for (const d of docs) {
    copies.set(d.id, (copies.get(d.id) ?? 0) + 1);
    if (d.dataset === 'symantec_edr_cloud.incident') {
      const key = incidentVersion(d.doc);
      versions.add(versionKey(key.uid, key.time));
    } else if (d.dataset === 'symantec_edr_cloud.event') {
      const ns = d.doc.symantec_edr_cloud as Record<string, Record<string, unknown>> | undefined;
      const uid = ns?.incident?.incident_uid ?? ns?.event?.incident_uid;
      events.add(`${String(uid)}\n${String((d.doc.event as Record<string, unknown> | undefined)?.id)}`);
    }
  }
  let duplicates = 0;
  for (const n of copies.values()) duplicates += n - 1;
  return { versions, events, copies, duplicates };
}
