import type { OutputDocument } from '../ports/document.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../ports/monitors.ts';
import type { Sink } from '../ports/sink.ts';

/** Where a batch of telemetry came from: kept on quarantine documents and in log lines. */
export interface TelemetryOrigin {
  source: 'stream' | 'bucket' | 'search';
  /** e.g. `stream 3f1c… channel 0 from cursor abc…`, `s3://bucket/key`, `event-search 2026-… → …`. */
  where: string;
}

/** One raw telemetry event (an ICD event object) → documents; never throws (the normalizer's contract). */
export type NormalizeTelemetryFn = (raw: unknown, origin: TelemetryOrigin) => OutputDocument[];
/** A quarantine document for input that is not an event at all (a broken NDJSON line). */
export type QuarantineTelemetryFn = (raw: unknown, reason: string, origin: TelemetryOrigin) => OutputDocument;

export interface TelemetryDeliveryDeps {
  sink: Sink;
  normalize: NormalizeTelemetryFn;
  quarantine: QuarantineTelemetryFn;
  metrics: Metrics;
  logger: Logger;
  monitors?: MonitorEvaluator;
  alerts?: AlertSink;
}

export interface DeliveryCounts {
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
  /** Documents the sink acknowledged. */
  written: number;
}

/** Ids remembered to skip an event served twice within a run (the sink's id makes the rest idempotent). */
const DEDUP_MEMORY = 100_000;

/**
 * The telemetry sources' delivery step: normalize → dedup by document id → sink → detection rules →
 * counters. `deliver` resolves only once the sink acknowledged every document, so a caller saves its
 * progress (stream cursor, processed object) only after it returns.
 */
export class TelemetryDelivery {
  readonly totals: DeliveryCounts = {
    events: 0,
    quarantined: 0,
    duplicatesSkipped: 0,
    alerts: 0,
    written: 0,
  };
  private readonly recent = new Set<string>();

  constructor(private readonly deps: TelemetryDeliveryDeps) {}

  async deliver(
    events: readonly unknown[],
    origin: TelemetryOrigin,
    invalid: readonly { raw: unknown; reason: string }[] = [],
  ): Promise<DeliveryCounts> {
    const { normalize, quarantine, sink, metrics, monitors, alerts } = this.deps;
    const counts: DeliveryCounts = { events: 0, quarantined: 0, duplicatesSkipped: 0, alerts: 0, written: 0 };
    const docs: OutputDocument[] = [];
    const keep = (doc: OutputDocument) => {
      if (this.recent.has(doc.id)) {
        counts.duplicatesSkipped++;
        return;
      }
      this.remember(doc.id);
      docs.push(doc);
      if (doc.dataset === 'quarantine') counts.quarantined++;
      else counts.events++;
    };
    for (const raw of events) for (const doc of normalize(raw, origin)) keep(doc);
    for (const bad of invalid) keep(quarantine(bad.raw, bad.reason, origin));
    if (docs.length > 0) {
      const result = await sink.write(docs);
      counts.written = result.written;
      counts.quarantined += result.quarantined;
      if (result.retries) metrics.add(MetricNames.sinkRetries, result.retries);
      if (monitors) {
        const fired = await monitors.evaluate(docs);
        if (fired.length > 0) {
          await sink.write(fired.map((a) => a.doc));
          await alerts?.publish(fired);
          counts.alerts = fired.length;
          metrics.add(MetricNames.alerts, fired.length);
        }
      }
    }
    metrics.add(MetricNames.telemetryEvents, counts.events);
    metrics.add(MetricNames.quarantined, counts.quarantined);
    metrics.add(MetricNames.duplicatesSkipped, counts.duplicatesSkipped);
    for (const k of Object.keys(counts) as (keyof DeliveryCounts)[]) this.totals[k] += counts[k];
    return counts;
  }

  private remember(id: string): void {
    if (this.recent.size >= DEDUP_MEMORY) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.add(id);
  }
}
