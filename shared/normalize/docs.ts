/**
 * Renders docs/mapping.md from the field catalogue, so the document cannot drift from what the
 * normalizer emits (a test compares the committed file with this output).
 * Regenerate: `npx tsx shared/normalize/docs.ts > docs/mapping.md`.
 */
import { EVENT_FIELDS, type FieldSpec, INCIDENT_FIELDS, QUARANTINE_FIELDS } from './fields.ts';
import { TELEMETRY_FIELDS } from './telemetry/fields.ts';

function table(fields: readonly FieldSpec[]): string {
  const rows = fields.map(
    (f) => `| \`${f.path}\` | ${f.type} | ${f.origin} | ${f.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| field | type | origin | source / rule |', '|---|---|---|---|', ...rows].join('\n');
}

export function renderMappingDoc(): string {
  return `# Field mapping: Symantec API records → ECS 8.11 documents

<!-- Generated from shared/normalize/fields.ts by shared/normalize/docs.ts; do not edit by hand. -->

The normalizer (\`shared/normalize/\`) turns one API incident into an **incident** document, one
**event** document per item of its \`events\`, and **quarantine** documents for whatever cannot be
normalized. The binding spec is the team reference \`mapping.md\`; this page lists every field we
emit, with its type (the Glue/Athena and DuckDB schemas derive from the same catalogue).

Types: \`string\` (keyword), \`long\`, \`double\`, \`boolean\`, \`timestamp\` (ISO 8601 UTC with
milliseconds, e.g. \`2023-04-26T21:46:10.400Z\`), \`string[]\`. Origin: \`ecs\` (ECS field filled by
the mapping), \`vendor\` (API field copied under \`symantec_edr_cloud.<dataset>.*\` at the same path,
converted to the type), \`derived\` (ours: labels, links, ids).

## Rules that apply everywhere

- Empty strings, nulls, empty arrays and empty objects are removed, as Elastic does.
- Enumeration ids outside their table are labelled \`Unknown (N)\` (N = the id received); the id is
  kept beside the label and the document is still produced.
- Dates: epoch milliseconds (number or digit text) and ISO 8601 (with or without milliseconds,
  \`Z\`, \`+00:00\` or \`+0000\`; without offset read as UTC) become ISO UTC with milliseconds. An
  unparsable date is dropped and named in \`error.message\`.
- A vendor value of the wrong type (e.g. an object where a string is expected) is dropped from its
  field, named in \`error.message\` and kept in \`unmapped\`. Vendor fields not in the catalogue are
  kept verbatim as a JSON object text in \`symantec_edr_cloud.<dataset>.unmapped\` (nothing is
  dropped silently). A document with \`error.message\` gets \`event.kind\` = \`pipeline_error\`, as
  Elastic flags it, and is still written to its dataset.
- \`event.original\` (the raw record) only with \`keepOriginal\` (\`--keep-original\`); a record passed
  as JSON text keeps that text byte for byte, a parsed record is written with \`JSON.stringify\`.

## Identity (\`symantec_edr_cloud.doc_id\`, the sink's document id)

All ids are SHA-256 hex. None depends on \`event.ingested\`, the namespace or key order.

| dataset | fingerprinted text |
|---|---|
| incident | \`<incident_uid>\\n<time as ISO UTC>\\n<modified as ISO UTC, or empty>\` — one id per incident version; epoch and text forms of the same instant agree |
| event | \`<incident_uid>\\n<uuid>\` (an event can belong to several incidents); without \`uuid\`: \`<incident_uid>\\n#<canonical JSON of the event>\` (object keys sorted at every level) |
| quarantine | \`quarantine\\n<source>\\n<incident_uid or empty>\\n<event index or empty>\\n<raw>\`, raw = the text received, or the canonical JSON of the value |

## Quarantine

An input that cannot be normalized becomes one quarantine document (never an exception, never a
silent drop): not JSON (\`invalid_json\`), not an object (\`not_an_object\`), \`incident_uid\` or \`time\`
missing (\`missing_field\`) or unusable (\`invalid_field\`); items the API client rejected
(\`rejected\`). A bad event inside a good incident quarantines only that event (not an object, or no
usable \`time\`/\`device_time\`/\`log_time\`); \`events\` that is not an array is quarantined as a whole.
\`event.original\` is always kept.

## Deliberate deviations from Elastic's incident document

No \`http.version\` (the record's schema \`version\` stays in \`symantec_edr_cloud.incident.version\`);
\`tags\` are ours; \`symantec_edr_cloud.incident.event\` is derived from \`type_id\` and \`id\` (falling
back to \`event_id\` in both its 7- and 8-digit forms); severity labels 1, 2, 6 are Reserved and the
outcome table is complete; \`event.ingested\`, \`event.dataset\`, \`data_stream.*\`, \`related.*\`,
\`symantec_edr_cloud.doc_id\`, \`event_count\` and \`unmapped\` are additions. Everything else equals
Elastic's output (test/unit/normalize/conformance.test.ts).

## Incident documents (\`symantec_edr_cloud.incident\`)

${table(INCIDENT_FIELDS)}

## Event documents (\`symantec_edr_cloud.event\`)

\`event.kind\` is \`alert\` for detections (type_id 8020-8040) and \`event\` otherwise;
\`event.category\` by the object of the type: file (8003, 8031), process (8001, 8027), registry
(8005, 8006, 8032, 8033), network (8007, 8040), session (8000, 8026), else host, plus \`malware\` for
detections. Arrays of objects (\`attacks[]\`, \`edr_enriched_data[]\`) are stored as one array per
leaf (\`symantec_edr_cloud.event.attacks.technique_uid\`).

${table(EVENT_FIELDS)}

## Quarantine documents (\`symantec_edr_cloud.quarantine\`)

${table(QUARANTINE_FIELDS)}

## Telemetry documents (\`symantec_endpoint_security.event\`, dataset \`telemetry\`)

Endpoint telemetry from the Event Stream API, the Data Bucket export and Event Search goes through
\`normalizeTelemetry\` / \`normalizeTelemetryLine\` (\`shared/normalize/telemetry/\`): one document per
event, written under \`telemetry/year=…/month=…/day=…/\` (partitioned by \`@timestamp\`). It follows
Elastic's \`symantec_endpoint_security\` **event** pipeline, so Elastic content reads it: dataset
\`symantec_endpoint_security.event\`, ECS 8.11 fields, and the whole raw event in the vendor
namespace \`ses.*\` (every field kept; catalogued ones converted to Elastic's types: ids and enums
to keyword strings, counters to longs, dates to ISO UTC, IPs validated; \`*_value\` labels and
\`category_name\` added; nulls, \`""\`, empty objects and arrays removed). Conformance:
test/unit/normalize/telemetry/conformance.test.ts runs Elastic's own ses-event pipeline fixtures
with the options they were made with (\`keepOriginal\`, \`preserveDuplicateCustomFields\`).

- Categories (one file each): System Activity (5: 8000 session, 8001 process with
  \`event.type\` info/start/end, 8002 process, 8003 file, 8005/8006 registry, 8007 network
  connection, 8009 driver, 8011 email, 8015 Windows event log → \`winlog.*\`, 8016 configuration),
  Security (1: 8026 session, 8027 process detection, 8030 driver, 8031 file / sandbox detection,
  8032/8033 registry, 8040 network, 8075-8078 incident records and associations with their
  \`incident_uid\`/\`ref_uid\` kept in \`ses.*\`), and the others (2, 3, 4, 6). An unknown type_id
  or category gets the common mapping (and every present object for unknown categories): never
  dropped.
- \`@timestamp\` = \`time\` (ISO with or without millis, or epoch ms as on \`incident_db\` records);
  without \`time\`, \`log_time\`, \`device_time\`, then the ingest time. \`ses.log_time\` is kept.
- Duplicates: by default (Elastic's default) a \`ses.*\` field copied into an ECS field of the same
  document is removed; \`preserveDuplicateCustomFields\` keeps it. A vendor field whose ECS copy
  was overwritten by a later object (e.g. \`actor.cmd_line\` under \`process.cmd_line\`) is kept.
- Id: SHA-256 hex of \`telemetry\\n<uuid>\` (the same event from the stream, the bucket and search
  is one document); without \`uuid\`, of \`telemetry\\n#<canonical JSON>\`.
- Quarantine (source \`telemetry\`, with \`symantec_edr_cloud.quarantine.origin\` = the file key and
  line, or the stream cursor, passed as \`origin\`): a line that is not JSON, a value that is not an
  object, a \`time\` that is not a date. An unconvertible value (e.g. an invalid IP) does not
  quarantine: the document is kept with \`error.message\` and \`event.kind: pipeline_error\`.
- Deliberate additions to Elastic (none replaces an Elastic value): \`process.name\`,
  \`process.executable\`, \`process.hash.sha256\` (the target process, else the actor),
  \`process.parent.*\` (the actor when there is a target process), \`network.transport\` and
  \`network.iana_number\` from \`protocol_id\`, \`event.dataset\`, \`event.ingested\`,
  \`data_stream.*\`, \`symantec_edr_cloud.doc_id\`. One deviation: for types whose target is a
  file or process object (8001, 8003, 8027, 8031, ...), the actor's file is not copied to \`file.*\`
  (Elastic copies it, then overwrites it from the target; with the target missing that would name
  the actor's binary as the file).

Columns (Glue table \`telemetry\`, DuckDB, OpenSearch mappings); documents hold more \`ses.*\` fields
than these (Elastic's list has ~2 000 leaves), kept in the files and in \`_source\`:

${table(TELEMETRY_FIELDS)}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(renderMappingDoc());
