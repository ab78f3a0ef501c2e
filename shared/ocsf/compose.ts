/**
 * Adds OCSF output to a delivery path without changing the collector core: a normalize wrapper maps
 * each raw record to OCSF beside its ECS documents (keyed to the ECS document object), and a sink
 * wrapper delivers, with each batch of ECS documents, the OCSF records of exactly those documents. The
 * core's dedup therefore applies to both outputs, and a batch counts as delivered only when both
 * destinations acknowledged it. A raw record whose OCSF record cannot be made valid gets a quarantine
 * document (dataset quarantine, reason naming the class and the schema errors) instead.
 */
import { SinkError } from '../errors.ts';
import { type NormalizeOptions, quarantineDocument } from '../normalize/index.ts';
import type { OutputDocument } from '../ports/document.ts';
import type { Sink, SinkWriteResult } from '../ports/sink.ts';
import { mapEvent, mapIncident, type OcsfOutcome, type OcsfRecord } from './index.ts';
import type { OcsfSink } from './sink.ts';

export type Normalize = (raw: unknown) => OutputDocument[];

/** Builds the quarantine document for a raw record whose OCSF copy is invalid. */
export type OcsfQuarantine = (raw: unknown, reason: string, anchor: OutputDocument) => OutputDocument;

export interface OcsfMapping {
  /** The ECS document whose id becomes metadata.uid (the one OCSF record of this raw record). */
  anchor: (docs: readonly OutputDocument[]) => OutputDocument | undefined;
  map: (raw: unknown, uid: string) => OcsfOutcome;
}

/** Incidents: the incident document anchors its Detection Finding. */
export const INCIDENT_MAPPING: OcsfMapping = {
  anchor: (docs) => docs.find((d) => d.dataset === 'incident'),
  map: mapIncident,
};

/**
 * Telemetry (Event Stream, Data Bucket, Event Search): the record's one non-quarantine document (its
 * ECS telemetry document) anchors its OCSF record. For the `stream`/`ingest` paths: `attachOcsf(deps,
 * writer, telemetryOcsfQuarantine(options), TELEMETRY_MAPPING)`.
 */
export const TELEMETRY_MAPPING: OcsfMapping = {
  anchor: (docs) => docs.find((d) => d.dataset !== 'quarantine'),
  map: mapEvent,
};

/** Quarantine of a telemetry event whose OCSF copy is invalid (source `event`, not the ECS `telemetry` one). */
export function telemetryOcsfQuarantine(normalizeOptions: NormalizeOptions): OcsfQuarantine {
  return (raw, reason) =>
    quarantineDocument(raw, reason, normalizeOptions, { source: 'event', errorType: 'invalid_field' });
}

/** Counters of one composition (for the run summary and tests). */
export interface OcsfStats {
  mapped: number;
  written: number;
  quarantined: number;
  byClass: Record<number, number>;
}

export interface OcsfComposition {
  normalize: Normalize;
  sink: Sink;
  stats: OcsfStats;
}

export interface ComposeOcsfOptions {
  normalize: Normalize;
  sink: Sink;
  ocsf: OcsfSink;
  quarantine: OcsfQuarantine;
  mapping?: OcsfMapping;
}

export function composeOcsf(options: ComposeOcsfOptions): OcsfComposition {
  const mapping = options.mapping ?? INCIDENT_MAPPING;
  const pending = new WeakMap<OutputDocument, OcsfRecord>();
  const stats: OcsfStats = { mapped: 0, written: 0, quarantined: 0, byClass: {} };

  const normalize: Normalize = (raw) => {
    const docs = options.normalize(raw);
    const anchor = mapping.anchor(docs);
    // No anchor: the ECS normalizer quarantined the record already; it has nothing to join with.
    if (!anchor) return docs;
    const outcome = mapping.map(raw, anchor.id);
    if (outcome.ok) {
      pending.set(anchor, outcome.value);
      stats.mapped++;
      return docs;
    }
    stats.quarantined++;
    return [...docs, options.quarantine(raw, `OCSF: ${outcome.reason}`, anchor)];
  };

  const inner = options.sink;
  const sink: Sink = {
    description: `${inner.description} + ${options.ocsf.description}`,
    async write(docs: OutputDocument[]): Promise<SinkWriteResult> {
      const records: OcsfRecord[] = [];
      for (const d of docs) {
        const r = pending.get(d);
        if (r) records.push(r);
      }
      const [ecs, ocsf] = await Promise.allSettled([inner.write(docs), options.ocsf.write(records)]);
      if (ecs.status === 'rejected') throw ecs.reason;
      if (ocsf.status === 'rejected') {
        const cause = ocsf.reason;
        if (cause instanceof SinkError) throw cause;
        throw new SinkError(
          `OCSF delivery failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          {
            action: 'Nothing was checkpointed; the next run re-sends (ids absorb the duplicates)',
            cause,
          },
        );
      }
      for (const d of docs) pending.delete(d);
      stats.written += ocsf.value.written;
      for (const r of records) stats.byClass[r.cls.uid] = (stats.byClass[r.cls.uid] ?? 0) + 1;
      return ecs.value;
    },
    async close(): Promise<void> {
      const results = await Promise.allSettled([inner.close(), options.ocsf.close()]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    },
  };
  return { normalize, sink, stats };
}

/**
 * The quarantine document of an incident whose OCSF copy is invalid: the ECS quarantine builder, with
 * the incident uid so it does not collide with a quarantine of the ECS document itself.
 */
export function incidentOcsfQuarantine(normalizeOptions: NormalizeOptions): OcsfQuarantine {
  return (raw, reason, anchor) => {
    const event = anchor.doc['event'] as { id?: unknown } | undefined;
    const incidentUid = typeof event?.id === 'string' ? event.id : undefined;
    return quarantineDocument(raw, reason, normalizeOptions, {
      source: 'incident',
      errorType: 'invalid_field',
      ...(incidentUid ? { incidentUid } : {}),
    });
  };
}

/**
 * Adds OCSF output to an already composed delivery path (the collector's deps, or any object with a
 * `normalize` and a `sink`): returns the same object with both wrapped, and the counters.
 */
export function attachOcsf<T extends { normalize: Normalize; sink: Sink }>(
  deps: T,
  ocsf: OcsfSink,
  quarantine: OcsfQuarantine,
  mapping: OcsfMapping = INCIDENT_MAPPING,
): { deps: T; stats: OcsfStats } {
  const c = composeOcsf({ normalize: deps.normalize, sink: deps.sink, ocsf, quarantine, mapping });
  return { deps: { ...deps, normalize: c.normalize, sink: c.sink }, stats: c.stats };
}
