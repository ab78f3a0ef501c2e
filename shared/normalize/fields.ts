/**
 * Catalogue of every field path the normalizer can emit, per dataset, with its type. It is the
 * contract for the Glue/Athena tables, the DuckDB schema and docs/mapping.md, and it drives the
 * normalizer itself: vendor fields are copied only when their path is catalogued here (anything
 * else lands, as JSON, in `symantec_edr_cloud.<dataset>.unmapped`), so a path outside this list
 * cannot be emitted. A test walks the output of many generated and real inputs against it.
 *
 * Paths are dotted leaf paths of the nested JSON document (`event.category`, not `event`).
 * Arrays are leaves (`string[]`); a document never holds an array of objects.
 */

import { TELEMETRY_FIELDS } from './telemetry/fields.ts';

/** Field value types. `timestamp` is an ISO 8601 UTC string with milliseconds (`…T21:46:10.400Z`). */
export type FieldType = 'string' | 'long' | 'double' | 'boolean' | 'timestamp' | 'string[]' | 'long[]';

/**
 * Where a value comes from:
 * - `ecs`: an ECS field filled by the mapping (mapping.md);
 * - `vendor`: a field of the API record copied to `symantec_edr_cloud.<dataset>.<same path>`
 *   (converted to `type`);
 * - `derived`: ours, computed (labels, links, ids, bookkeeping).
 */
export type FieldOrigin = 'ecs' | 'vendor' | 'derived';

export interface FieldSpec {
  path: string;
  type: FieldType;
  origin: FieldOrigin;
  description: string;
}

export const INCIDENT_PREFIX = 'symantec_edr_cloud.incident.';
export const EVENT_PREFIX = 'symantec_edr_cloud.event.';
export const QUARANTINE_PREFIX = 'symantec_edr_cloud.quarantine.';

const f = (path: string, type: FieldType, origin: FieldOrigin, description: string): FieldSpec => ({
  path,
  type,
  origin,
  description,
});

/** Fields every document carries (quarantine documents: all but `event.original` is always set). */
const COMMON_FIELDS: FieldSpec[] = [
  f('@timestamp', 'timestamp', 'ecs', 'When the record happened (quarantine: when it was quarantined).'),
  f('ecs.version', 'string', 'ecs', 'ECS version of the document: 8.11.0.'),
  f('data_stream.type', 'string', 'derived', 'Always `logs`.'),
  f('data_stream.dataset', 'string', 'derived', '`symantec_edr_cloud.<incident|event|quarantine>`.'),
  f('data_stream.namespace', 'string', 'derived', 'Configurable namespace, default `default`.'),
  f('event.dataset', 'string', 'ecs', 'Same as `data_stream.dataset`.'),
  f('event.kind', 'string', 'ecs', '`alert`, `event` or `pipeline_error`.'),
  f('event.ingested', 'timestamp', 'ecs', 'When the connector produced the document.'),
  f('event.original', 'string', 'ecs', 'The raw record as received (incident/event: only when enabled).'),
  f('tags', 'string[]', 'ecs', 'Ours: `symantec_edr_cloud-<dataset>`.'),
  f(
    'symantec_edr_cloud.doc_id',
    'string',
    'derived',
    'Stable document id (SHA-256 hex), see docs/mapping.md.',
  ),
  f('error.message', 'string', 'ecs', 'Why (part of) the record could not be normalized, naming the field.'),
];

/** Vendor fields of an incident record, copied under `symantec_edr_cloud.incident.*`. */
const INCIDENT_VENDOR: Array<[string, FieldType, string]> = [
  ['category_id', 'string', 'Event type category id (1 Security).'],
  ['conclusion', 'string', 'Conclusion, e.g. Suspicious Activity.'],
  ['created', 'timestamp', 'Creation time of the incident.'],
  ['customer_uid', 'string', 'Customer id.'],
  ['detection_type', 'string', 'Detection type, e.g. Advanced Analytics, Sandbox.'],
  ['device_time', 'timestamp', 'Time the record occurred at the device.'],
  ['domain_uid', 'string', 'Domain id.'],
  ['event_id', 'string', 'Event id (7-digit 8075004 or 8-digit 80750004 form).'],
  ['id', 'string', 'Outcome id of the record.'],
  ['incident_uid', 'string', 'Unique identifier (UUID) of the incident.'],
  ['incident_url', 'string', 'Console link to the incident.'],
  ['log_time', 'timestamp', 'Log time.'],
  ['message', 'string', 'Incident message.'],
  ['modified', 'timestamp', 'Last modification time of the incident.'],
  ['priority_id', 'string', 'Priority id (0-4).'],
  ['product_name', 'string', 'Product that originated the incident.'],
  ['product_uid', 'string', 'Id of the product that originated the incident.'],
  ['ref_incident_uid', 'string', 'Human-facing incident number.'],
  ['remediation', 'string', 'Recommended action.'],
  ['resolution_id', 'string', 'Resolution id (1-6).'],
  ['rule_name', 'string', 'Rule that triggered the incident.'],
  ['severity_id', 'long', 'Severity id (3 Minor, 4 Major, 5 Critical).'],
  ['state_id', 'string', 'State id (0-5).'],
  ['suspected_breach', 'boolean', 'Suspected breach ("Yes"/"No" in the API).'],
  ['time', 'timestamp', 'Time of this lifecycle record.'],
  ['type', 'string', 'Record type, e.g. INCIDENT_CREATION.'],
  ['type_id', 'string', 'Record type id (8075 creation, 8076 update, 8077 closure, 8078 associate).'],
  ['version', 'string', 'Record schema version (major.minor).'],
];

const INCIDENT_DERIVED: Array<[string, FieldType, string]> = [
  ['category', 'string', 'Label of category_id (Security).'],
  ['event', 'string', '"<type name>: <outcome>" from type_id and id, e.g. Incident Creation: Logged.'],
  ['outcome', 'string', 'Label of id (outcome table).'],
  ['priority', 'string', 'Label of priority_id.'],
  ['resolution', 'string', 'Label of resolution_id.'],
  ['severity', 'string', 'Label of severity_id.'],
  ['state', 'string', 'Label of state_id.'],
  ['event_count', 'long', 'Number of items in the record `events` array (when present).'],
  ['unmapped', 'string', 'JSON object of record fields not in this catalogue or of an unexpected type.'],
];

export const INCIDENT_FIELDS: FieldSpec[] = [
  ...COMMON_FIELDS,
  f(
    'event.category',
    'string[]',
    'ecs',
    'From `conclusion` (malware, threat, intrusion_detection, network).',
  ),
  f('event.type', 'string[]', 'ecs', 'From `conclusion` (info, indicator).'),
  f('event.created', 'timestamp', 'ecs', '`created`.'),
  f('event.id', 'string', 'ecs', '`incident_uid`.'),
  f('event.reason', 'string', 'ecs', '`conclusion`.'),
  f('event.url', 'string', 'ecs', '`incident_url`.'),
  f('event.provider', 'string', 'ecs', '`product_name`.'),
  f('event.severity', 'long', 'ecs', '`severity_id`.'),
  f('message', 'string', 'ecs', '`message`.'),
  f('rule.name', 'string', 'ecs', '`rule_name`.'),
  f('url.original', 'string', 'ecs', '`incident_url`.'),
  f('url.scheme', 'string', 'ecs', 'Scheme of `incident_url`.'),
  f('url.domain', 'string', 'ecs', 'Host of `incident_url`.'),
  f('url.port', 'long', 'ecs', 'Explicit port of `incident_url`.'),
  f('url.path', 'string', 'ecs', 'Path of `incident_url`.'),
  f('url.query', 'string', 'ecs', 'Query of `incident_url`.'),
  f('url.fragment', 'string', 'ecs', 'Fragment of `incident_url`.'),
  f('url.extension', 'string', 'ecs', 'File extension of the last path segment of `incident_url`.'),
  f('related.hosts', 'string[]', 'ecs', 'Host names of the embedded events.'),
  f('related.ip', 'string[]', 'ecs', 'IPs of the embedded events.'),
  f('related.user', 'string[]', 'ecs', 'Users of the embedded events.'),
  f('related.hash', 'string[]', 'ecs', 'File hashes of the embedded events.'),
  ...INCIDENT_VENDOR.map(([p, t, d]) => f(INCIDENT_PREFIX + p, t, 'vendor', d)),
  ...INCIDENT_DERIVED.map(([p, t, d]) => f(INCIDENT_PREFIX + p, t, 'derived', d)),
];

/** Vendor fields of an event (ICD schema), copied under `symantec_edr_cloud.event.*`. */
const EVENT_VENDOR: Array<[string, FieldType, string]> = [
  ['type_id', 'long', 'Event type id (e.g. 8031 File Detection).'],
  ['type', 'string', 'Event type name (e.g. sandbox_file_detection).'],
  ['id', 'long', 'Outcome id.'],
  ['uuid', 'string', 'Event unique id "<type_id>:<uuid>".'],
  ['message', 'string', 'Event message.'],
  ['time', 'timestamp', 'Event time.'],
  ['device_time', 'timestamp', 'Time at the device.'],
  ['log_time', 'timestamp', 'Time the event was logged.'],
  ['timezone', 'long', 'Device time zone offset (minutes).'],
  ['severity_id', 'long', 'Severity id (1-6).'],
  ['category_id', 'long', 'Category id (0-8).'],
  ['status_id', 'long', 'Status id (0 Unknown, 1 Success, 2 Failure, 3 In Progress, 4 Partial Success).'],
  ['status_detail', 'string', 'Status detail.'],
  ['reason_id', 'long', 'Reason id (0 unknown, 1 policy, 2 threat).'],
  ['count', 'long', 'Number of aggregated occurrences.'],
  ['user_name', 'string', 'User name.'],
  ['device_uid', 'string', 'Device id.'],
  ['device_name', 'string', 'Device name.'],
  ['device_ip', 'string', 'Device IP.'],
  ['device_mac', 'string', 'Device MAC address.'],
  ['device_domain', 'string', 'Device domain.'],
  ['device_group', 'string', 'Device group.'],
  ['device_os_name', 'string', 'Device OS name.'],
  ['device_os_ver', 'string', 'Device OS version.'],
  ['device_os_type_id', 'long', 'Device OS type id (100 Windows, 200 Linux, 400 Macintosh, ...).'],
  ['device_public_ip', 'string', 'Device public IP.'],
  ['feature_uid', 'string', 'Feature id.'],
  ['feature_name', 'string', 'Feature name.'],
  ['feature_ver', 'string', 'Feature version.'],
  ['product_uid', 'string', 'Product id.'],
  ['product_name', 'string', 'Product name.'],
  ['product_ver', 'string', 'Product version.'],
  ['command_uid', 'string', 'Command id.'],
  ['customer_uid', 'string', 'Customer id.'],
  ['domain_uid', 'string', 'Domain id.'],
  ['ref_uid', 'string', 'Reference id.'],
  ['correlation_uid', 'string', 'Correlation id.'],
  ['version', 'string', 'Event schema version.'],
  ['edr_event_data_type', 'string', 'EDR event data type (e.g. malicious).'],
  ['event_data_type', 'string', 'Event data type (e.g. sep).'],
  ['log_name', 'string', 'Log (index) name.'],
  ['threat.id', 'long', 'Threat id.'],
  ['threat.name', 'string', 'Threat name.'],
  ['threat.provider', 'string', 'Threat provider (e.g. Cynic).'],
  ['threat.type_id', 'long', 'Threat type id (1-6).'],
  ['threat.risk_id', 'long', 'Threat risk id (100 highest ... 500).'],
  ['threat.category_id', 'long', 'Threat category id.'],
  ['file.path', 'string', 'File path.'],
  ['file.name', 'string', 'File name.'],
  ['file.folder', 'string', 'File folder.'],
  ['file.original_name', 'string', 'Original file name.'],
  ['file.normalized_path', 'string', 'Normalized file path.'],
  ['file.sha2', 'string', 'File SHA-256.'],
  ['file.sha1', 'string', 'File SHA-1.'],
  ['file.md5', 'string', 'File MD5.'],
  ['file.size', 'long', 'File size in bytes.'],
  ['file.uid', 'string', 'File id.'],
  ['file.type_id', 'long', 'File type id (1 File, 2 Directory, ...).'],
  ['file.signature_company_name', 'string', 'Signer company.'],
  ['user.name', 'string', 'User name.'],
  ['user.domain', 'string', 'User domain.'],
  ['user.sid', 'string', 'User SID.'],
  ['user.uid', 'string', 'User id.'],
  ['actor.pid', 'long', 'Actor process id.'],
  ['actor.uid', 'string', 'Actor process unique id.'],
  ['actor.cmd_line', 'string', 'Actor process command line.'],
  ['actor.file.path', 'string', 'Actor process file path.'],
  ['actor.file.name', 'string', 'Actor process file name.'],
  ['actor.file.sha2', 'string', 'Actor process file SHA-256.'],
  ['actor.file.md5', 'string', 'Actor process file MD5.'],
  ['actor.user.name', 'string', 'Actor process user name.'],
  ['actor.user.domain', 'string', 'Actor process user domain.'],
  ['attacks.technique_uid', 'string[]', 'MITRE ATT&CK technique ids (from attacks[]).'],
  ['attacks.technique_name', 'string[]', 'MITRE ATT&CK technique names (from attacks[]).'],
  ['attacks.sub_technique_uid', 'string[]', 'MITRE ATT&CK sub-technique ids (from attacks[]).'],
  ['attacks.sub_technique_name', 'string[]', 'MITRE ATT&CK sub-technique names (from attacks[]).'],
  ['attacks.tactic_uids', 'string[]', 'MITRE ATT&CK tactic ids (from attacks[]).'],
  ['edr_enriched_data.rule_name', 'string[]', 'EDR enrichment rule names (from edr_enriched_data[]).'],
  ['edr_enriched_data.rule_description', 'string[]', 'EDR enrichment rule descriptions.'],
];

/** Vendor fields holding arrays of objects; their leaves are collected into arrays. */
export const EVENT_VENDOR_OBJECT_ARRAYS: readonly string[] = ['attacks', 'edr_enriched_data'];

const EVENT_DERIVED: Array<[string, FieldType, string]> = [
  ['severity', 'string', 'Label of severity_id (1 Information ... 6 Fatal).'],
  ['category', 'string', 'Label of category_id (0 Unknown ... 8 Information Protection).'],
  ['outcome', 'string', 'Label of id (outcome table).'],
  ['status', 'string', 'Label of status_id.'],
  ['threat.type', 'string', 'Label of threat.type_id (1 Malware ... 6 Security Risk).'],
  ['incident_uid', 'string', 'The parent incident uid.'],
  ['incident_rule_name', 'string', 'The parent incident rule_name.'],
  ['incident_conclusion', 'string', 'The parent incident conclusion.'],
  ['incident_severity_id', 'long', 'The parent incident severity_id.'],
  ['unmapped', 'string', 'JSON object of event fields not in this catalogue or of an unexpected type.'],
];

export const EVENT_FIELDS: FieldSpec[] = [
  ...COMMON_FIELDS,
  f('event.category', 'string[]', 'ecs', 'By object of the event type (file, process, registry, ...).'),
  f('event.type', 'string[]', 'ecs', '`info`.'),
  f('event.id', 'string', 'ecs', '`uuid`.'),
  f('event.code', 'string', 'ecs', '`type_id`.'),
  f('event.action', 'string', 'ecs', '`type`.'),
  f('event.severity', 'long', 'ecs', '`severity_id`.'),
  f('event.outcome', 'string', 'ecs', '`status_id`: success, failure, unknown.'),
  f('event.reason', 'string', 'ecs', '`status_detail`.'),
  f('event.provider', 'string', 'ecs', '`product_name`.'),
  f('message', 'string', 'ecs', '`message`.'),
  f('host.name', 'string', 'ecs', '`device_name`.'),
  f('host.id', 'string', 'ecs', '`device_uid`.'),
  f('host.ip', 'string[]', 'ecs', '`device_ip` (valid, not 0.0.0.0).'),
  f('host.domain', 'string', 'ecs', '`device_domain`.'),
  f('host.os.name', 'string', 'ecs', '`device_os_name`.'),
  f('user.name', 'string', 'ecs', '`user.name`, else `user_name`.'),
  f('file.path', 'string', 'ecs', '`file.path`.'),
  f('file.name', 'string', 'ecs', '`file.name`.'),
  f('file.hash.sha256', 'string', 'ecs', '`file.sha2`.'),
  f('file.hash.sha1', 'string', 'ecs', '`file.sha1`.'),
  f('file.hash.md5', 'string', 'ecs', '`file.md5`.'),
  f('threat.framework', 'string', 'ecs', '`MITRE ATT&CK` when `attacks[]` is present.'),
  f('threat.technique.id', 'string[]', 'ecs', '`attacks[].technique_uid`.'),
  f('threat.technique.name', 'string[]', 'ecs', '`attacks[].technique_name`.'),
  f('threat.technique.subtechnique.id', 'string[]', 'ecs', '`attacks[].sub_technique_uid`.'),
  f('threat.technique.subtechnique.name', 'string[]', 'ecs', '`attacks[].sub_technique_name`.'),
  f('threat.tactic.id', 'string[]', 'ecs', '`attacks[].tactic_uids`.'),
  f('related.hosts', 'string[]', 'ecs', 'Host name.'),
  f('related.ip', 'string[]', 'ecs', 'Host IP.'),
  f('related.user', 'string[]', 'ecs', 'User name.'),
  f('related.hash', 'string[]', 'ecs', 'File hashes.'),
  ...EVENT_VENDOR.map(([p, t, d]) => f(EVENT_PREFIX + p, t, 'vendor', d)),
  ...EVENT_DERIVED.map(([p, t, d]) => f(EVENT_PREFIX + p, t, 'derived', d)),
];

export const QUARANTINE_FIELDS: FieldSpec[] = [
  ...COMMON_FIELDS,
  f('error.type', 'string', 'ecs', 'invalid_json, not_an_object, missing_field, invalid_field, rejected.'),
  f(
    QUARANTINE_PREFIX + 'source',
    'string',
    'derived',
    'What was quarantined: input, incident, event or telemetry.',
  ),
  f(QUARANTINE_PREFIX + 'incident_uid', 'string', 'derived', 'The parent incident of a quarantined event.'),
  f(QUARANTINE_PREFIX + 'event_index', 'long', 'derived', 'Position of a quarantined event in `events`.'),
  f(
    QUARANTINE_PREFIX + 'origin',
    'string',
    'derived',
    'Where a quarantined telemetry record came from: file key and line, or stream cursor.',
  ),
];

/** Catalogue per short dataset name. */
export const FIELDS_BY_DATASET = {
  incident: INCIDENT_FIELDS,
  event: EVENT_FIELDS,
  quarantine: QUARANTINE_FIELDS,
  telemetry: TELEMETRY_FIELDS,
} as const;

/** Relative vendor path (as in the API record) → type, for the records of one dataset. */
export function vendorSpec(fields: readonly FieldSpec[], prefix: string): Map<string, FieldType> {
  const map = new Map<string, FieldType>();
  for (const spec of fields) {
    if (spec.origin === 'vendor' && spec.path.startsWith(prefix)) {
      map.set(spec.path.slice(prefix.length), spec.type);
    }
  }
  return map;
}
