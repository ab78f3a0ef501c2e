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
