import { FIELDS_BY_DATASET, type FieldSpec, type FieldType } from '../../shared/normalize/fields.ts';

/** Name of the ingest pipeline that sets `_id` (infra/opensearch/ingest-pipeline.json). */
export const OPENSEARCH_PIPELINE = 'ses-connector-doc-id';

/** Long free-text fields: full-text searchable instead of keyword. */
const TEXT_FIELDS = new Set(['message', 'error.message']);
/** Kept for reference only (possibly large, never searched by keyword). */
const STORED_ONLY = new Set(['event.original']);

type Mapping = Record<string, unknown>;

function leafMapping(field: FieldSpec): Mapping {
  if (STORED_ONLY.has(field.path)) return { type: 'keyword', index: false, doc_values: false };
  if (TEXT_FIELDS.has(field.path)) return { type: 'text' };
  if (field.path.endsWith('.unmapped')) return { type: 'keyword', index: false, doc_values: false };
  const types: Record<FieldType, Mapping> = {
    string: { type: 'keyword', ignore_above: 1024 },
    'string[]': { type: 'keyword', ignore_above: 1024 },
    long: { type: 'long' },
    'long[]': { type: 'long' },
    double: { type: 'double' },
    boolean: { type: 'boolean' },
    timestamp: { type: 'date', format: 'strict_date_optional_time' },
  };
  return types[field.type];
}

/**
 * The OpenSearch composable index template for our documents: mappings derived from the field
 * catalogue (all datasets share one index; `data_stream.dataset` tells them apart) and
 * `index.default_pipeline` so every document gets `_id` = `symantec_edr_cloud.doc_id`.
 */
export function indexTemplate(indexPattern = 'symantec-edr-cloud*'): Record<string, unknown> {
  const properties: Mapping = {};
  const seen = new Map<string, FieldType>();
  for (const fields of Object.values(FIELDS_BY_DATASET)) {
    for (const field of fields) {
      const previous = seen.get(field.path);
      if (previous && previous !== field.type) {
        throw new Error(
          `Field "${field.path}" has types ${previous} and ${field.type} in different datasets`,
        );
      }
      if (previous) continue;
      seen.set(field.path, field.type);
      const segments = field.path.split('.');
      let node = properties;
      for (const segment of segments.slice(0, -1)) {
        if (!node[segment]) node[segment] = { properties: {} };
        node = (node[segment] as { properties: Mapping }).properties;
      }
      node[segments.at(-1)!] = leafMapping(field);
    }
  }
  return {
    index_patterns: [indexPattern],
    priority: 200,
    template: {
      settings: { 'index.default_pipeline': OPENSEARCH_PIPELINE, 'index.mapping.total_fields.limit': 2000 },
      mappings: { dynamic: false, properties },
    },
    _meta: {
      description: 'ses-connector: Symantec SES documents (generated from shared/normalize/fields.ts)',
    },
  };
}

/** The ingest pipeline: Firehose cannot set `_id`, so re-deliveries would duplicate without it. */
export function ingestPipeline(): Record<string, unknown> {
  return {
    description:
      'ses-connector: _id = symantec_edr_cloud.doc_id, so a re-delivered document overwrites itself',
    processors: [
      {
        set: {
          field: '_id',
          value: '{{{symantec_edr_cloud.doc_id}}}',
          if: 'ctx.symantec_edr_cloud?.doc_id != null',
        },
      },
    ],
  };
}
