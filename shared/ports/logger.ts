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
