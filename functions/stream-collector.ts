/**
 * Event Stream collector Lambda: a thin shell over the stream core (shared/collector/stream.ts) with
 * the AWS adapters (Secrets Manager shared with the incident collector, DynamoDB checkpoint, Firehose).
 * The schedule passes `{"channel": n}` to fan out one invocation per channel (own lease and cursor);
 * without it one invocation reads every channel.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoDbCheckpointStore } from '../shared/checkpoint/dynamodb.ts';
import { collectStream, type StreamRunSummary } from '../shared/collector/stream.ts';
import {
  composeStreamCollector,
  createTelemetryDelivery,
  streamRunOptions,
} from '../shared/collector/telemetry-compose.ts';
import { settingsFromEnv } from '../shared/config/load.ts';
import { runtimeEnvFrom } from '../shared/config/runtime-env.ts';
import type { Settings } from '../shared/config/settings.ts';
import { SecretsManagerCredentials } from '../shared/credentials/secrets-manager.ts';
import { ConnectorError, isConnectorError } from '../shared/errors.ts';
import { PowertoolsLoggerAdapter, PowertoolsMetricsAdapter } from '../shared/logging/powertools.ts';
import { redactor } from '../shared/logging/redact.ts';
import { type Clock, systemClock } from '../shared/ports/clock.ts';
import { METRICS_NAMESPACE, MetricNames, SERVICE_NAME } from '../shared/ports/logger.ts';
import type { Sink } from '../shared/ports/sink.ts';
import { FirehoseSink } from '../shared/sink/firehose.ts';
import { TeeSink } from '../shared/sink/tee.ts';
import { withTracing } from './tracing.ts';

const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const powertoolsMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const containerLogger = new PowertoolsLoggerAdapter(powertoolsLogger);

interface Wiring {
  settings: Settings;
  credentials: SecretsManagerCredentials;
  store: DynamoDbCheckpointStore;
  sink: Sink;
}

function wire(source: NodeJS.ProcessEnv, clock: Clock): Wiring {
  const settings = settingsFromEnv(source);
  const env = runtimeEnvFrom(source);
  return {
    settings,
    credentials: new SecretsManagerCredentials({ secretId: env.SECRET_ARN }),
    store: new DynamoDbCheckpointStore({ tableName: env.CHECKPOINT_TABLE }),
    sink: new TeeSink(
      env.DELIVERY_STREAMS.split(',').map(
        (streamName, i) =>
          new FirehoseSink({ streamName, clock, logger: containerLogger, aggregate: i === 0 }),
      ),
    ),
  };
}

/** `{"channel": n}` from the schedule's input, or nothing (every channel). */
export function channelOf(event: unknown): number | undefined {
  const value = (event as { channel?: unknown } | null)?.channel;
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new ConnectorError(
      'config',
      `The invocation input names channel ${JSON.stringify(value)}, not a channel number`,
      {
        action:
          'Give {"channel": n} with n in 0..SES_EVENT_STREAM_CHANNELS-1 in the schedule input, or no input',
      },
    );
  }
  return n;
}

export type StreamLambdaRun = (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
) => Promise<StreamRunSummary>;

export function createStreamRun(
  overrides: { clock?: Clock; env?: NodeJS.ProcessEnv; fetch?: typeof fetch } = {},
): StreamLambdaRun {
  let wiring: Wiring | undefined;
  const clock = overrides.clock ?? systemClock;
  return async (event, context) => {
    const logger = new PowertoolsLoggerAdapter(powertoolsLogger);
    const metrics = new PowertoolsMetricsAdapter(powertoolsMetrics);
    let w: Wiring;
    let channel: number | undefined;
    try {
      wiring ??= wire(overrides.env ?? process.env, clock);
      w = wiring;
      channel = channelOf(event);
    } catch (error) {
      metrics.add(MetricNames.configError, 1);
      metrics.add(MetricNames.runFailed, 1);
      metrics.flushInto();
      const message = redactor.redact(error instanceof Error ? error.message : String(error));
      logger.error(`configuration error, no stream read attempted: ${message}`);
      throw isConnectorError(error) ? error : new ConnectorError('config', message);
    }
    const delivery = createTelemetryDelivery({ settings: w.settings, sink: w.sink, metrics, logger });
    const deps = composeStreamCollector({
      settings: w.settings,
      credentials: w.credentials,
      store: w.store,
      delivery,
      clock,
      logger,
      metrics,
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    });
    const options = streamRunOptions(w.settings, {
      owner: context.awsRequestId,
      deadline: clock.now() + context.getRemainingTimeInMillis(),
      channel,
    });
    const summary = await collectStream(deps, options, w.sink.description);
    metrics.flushInto();
    logger.info(`stream run ${summary.status}`, { summary });
    if (summary.status === 'failed') {
      throw new ConnectorError(
        (summary.channels.find((c) => c.error)?.error?.kind ?? 'server') as ConnectorError['kind'],
        summary.reason ?? 'stream run failed',
      );
    }
    return summary;
  };
}

export const run: StreamLambdaRun = createStreamRun();

export const handler = withTracing(
  middy(run)
    .use(injectLambdaContext(powertoolsLogger))
    .use(logMetrics(powertoolsMetrics, { captureColdStartMetric: true })),
);
