/**
 * Lambda entry point: a thin shell that wires the AWS adapters (Secrets Manager, DynamoDB, Firehose,
 * SNS/EventBridge, Powertools) to the same collector core the CLI runs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoDbCheckpointStore } from '../shared/checkpoint/dynamodb.ts';
import { collect, MONITOR_STATE_SAVE_MS, type RunSummary } from '../shared/collector/collect.ts';
import { composeCollector } from '../shared/collector/compose.ts';
import { apiBaseUrl, settingsFromEnv } from '../shared/config/load.ts';
import { type RuntimeEnv, runtimeEnvFrom } from '../shared/config/runtime-env.ts';
import type { Settings } from '../shared/config/settings.ts';
import { SecretsManagerCredentials } from '../shared/credentials/secrets-manager.ts';
import { ConnectorError, isConnectorError } from '../shared/errors.ts';
import { PowertoolsLoggerAdapter, PowertoolsMetricsAdapter } from '../shared/logging/powertools.ts';
import { redactor } from '../shared/logging/redact.ts';
import { createMonitorEngine, loadMonitorsConfig } from '../shared/monitors/index.ts';
import { publishersFromEnv } from '../shared/monitors/publishers.ts';
import { attachOcsf, incidentOcsfQuarantine } from '../shared/ocsf/compose.ts';
import { OcsfFirehoseSink, parseOcsfStreams } from '../shared/ocsf/firehose.ts';
import { type Clock, systemClock } from '../shared/ports/clock.ts';
import { METRICS_NAMESPACE, MetricNames, SERVICE_NAME } from '../shared/ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../shared/ports/monitors.ts';
import { FirehoseSink } from '../shared/sink/firehose.ts';
import { TeeSink } from '../shared/sink/tee.ts';
import { callContext, newTokenSource } from '../shared/symantec/call-context.ts';
import type { OAuthTokenSource } from '../shared/symantec/token-source.ts';
import { withTracing } from './tracing.ts';

const powertoolsLogger = new Logger({ serviceName: SERVICE_NAME });
const powertoolsMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const containerLogger = new PowertoolsLoggerAdapter(powertoolsLogger);

interface Wiring {
  settings: Settings;
  env: RuntimeEnv;
  credentials: SecretsManagerCredentials;
  store: DynamoDbCheckpointStore;
  sink: TeeSink;
  monitorsConfig: ReturnType<typeof loadMonitorsConfig>;
  alerts: AlertSink | undefined;
  ocsf: OcsfFirehoseSink | undefined;
  bindSignal: (signal: AbortSignal) => void;
  /** The OAuth token, cached for the container's life (about 55 minutes of reuse per token). */
  tokenSource: OAuthTokenSource;
}

/** Built once per container: warm invocations reuse clients, the cached secret and the token. */
function wire(source: NodeJS.ProcessEnv, clock: Clock): Wiring {
  const settings = settingsFromEnv(source);
  const env = runtimeEnvFrom(source);
  const streams = env.DELIVERY_STREAMS.split(',');
  const credentials = new SecretsManagerCredentials({ secretId: env.SECRET_ARN });
  // Set by each run to its hard-stop signal: Firehose and DynamoDB calls cannot outlast the run.
  const bound: { signal?: AbortSignal } = {};
  const abortSignal = () => bound.signal;
  const tokenOptions = {
    baseUrl: apiBaseUrl(settings),
    credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxAttempts: settings.maxAttempts,
    clock,
    logger: containerLogger,
  };
  return {
    settings,
    env,
    credentials,
    tokenSource: newTokenSource(tokenOptions, callContext(tokenOptions)),
    bindSignal: (signal) => {
      bound.signal = signal;
    },
    store: new DynamoDbCheckpointStore({ tableName: env.CHECKPOINT_TABLE, abortSignal }),
    // The sink lives as long as the container: it logs through the module-level Powertools logger.
    // The first stream (S3) de-aggregates, so it gets records of many documents; OpenSearch does not.
    sink: new TeeSink(
      streams.map(
        (streamName, i) =>
          new FirehoseSink({ streamName, clock, logger: containerLogger, aggregate: i === 0, abortSignal }),
      ),
    ),
    monitorsConfig: loadMonitorsConfig({ env: source }),
    // SNS and/or EventBridge; with both, MultiAlertPublisher delivers to each even if one fails.
    alerts: publishersFromEnv(env),
    ocsf: env.OCSF_STREAMS
      ? new OcsfFirehoseSink(parseOcsfStreams(env.OCSF_STREAMS), {
          clock,
          logger: containerLogger,
          abortSignal,
        })
      : undefined,
  };
}

export interface RunOverrides {
  /** Simulated time (soak and end-to-end tests); default: system time. */
  clock?: Clock;
  /** Environment to read instead of process.env. */
  env?: NodeJS.ProcessEnv;
}

export type LambdaRun = (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
) => Promise<RunSummary>;

/** The run without middleware, with its own per-container wiring: exported for tests and the soak. */
export function createRun(overrides: RunOverrides = {}): LambdaRun {
  let wiring: Wiring | undefined;
  const clock = overrides.clock ?? systemClock;
  return async (_event, context) => {
    const logger = new PowertoolsLoggerAdapter(powertoolsLogger);
    const metrics = new PowertoolsMetricsAdapter(powertoolsMetrics);
    let w: Wiring;
    try {
      wiring ??= wire(overrides.env ?? process.env, clock);
      w = wiring;
    } catch (error) {
      metrics.add(MetricNames.configError, 1);
      metrics.add(MetricNames.runFailed, 1);
      metrics.flushInto();
      const message = redactor.redact(error instanceof Error ? error.message : String(error));
      logger.error(`configuration error, no collection attempted: ${message}`);
      throw isConnectorError(error) ? error : new ConnectorError('config', message);
    }
    const deadline = clock.now() + context.getRemainingTimeInMillis();
    const monitors: MonitorEvaluator = createMonitorEngine({
      config: w.monitorsConfig,
      store: w.store,
      tenant: w.settings.tenant,
      logger,
      clock,
      saveIntervalMs: MONITOR_STATE_SAVE_MS,
    });
    const composed = composeCollector({
      settings: w.settings,
      credentials: w.credentials,
      store: w.store,
      sink: w.sink,
      tokenSource: w.tokenSource,
      clock,
      logger,
      metrics,
      monitors,
      ...(w.alerts ? { alerts: w.alerts } : {}),
    });
    // OCSF for Security Lake (OcsfOutput=true): the same records again, per class, to Parquet streams.
    const deps = w.ocsf
      ? attachOcsf(
          composed,
          w.ocsf,
          incidentOcsfQuarantine({ keepOriginal: w.settings.keepOriginal, namespace: w.settings.namespace }),
        ).deps
      : composed;
    const summary = await collect(deps, {
      settings: w.settings,
      owner: context.awsRequestId,
      deadline,
      bindSignal: w.bindSignal,
    });
    metrics.flushInto();
    logger.info(`run ${summary.status}`, { summary });
    if (summary.status === 'failed') {
      // Fail the invocation so the Errors alarm and the on-failure destination see it; no retries are
      // configured, so this is no retry storm, and the checkpoint is untouched.
      throw new ConnectorError(
        (summary.error?.kind ?? 'server') as ConnectorError['kind'],
        summary.reason ?? 'run failed',
      );
    }
    return summary;
  };
}

export const run: LambdaRun = createRun();

export const handler = withTracing(
  middy(run)
    .use(injectLambdaContext(powertoolsLogger))
    .use(logMetrics(powertoolsMetrics, { captureColdStartMetric: true })),
);
