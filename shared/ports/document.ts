/** Short dataset names: the first path segment of the output layout (`<dataset>/year=.../`). */
/** `telemetry`: endpoint events from the Event Stream, the Data Bucket export and Event Search. */
export type DatasetName = 'incident' | 'event' | 'quarantine' | 'alert' | 'telemetry';

export const DATASET_PREFIX = 'symantec_edr_cloud.';

/** An ECS-like JSON document, as written to the sink (one NDJSON line). */
export type EcsDocument = Record<string, unknown>;

/**
 * A document ready for a sink. `id` is the stable document id (`symantec_edr_cloud.doc_id`),
 * `timestamp` its `@timestamp` (ISO 8601 UTC), used for partitioning.
 */
export interface OutputDocument {
  id: string;
  dataset: DatasetName;
  timestamp: string;
  doc: EcsDocument;
}

/**
 * Documents the caller already delivered (delivery's de-duplication window and the batch so far). A
 * normalizer may skip building a document it finds here, and reports each one it skips, since the
 * caller would drop it anyway: same output, less work.
 */
export interface SeenDocuments {
  has(id: string): boolean;
  /** One document was not built because `has(id)` was true. */
  skipped(id: string): void;
}
