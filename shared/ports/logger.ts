/** Structured logger port. Implementations must never print secrets (see logging/redact.ts). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'Bytes';

/** Powertools `service` (log field and metric dimension) and metrics namespace: the alarms depend on both. */
export const SERVICE_NAME = 'ses-connector';
export const METRICS_NAMESPACE = 'SesConnector';

/**
 * Metric names the connector emits. Alarms in the stack refer to these names, so they are a contract:
 * rename only together with infra/.
 */
export const MetricNames = {
  incidents: 'Incidents',
  events: 'Events',
  quarantined: 'Quarantined',
  duplicatesSkipped: 'DuplicatesSkipped',
  pages: 'Pages',
  apiRequests: 'ApiRequests',
  apiRetries: 'ApiRetries',
  lagSeconds: 'LagSeconds',
  runDuration: 'RunDurationMs',
  runSucceeded: 'RunSucceeded',
  runFailed: 'RunFailed',
  runPartial: 'RunPartial',
  configError: 'ConfigError',
  credentialError: 'CredentialError',
  historyGapSeconds: 'HistoryGapSeconds',
  leaseHeld: 'LeaseHeld',
  sinkRetries: 'SinkRetries',
  sinkFailedRecords: 'SinkFailedRecords',
  alerts: 'Alerts',
  /** A GET by id of an incident that left the open set failed (retried at the next re-read). */
  refetchFailed: 'RefetchFailed',
  /** The pager saw `next` ask for more although `total` said the query was done. */
  pagerTotalMismatch: 'PagerTotalMismatch',
  /** A window re-read from its start because a page boundary could not be verified (records moved). */
  pagerRestarts: 'PagerRestarts',
  /** A window split in halves because its `total` reached the API's result cap. */
  windowSplits: 'WindowSplits',
  /** Documents the open-incident re-read delivered again (versions already delivered are skipped). */
  reReadDocuments: 'ReReadDocuments',
  /** Telemetry (Event Stream, Data Bucket, Event Search): events delivered. */
  telemetryEvents: 'TelemetryEvents',
  /** Seconds between now and the newest `log_time` delivered from the Event Stream (0 when caught up). */
  streamLagSeconds: 'StreamLagSeconds',
  /** Event Stream cursors that expired (410) and were restarted from a fresh cursor. */
  streamCursorExpired: 'StreamCursorExpired',
  /** Data Bucket objects that could not be read and went to the dead-letter queue. */
  eventFilesPoisoned: 'EventFilesPoisoned',
} as const;
export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

export interface Metrics {
  add(name: MetricName, value: number, unit?: MetricUnit): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const noopMetrics: Metrics = { add() {} };

/** Collects metrics in memory: used by the CLI summary and by tests. */
export class MemoryMetrics implements Metrics {
  readonly values = new Map<string, number>();
  add(name: MetricName, value: number): void {
    this.values.set(name, (this.values.get(name) ?? 0) + value);
  }
  get(name: MetricName): number {
    return this.values.get(name) ?? 0;
  }
}
