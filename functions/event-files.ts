/**
 * Data Bucket consumer Lambda: S3 object-created notifications arrive through SQS; each object is
 * streamed through the telemetry normalizer and the sink (shared/collector/event-files.ts). Partial
 * batch responses (Powertools batch): a failed object is retried alone, the others are done. An object
 * that can never be read (corrupt gzip, a line over the limit, gone) is sent to the dead-letter queue
 * with the reason and not retried. The same object version arriving twice is ingested once.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { DynamoDbCheckpointStore } from '../shared/checkpoint/dynamodb.ts';
import { s3EventObject } from '../shared/collector/event-file-sources.ts';
import {
  type EventFileResult,
  ingestEventObject,
  PoisonObjectError,
} from '../shared/collector/event-files.ts';
import { createTelemetryDelivery } from '../shared/collector/telemetry-compose.ts';
import { describeIssues, settingsFromEnv } from '../shared/config/load.ts';
import type { Settings } from '../shared/config/settings.ts';
import { ConfigError } from '../shared/errors.ts';
import { PowertoolsLoggerAdapter, PowertoolsMetricsAdapter } from '../shared/logging/powertools.ts';
import type { CheckpointStore } from '../shared/ports/checkpoint-store.ts';
import { type Clock, systemClock } from '../shared/ports/clock.ts';
import {
  type Logger as LoggerPort,
  METRICS_NAMESPACE,
  MetricNames,
  type Metrics as MetricsPort,
  SERVICE_NAME,
} from '../shared/ports/logger.ts';
import type { Sink } from '../shared/ports/sink.ts';
import { FirehoseSink } from '../shared/sink/firehose.ts';
import { TeeSink } from '../shared/sink/tee.ts';
import { withTracing } from './tracing.ts';

const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const powertoolsMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const containerLogger = new PowertoolsLoggerAdapter(powertoolsLogger);

const envSchema = z.object({
  CHECKPOINT_TABLE: z.string().check(z.minLength(3)),
  DELIVERY_STREAMS: z.string().check(z.minLength(1)),
  POISON_QUEUE_URL: z.string().check(z.regex(/^https?:\/\//)),
});

/** An S3 event notification record (the fields we read). */
const s3RecordSchema = z.object({
  eventName: z.optional(z.string()),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      size: z.optional(z.number()),
    }),
  }),
});
const notificationSchema = z.object({
  Event: z.optional(z.string()),
  Records: z.optional(z.array(s3RecordSchema)),
});

export interface EventFilesDeps {
  settings: Settings;
  s3: S3Client;
  sqs: SQSClient;
  store: CheckpointStore;
  sink: Sink;
  poisonQueueUrl: string;
  clock: Clock;
}

/** Keys in notifications are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The handler over explicit adapters (tests run it against moto). Returns the SQS partial batch
 * response: only the records that failed for a retryable reason are listed.
 */
export function createEventFilesHandler(deps: EventFilesDeps, logger: LoggerPort, metrics: MetricsPort) {
  const delivery = createTelemetryDelivery({ settings: deps.settings, sink: deps.sink, metrics, logger });
  const results: EventFileResult[] = [];

  const poison = async (record: SQSRecord, location: string, reason: string) => {
    metrics.add(MetricNames.eventFilesPoisoned, 1);
    logger.error(`unreadable Data Bucket object sent to the dead-letter queue: ${reason}`, { location });
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deps.poisonQueueUrl,
        MessageBody: JSON.stringify({
          reason,
          location,
          sqsMessageId: record.messageId,
          notification: record.body.slice(0, 200_000),
        }),
      }),
    );
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    let parsed: z.infer<typeof notificationSchema>;
    try {
      parsed = notificationSchema.parse(JSON.parse(record.body));
    } catch (error) {
      await poison(
        record,
        '(not an S3 notification)',
        `the SQS message is not an S3 event notification: ${(error as Error).message.slice(0, 300)}`,
      );
      return;
    }
    if (parsed.Event === 's3:TestEvent') return;
    for (const r of parsed.Records ?? []) {
      if (r.eventName && !r.eventName.startsWith('ObjectCreated')) continue;
      const bucket = r.s3.bucket.name;
      const key = decodeS3Key(r.s3.object.key);
      const location = `s3://${bucket}/${key}`;
      let object: Awaited<ReturnType<typeof s3EventObject>>;
      try {
        object = await s3EventObject(deps.s3, bucket, key, {
          ...(r.s3.object.eTag ? { etag: r.s3.object.eTag } : {}),
          ...(r.s3.object.versionId ? { versionId: r.s3.object.versionId } : {}),
        });
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NoSuchVersion') {
          await poison(
            record,
            location,
            `${location} no longer exists (${name}): deleted before it was read`,
          );
          continue;
        }
        throw error; // AccessDenied, throttling, network: retried, then the queue's redrive
      }
      try {
        const result = await ingestEventObject(object, {
          delivery,
          store: deps.store,
          tenant: deps.settings.tenant,
          clock: deps.clock,
        });
        results.push(result);
        logger.info(`${result.status === 'duplicate' ? 'already ingested' : 'ingested'} ${location}`, {
          ...result,
        });
      } catch (error) {
        if (error instanceof PoisonObjectError) {
          await poison(record, location, error.message);
          continue;
        }
        throw error;
      }
    }
  };

  return {
    results,
    async handle(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
      const processor = new BatchProcessor(EventType.SQS);
      return processPartialResponse(event, handleRecord, processor, {
        ...(context ? { context } : {}),
        throwOnFullBatchFailure: false,
      });
    },
  };
}

let wired: EventFilesDeps | undefined;

function wire(source: NodeJS.ProcessEnv): EventFilesDeps {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, source[k]])),
  );
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid Lambda environment: ${describeIssues(parsed.error.issues, (k) => k, {})}`,
      {
        action: 'Redeploy the stack, or fix the variable in the function configuration',
      },
    );
  }
  const env = parsed.data;
  return {
    settings: settingsFromEnv(source),
    s3: new S3Client({}),
    sqs: new SQSClient({}),
    store: new DynamoDbCheckpointStore({ tableName: env.CHECKPOINT_TABLE }),
    sink: new TeeSink(
      env.DELIVERY_STREAMS.split(',').map(
        (streamName, i) =>
          new FirehoseSink({ streamName, clock: systemClock, logger: containerLogger, aggregate: i === 0 }),
      ),
    ),
    poisonQueueUrl: env.POISON_QUEUE_URL,
    clock: systemClock,
  };
}

export async function run(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  wired ??= wire(process.env);
  const metrics = new PowertoolsMetricsAdapter(powertoolsMetrics);
  const handler = createEventFilesHandler(wired, new PowertoolsLoggerAdapter(powertoolsLogger), metrics);
  const response = await handler.handle(event, context);
  metrics.flushInto();
  return response;
}

export const handler = withTracing(
  middy(run)
    .use(injectLambdaContext(powertoolsLogger))
    .use(logMetrics(powertoolsMetrics, { captureColdStartMetric: true })),
);
