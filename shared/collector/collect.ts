/**
 * The collector core's entry point and its contract with the shells (CLI, Lambda). The concepts live
 * one per file: run.ts (lease → windows → checkpoint), page-stream.ts (prefetch, deadline),
 * delivery.ts (normalize → dedup → sink → detections → counters), open-reread.ts (the re-read of open
 * incidents), summary.ts (the run summary and its metrics), window.ts (window planning).
 */
import type { Settings } from '../config/settings.ts';
import type { CheckpointStore } from '../ports/checkpoint-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { IncidentSource } from '../ports/incident-source.ts';
import type { Logger, Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../ports/monitors.ts';
import type { Sink } from '../ports/sink.ts';
import type { NormalizeFn, QuarantineFn } from './delivery.ts';
import { CollectorRun } from './run.ts';
import type { RunSummary } from './summary.ts';

export type { NormalizeFn, QuarantineFn } from './delivery.ts';
export { OPEN_INCIDENTS_QUERY } from './open-reread.ts';
export type { RunStatus, RunSummary } from './summary.ts';

/** The ports the core depends on. The CLI and the Lambda handler wire adapters into this. */
export interface CollectorDeps {
  source: IncidentSource;
  store: CheckpointStore;
  sink: Sink;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  normalize: NormalizeFn;
  quarantine: QuarantineFn;
  monitors?: MonitorEvaluator;
  alerts?: AlertSink;
}

export type CollectMode =
  | { kind: 'incremental' }
  /** Collect an explicit past window under its own checkpoint key; the main watermark is untouched. */
  | { kind: 'backfill'; since: Date; until: Date };

export interface CollectOptions {
  settings: Settings;
  /** Lease owner id (Lambda request id, or host+pid for the CLI). */
  owner: string;
  /** Epoch ms when the run must have stopped (Lambda: now + remaining time). */
  deadline: number;
  mode?: CollectMode;
  /** Called after every delivered page, for progress bars. */
  onProgress?: (progress: Progress) => void;
  /**
   * Called once at the start with the signal that bounds sink and store calls (aborted at deadline −
   * margin/4, after the API's hard stop, so the run can still record where it stopped): adapters
   * that outlive the run (the Lambda's Firehose sink and DynamoDB store) bound their calls by it.
   */
  bindSignal?: (signal: AbortSignal) => void;
}

export interface Progress {
  window: { start: string; end: string };
  /** Items delivered so far in this window (API offset reached). */
  offset: number;
  /** API total for the window. */
  total: number;
  incidents: number;
  events: number;
}

/** How often the monitors persist their state during a run (they also do at its end). */
export const MONITOR_STATE_SAVE_MS = 30_000;

/** One collection run; see run.ts. */
export async function collect(deps: CollectorDeps, options: CollectOptions): Promise<RunSummary> {
  return new CollectorRun(deps, options).run();
}
