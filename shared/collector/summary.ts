import {
  type ConnectorError,
  ConnectorError as ConnectorErrorClass,
  FATAL_KINDS,
  isConnectorError,
} from '../errors.ts';
import type { Checkpoint, WindowCursor } from '../ports/checkpoint-store.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { DeliveryCounts } from './delivery.ts';
import type { HistoryGap } from './window.ts';

export type RunStatus =
  /** Caught up: every window up to now − settle delivered. */
  | 'complete'
  /** Stopped early (deadline); progress saved; the next run continues. */
  | 'partial'
  /** Another invocation holds the lease; nothing done. */
  | 'skipped'
  /** Stopped by an error; the checkpoint stays at the last delivered page. */
  | 'failed';

export interface RunSummary {
  status: RunStatus;
  tenant: string;
  /** Why the run is not complete, in words. */
  reason?: string;
  windows: { start: string; end: string }[];
  pages: number;
  incidents: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
  apiRequests: number;
  apiRetries: number;
  openSweep: 'done' | 'not-due' | 'skipped' | 'disabled' | 'incomplete';
  /** Incidents whose closure (closure query) or current version (by id) the re-read fetched. */
  refetched: number;
  /** Records the re-read got again whose version had been delivered before (not sent again). */
  reReadSkipped: number;
  /** Seconds between now and the instant up to which everything is delivered. */
  lagSeconds: number | undefined;
  historyGaps: HistoryGap[];
  durationMs: number;
  checkpoint: { watermark?: string; cursor?: WindowCursor; version: number };
  error?: { kind: string; message: string; retryable: boolean };
  output: string;
}

export function newSummary(tenant: string, output: string, openSweep: RunSummary['openSweep']): RunSummary {
  return {
    status: 'complete',
    tenant,
    windows: [],
    pages: 0,
    incidents: 0,
    events: 0,
    quarantined: 0,
    duplicatesSkipped: 0,
    alerts: 0,
    apiRequests: 0,
    apiRetries: 0,
    openSweep,
    refetched: 0,
    reReadSkipped: 0,
    lagSeconds: undefined,
    historyGaps: [],
    durationMs: 0,
    checkpoint: { version: 0 },
    output,
  };
}

/** Copy delivery's counters into the summary. */
export function applyCounts(summary: RunSummary, totals: DeliveryCounts): void {
  summary.pages = totals.batches;
  summary.incidents = totals.incidents;
  summary.events = totals.events;
  summary.quarantined = totals.quarantined;
  summary.duplicatesSkipped = totals.duplicatesSkipped;
  summary.alerts = totals.alerts;
  summary.apiRequests = totals.apiRequests;
  summary.apiRetries = totals.apiRetries;
}

/**
 * Count the attempts of the API call that failed the run (a refused token request, say): they were
 * never part of a delivered batch's counters, so the summary said "api requests 0".
 */
export function countFailedCall(totals: DeliveryCounts, error: unknown, metrics: Metrics): void {
  const attempts = (error as { attempts?: unknown } | undefined)?.attempts;
  if (typeof attempts !== 'number' || attempts < 1) return;
  totals.apiRequests += attempts;
  totals.apiRetries += attempts - 1;
  metrics.add(MetricNames.apiRequests, attempts);
  if (attempts > 1) metrics.add(MetricNames.apiRetries, attempts - 1);
}

/** Mark the run failed with the error's kind, its reason and the metrics alarms read. */
export function recordFailure(summary: RunSummary, error: unknown, logger: Logger, metrics: Metrics): void {
  const connectorError: ConnectorError = isConnectorError(error)
    ? error
    : new ConnectorErrorClass('server', `unexpected error: ${errorText(error)}`, { cause: error });
  summary.status = 'failed';
  summary.error = {
    kind: connectorError.kind,
    message: connectorError.message,
    retryable: connectorError.retryable,
  };
  summary.reason = `${connectorError.kind} error: ${connectorError.message} (checkpoint unchanged since the last delivered page)`;
  if (connectorError.kind === 'config') metrics.add(MetricNames.configError, 1);
  // The sink names how many records the destination still refused after its retries.
  const failedCount = connectorError.details?.['failedCount'];
  if (connectorError.kind === 'sink')
    metrics.add(MetricNames.sinkFailedRecords, typeof failedCount === 'number' ? failedCount : 1);
  if (FATAL_KINDS.has(connectorError.kind) && connectorError.kind !== 'config')
    metrics.add(MetricNames.credentialError, 1);
  logger.error(summary.reason, { kind: connectorError.kind });
}

/** Fill the checkpoint, lag and duration fields and emit the run's closing metrics. */
export function finishSummary(
  summary: RunSummary,
  checkpoint: Checkpoint | undefined,
  version: number,
  now: number,
  started: number,
  metrics: Metrics,
): RunSummary {
  summary.checkpoint = { version };
  if (checkpoint?.watermark) summary.checkpoint.watermark = checkpoint.watermark;
  if (checkpoint?.cursor) summary.checkpoint.cursor = checkpoint.cursor;
  // Nothing delivered yet: measure from the first run, so "no watermark after N runs" shows as lag.
  const deliveredUpTo = checkpoint?.cursor
    ? Date.parse(checkpoint.cursor.start)
    : checkpoint?.watermark
      ? Date.parse(checkpoint.watermark)
      : checkpoint?.firstRunAt
        ? Date.parse(checkpoint.firstRunAt)
        : undefined;
  summary.lagSeconds =
    deliveredUpTo === undefined ? undefined : Math.max(0, Math.round((now - deliveredUpTo) / 1000));
  summary.durationMs = now - started;
  if (summary.lagSeconds !== undefined) metrics.add(MetricNames.lagSeconds, summary.lagSeconds, 'Seconds');
  metrics.add(MetricNames.runDuration, summary.durationMs, 'Milliseconds');
  // A partial run (deadline while draining a backlog) made progress: it feeds the dead-man's switch;
  // falling behind is the lag alarm's job.
  if (summary.status === 'complete' || summary.status === 'partial') metrics.add(MetricNames.runSucceeded, 1);
  if (summary.status === 'partial') metrics.add(MetricNames.runPartial, 1);
  if (summary.status === 'failed') metrics.add(MetricNames.runFailed, 1);
  return summary;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
