import type { OcsfStats } from '../ocsf/compose.ts';
import type { OutputDocument } from '../ports/document.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator } from '../ports/monitors.ts';
import type { Sink } from '../ports/sink.ts';
import { Delivery, type PendingBatch } from './delivery.ts';

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
  /** Counters of the OCSF output when `sink` also writes OCSF (createTelemetryDelivery with `ocsf`). */
  ocsfStats?: OcsfStats;
}

export interface TelemetryCounts {
  /** Telemetry documents handed to the sink (quarantine documents excluded). */
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
}

/** Ids remembered to skip an event served twice within a run (the sink's id makes the rest idempotent). */
const DEDUP_MEMORY = 100_000;

/** A record as handed to the core Delivery: the raw event with the origin its normalizer needs. */
type Sourced = { raw: unknown; origin: TelemetryOrigin };

/**
 * Documents normalized as their events arrive, delivered together (`deliverNormalized`): a source
 * reading a large response line by line (the stream) lets each line's parsed events go at once
 * instead of holding them all to the end of the batch (less for the garbage collector to copy), and
 * with a sink that encodes as documents are added (`Sink.batch`: the local sink) their documents too.
 */
export class NormalizedBatch {
  /** Events normalized into it. */
  events = 0;
  /** @internal made by `TelemetryDelivery.batch` */
  constructor(readonly pending: PendingBatch) {}
  /** Whether the sink encodes the documents as they are added (none is kept as an object). */
  get encoded(): boolean {
    return this.pending.encoder !== undefined;
  }
}

/**
 * The telemetry sources' use of the shared delivery step (shared/collector/delivery.ts: normalize →
 * dedup by document id → sink → detections → counters), with the origin of each batch carried to the
 * normalizer and the quarantine documents. Safe for concurrent batches (stream channels): the origin
 * travels with each record, not in shared state. `deliver` resolves only once the sink acknowledged
 * every document, so a caller saves its progress (cursor, object marker) only after it returns.
 */
export class TelemetryDelivery {
  readonly totals: TelemetryCounts = { events: 0, quarantined: 0, duplicatesSkipped: 0, alerts: 0 };
  /** OCSF records written, by class, when the sink also writes OCSF. */
  readonly ocsfStats: OcsfStats | undefined;
  private readonly delivery: Delivery;

  constructor(private readonly deps: TelemetryDeliveryDeps) {
    this.ocsfStats = deps.ocsfStats;
    this.delivery = new Delivery(
      {
        sink: deps.sink,
        metrics: deps.metrics,
        logger: deps.logger,
        normalize: (record) => {
          const r = record as Sourced;
          return deps.normalize(r.raw, r.origin);
        },
        quarantine: (record, reason) => {
          const r = record as { raw: unknown; origin: TelemetryOrigin };
          return deps.quarantine(r.raw, reason, r.origin);
        },
        ...(deps.monitors ? { monitors: deps.monitors } : {}),
        ...(deps.alerts ? { alerts: deps.alerts } : {}),
      },
      DEDUP_MEMORY,
    );
  }

  /** Flush and close the sink (both outputs when OCSF is on). */
  close(): Promise<void> {
    return this.deps.sink.close();
  }

  async deliver(
    events: readonly unknown[],
    origin: TelemetryOrigin,
    invalid: readonly { raw: unknown; reason: string }[] = [],
  ): Promise<TelemetryCounts> {
    return this.deliverRecords(
      events.map((raw): Sourced => ({ raw, origin })),
      origin,
      invalid,
    );
  }

  /** An empty batch for `normalizeInto`. */
  batch(): NormalizedBatch {
    return new NormalizedBatch(this.delivery.begin());
  }

  /** Normalizes events into `batch` now (dedup too); `deliverNormalized` delivers them (sink, counters). */
  normalizeInto(batch: NormalizedBatch, events: readonly unknown[], origin: TelemetryOrigin): void {
    const { pending } = batch;
    for (const raw of events) for (const doc of this.deps.normalize(raw, origin)) pending.add(doc);
    batch.events += events.length;
  }

  /** `deliver` for events normalized beforehand (`normalizeInto`): the same dedup, sink and counts. */
  deliverNormalized(
    batch: NormalizedBatch,
    origin: TelemetryOrigin,
    invalid: readonly { raw: unknown; reason: string }[] = [],
  ): Promise<TelemetryCounts> {
    return this.deliverRecords(batch.pending, origin, invalid);
  }

  private async deliverRecords(
    records: Sourced[] | PendingBatch,
    origin: TelemetryOrigin,
    invalid: readonly { raw: unknown; reason: string }[],
  ): Promise<TelemetryCounts> {
    const rejected = invalid.map((bad) => ({
      raw: { raw: bad.raw, origin } satisfies Sourced,
      reason: bad.reason,
    }));
    const c = await (Array.isArray(records)
      ? this.delivery.deliver({ records, invalid: rejected })
      : this.delivery.finish(records, { invalid: rejected }));
    const counts: TelemetryCounts = {
      // Quarantined = the batch's quarantine documents plus those the sink replaced (too large).
      events: Math.max(0, c.documents - c.quarantined),
      quarantined: c.quarantined,
      duplicatesSkipped: c.duplicatesSkipped,
      alerts: c.alerts,
    };
    this.deps.metrics.add(MetricNames.telemetryEvents, counts.events);
    for (const k of Object.keys(counts) as (keyof TelemetryCounts)[]) this.totals[k] += counts[k];
    return counts;
  }
}
