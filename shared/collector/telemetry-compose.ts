import { apiBaseUrl } from '../config/load.ts';
import type { Settings } from '../config/settings.ts';
import { ConfigError } from '../errors.ts';
import { INVALID_UTF8 } from '../io/utf8.ts';
import { type QuarantineErrorType, quarantineDocument } from '../normalize/index.ts';
import { normalizeTelemetry } from '../normalize/telemetry/index.ts';
import { composeOcsf, TELEMETRY_MAPPING, telemetryOcsfQuarantine } from '../ocsf/compose.ts';
import type { OcsfSink } from '../ocsf/sink.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { CredentialsSource, TokenSource } from '../ports/credentials.ts';
import type { Logger, Metrics } from '../ports/logger.ts';
import type { Sink } from '../ports/sink.ts';
import { applyHeapGrowth } from '../runtime/heap-growth.ts';
import { createEventStreamClient } from '../symantec/event-stream.ts';
import type { StreamCollectOptions, StreamCollectorDeps } from './stream.ts';
import { type NormalizeTelemetryFn, TelemetryDelivery, type TelemetryOrigin } from './telemetry-delivery.ts';

export interface TelemetryDeliveryOptions {
  settings: Settings;
  sink: Sink;
  metrics: Metrics;
  logger: Logger;
  /**
   * Also deliver each event as OCSF (`--ocsf`: the Parquet writer in the Security Lake layout; in AWS
   * the per-class Firehose sink): a batch counts as delivered only once both outputs acknowledged it.
   */
  ocsf?: OcsfSink;
}

/** A raw event with its origin, as the OCSF composition sees it (it passes records through as is). */
interface Sourced {
  raw: unknown;
  origin: TelemetryOrigin;
}

/** The delivery step of every telemetry source: the telemetry normalizer, quarantine with the origin. */
export function createTelemetryDelivery(options: TelemetryDeliveryOptions): TelemetryDelivery {
  applyHeapGrowth(options.settings.heapGrowingPercent);
  const normalizeOptions = {
    keepOriginal: options.settings.keepOriginal,
    namespace: options.settings.namespace,
  };
  // The options of the last origin, reused: a batch's events share one (no object per event).
  let lastWhere: string | undefined;
  let lastOptions = { ...normalizeOptions, origin: '' };
  const ecs: NormalizeTelemetryFn = (raw, origin) => {
    if (origin.where !== lastWhere) {
      lastWhere = origin.where;
      lastOptions = { ...normalizeOptions, origin: origin.where };
    }
    return normalizeTelemetry(raw, lastOptions);
  };
  let normalize = ecs;
  let sink = options.sink;
  let ocsfStats: TelemetryDelivery['ocsfStats'];
  if (options.ocsf) {
    const quarantine = telemetryOcsfQuarantine(normalizeOptions);
    const composed = composeOcsf({
      normalize: (record) => ecs((record as Sourced).raw, (record as Sourced).origin),
      sink: options.sink,
      ocsf: options.ocsf,
      quarantine: (record, reason, anchor) => quarantine((record as Sourced).raw, reason, anchor),
      mapping: {
        anchor: TELEMETRY_MAPPING.anchor,
        map: (record, uid) => TELEMETRY_MAPPING.map((record as Sourced).raw, uid),
      },
    });
    normalize = (raw, origin) => composed.normalize({ raw, origin } satisfies Sourced);
    sink = composed.sink;
    ocsfStats = composed.stats;
  }
  return new TelemetryDelivery({
    sink,
    metrics: options.metrics,
    logger: options.logger,
    normalize,
    quarantine: (raw, reason, origin) =>
      quarantineDocument(raw, reason, normalizeOptions, {
        source: 'telemetry',
        origin: origin.where,
        errorType: telemetryErrorType(raw, reason),
      }),
    ...(ocsfStats ? { ocsfStats } : {}),
  });
}

/**
 * The error type of an item a telemetry source refused. A line that does not parse is `invalid_json`
 * (its raw is the line text; a note on invalid UTF-8 in its reason does not change that). A parsed
 * event refused because its bytes were not valid UTF-8 is `rejected`, as the incidents path types it
 * (validateIncidents in shared/symantec/schemas.ts; quarantineDocument's default): it was JSON.
 */
export function telemetryErrorType(raw: unknown, reason: string): QuarantineErrorType {
  return typeof raw !== 'string' && reason.includes(INVALID_UTF8) ? 'rejected' : 'invalid_json';
}

export interface StreamComposeOptions {
  settings: Settings;
  credentials: CredentialsSource;
  store: CheckpointStore;
  delivery: TelemetryDelivery;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Share a token source with the incidents client (same tenant, one token). */
  tokenSource?: TokenSource;
  fetch?: typeof fetch;
}

/** The one composition of the stream collector's ports, shared by the CLI and the Lambda handler. */
export function composeStreamCollector(options: StreamComposeOptions): StreamCollectorDeps {
  const { settings } = options;
  const client = createEventStreamClient({
    baseUrl: apiBaseUrl(settings),
    credentials: options.credentials,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxAttempts: settings.maxAttempts,
    clock: options.clock,
    logger: options.logger,
    ...(options.tokenSource ? { tokenSource: options.tokenSource } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    client,
    store: options.store,
    delivery: options.delivery,
    clock: options.clock,
    logger: options.logger,
    metrics: options.metrics,
  };
}

/**
 * Run options from the settings: every channel unless `channel` names the one this invocation owns
 * (the stack fans out one invocation per channel).
 */
export function streamRunOptions(
  settings: Settings,
  run: { owner: string; deadline: number; channel?: number | undefined },
): StreamCollectOptions {
  const streamId = settings.eventStreamId;
  if (!streamId) {
    throw new ConfigError('No Event Stream id is set', {
      action:
        'Set SES_EVENT_STREAM_ID (--stream-id, stack parameter EventStreamId) to the GUID of an Event Stream of type API with API State on',
    });
  }
  const all = Array.from({ length: settings.eventStreamChannels }, (_, i) => i);
  if (run.channel !== undefined && !all.includes(run.channel)) {
    throw new ConfigError(
      `Channel ${run.channel} is outside 0..${settings.eventStreamChannels - 1} (SES_EVENT_STREAM_CHANNELS=${settings.eventStreamChannels})`,
      { action: 'Raise SES_EVENT_STREAM_CHANNELS to the channel count of the stream in the console' },
    );
  }
  return {
    tenant: settings.tenant,
    streamId,
    channels: run.channel === undefined ? all : [run.channel],
    owner: run.owner,
    deadline: run.deadline,
    connectionTimeout: settings.eventStreamConnectionTimeout,
    deadlineMarginMs: settings.deadlineMarginSeconds * 1000,
    maxReadMs: settings.eventStreamReadSeconds * 1000,
  };
}
