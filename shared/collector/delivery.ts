import type { OutputDocument, SeenDocuments } from '../ports/document.ts';
import { type Logger, MetricNames, type Metrics } from '../ports/logger.ts';
import type { AlertSink, MonitorEvaluator, MonitorInput } from '../ports/monitors.ts';
import type { Sink, SinkBatch } from '../ports/sink.ts';

/**
 * Turns one raw record into documents; never throws (the normalizer's contract). It may leave out a
 * document `seen` has (reporting it to `seen.skipped`), since delivery would drop it.
 */
export type NormalizeFn = (raw: unknown, seen?: SeenDocuments) => OutputDocument[];
/** Builds a quarantine document for an item the source rejected at its edge. */
export type QuarantineFn = (raw: unknown, reason: string) => OutputDocument;

/** What delivery needs; every source wires the same sink, monitors and alerts. */
export interface DeliveryDeps {
  normalize: NormalizeFn;
  quarantine: QuarantineFn;
  sink: Sink;
  metrics: Metrics;
  logger?: Logger;
  monitors?: MonitorEvaluator;
  alerts?: AlertSink;
}

/** One unit of delivery (an API page, a stream batch, an S3 object's lines). */
export interface DeliveryBatch {
  /** Raw records, each normalized by `normalize`. */
  records: readonly unknown[];
  /** Items the source rejected at its edge, each quarantined with its reason. */
  invalid?: readonly { raw: unknown; reason: string }[];
  /** HTTP requests and retries the source spent on this batch (for the counters). */
  requests?: number;
  retries?: number;
}

/** Counters of delivered work; `Delivery.totals` sums them over its lifetime. */
export interface DeliveryCounts {
  batches: number;
  /** Documents handed to the sink (data documents, not alerts). */
  documents: number;
  incidents: number;
  events: number;
  quarantined: number;
  duplicatesSkipped: number;
  alerts: number;
  apiRequests: number;
  apiRetries: number;
}

export function emptyCounts(): DeliveryCounts {
  return {
    batches: 0,
    documents: 0,
    incidents: 0,
    events: 0,
    quarantined: 0,
    duplicatesSkipped: 0,
    alerts: 0,
    apiRequests: 0,
    apiRetries: 0,
  };
}

/** Recently delivered document ids kept to skip a record served twice (bounded memory). */
export const DEDUP_MEMORY = 20_000;

/**
 * Delivery: normalize → dedup → sink → detections → counters, for any source. It knows nothing about
 * windows, cursors or checkpoints: `deliver` resolves once the sink acknowledged every document of the
 * batch (and the alerts they raised were written and published), and throws otherwise; the caller then
 * moves its own progress marker (window offset, stream cursor, S3 object key), never before.
 */
export class Delivery {
  readonly totals: DeliveryCounts = emptyCounts();
  private readonly recent = new Set<string>();
  /**
   * The ids of `recent` in the order they were added, as a ring: the slot to overwrite next holds the
   * oldest. (Taking the oldest from the Set's own iterator scanned the deleted entries it had not yet
   * compacted, from the start, on every eviction: about 8 µs per document once the window was full.)
   */
  private readonly order: string[] = [];
  private next = 0;

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly dedupMemory = DEDUP_MEMORY,
  ) {}

  /** Whether a document id was delivered recently by this instance. */
  has(id: string): boolean {
    return this.recent.has(id);
  }

  async deliver(batch: DeliveryBatch): Promise<DeliveryCounts> {
    const pending = this.begin();
    for (const raw of batch.records) for (const doc of this.deps.normalize(raw, pending)) pending.add(doc);
    return this.finish(pending, batch);
  }

  /**
   * A batch whose documents are added as they are made (`deliver` = begin → add → finish): dedup and
   * counts at once, and encoded into the sink's output at once when the sink can (`Sink.batch`) and
   * the monitors, if any, can take what they read of each document at once too (`input()`); otherwise
   * the documents are kept for `Sink.write` and the monitors. A document delivered by a concurrent
   * batch between `add` and `finish` is written twice (idempotent by its id), as in concurrent
   * `deliver`s.
   */
  begin(): PendingBatch {
    const { sink, monitors } = this.deps;
    if (!sink.batch || (monitors && !monitors.input)) return new PendingBatch(this.recent, undefined);
    return new PendingBatch(this.recent, sink.batch(), monitors?.input?.());
  }

  /** Adds the batch's rejected items (quarantined), writes it, then detections and counters. */
  async finish(pending: PendingBatch, batch: Omit<DeliveryBatch, 'records'> = {}): Promise<DeliveryCounts> {
    const { quarantine, sink, metrics, monitors, alerts } = this.deps;
    for (const bad of batch.invalid ?? []) pending.add(quarantine(bad.raw, bad.reason));
    const { c, docs, ids } = pending;
    c.batches = 1;
    c.apiRequests = batch.requests ?? 0;
    c.apiRetries = batch.retries ?? 0;
    c.documents = ids.size;
    if (ids.size > 0) {
      const result = await (pending.encoder ? pending.encoder.commit() : sink.write(docs));
      c.quarantined += result.quarantined;
      if (result.retries) metrics.add(MetricNames.sinkRetries, result.retries);
    }
    // Remembered only once the sink has them: a failed write must not make the retry look like a dupe.
    for (const id of ids) this.remember(id);
    if (monitors && ids.size > 0) {
      const { alerts: fired, commit } = await monitors.evaluate(pending.rules ?? docs);
      if (fired.length > 0) {
        await sink.write(fired.map((a) => a.doc));
        await alerts?.publish(fired);
        c.alerts = fired.length;
        metrics.add(MetricNames.alerts, fired.length);
      }
      // Only now are the alerts fired: if the write or the publish threw, the state does not know them
      // and the re-delivered batch raises them again.
      await commit();
    }
    this.count(c);
    return c;
  }

  private count(c: DeliveryCounts): void {
    const { metrics } = this.deps;
    for (const key of Object.keys(c) as (keyof DeliveryCounts)[]) this.totals[key] += c[key];
    metrics.add(MetricNames.pages, c.batches);
    metrics.add(MetricNames.incidents, c.incidents);
    metrics.add(MetricNames.events, c.events);
    metrics.add(MetricNames.quarantined, c.quarantined);
    metrics.add(MetricNames.duplicatesSkipped, c.duplicatesSkipped);
    metrics.add(MetricNames.apiRequests, c.apiRequests);
    metrics.add(MetricNames.apiRetries, c.apiRetries);
  }

  private remember(id: string): void {
    if (this.recent.has(id)) return;
    if (this.order.length < this.dedupMemory) this.order.push(id);
    else {
      // Full: forget the oldest id, whose slot the new one takes.
      this.recent.delete(this.order[this.next] as string);
      this.order[this.next] = id;
      this.next = (this.next + 1) % this.dedupMemory;
    }
    this.recent.add(id);
  }
}

/**
 * Documents of a batch being delivered (`Delivery.begin`): deduplicated and counted as they are added.
 * As `SeenDocuments` it tells the normalizer which documents it need not build.
 */
export class PendingBatch implements SeenDocuments {
  readonly c: DeliveryCounts = emptyCounts();
  /** Ids of the batch's documents, in order. */
  readonly ids = new Set<string>();
  /** The documents, unless `encoder` took them (and `rules` what the monitors read of them). */
  readonly docs: OutputDocument[] = [];

  constructor(
    private readonly recent: ReadonlySet<string>,
    readonly encoder: SinkBatch | undefined,
    /** What the monitors read of the documents, when `encoder` takes them. */
    readonly rules?: MonitorInput,
  ) {}

  /** Delivered recently, or added to this batch already: `add` would skip it. */
  has(id: string): boolean {
    return this.recent.has(id) || this.ids.has(id);
  }

  /** A document the normalizer did not build because `has` said so: counted as `add` counts a duplicate. */
  skipped(_id: string): void {
    this.c.duplicatesSkipped++;
  }

  add(doc: OutputDocument): void {
    const { c, ids } = this;
    if (this.has(doc.id)) {
      c.duplicatesSkipped++;
      return;
    }
    ids.add(doc.id);
    if (this.encoder) {
      this.encoder.add(doc);
      this.rules?.add(doc);
    } else this.docs.push(doc);
    if (doc.dataset === 'incident') c.incidents++;
    else if (doc.dataset === 'event') c.events++;
    else if (doc.dataset === 'quarantine') c.quarantined++;
  }
}
