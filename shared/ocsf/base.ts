/**
 * What every OCSF record of the connector shares: the class description, the base-event attributes
 * (class, category, activity, type_uid = class_uid × 100 + activity_id, time, severity, status), and
 * `metadata` (product, version 1.1.0, uid = the stable id of the ECS document of the same record).
 */
import { type Column, col } from './columns.ts';
import { type Captions, SEVERITY, type Translated, translate } from './enums.ts';
import type { JsonSchema } from './json-schema.ts';
import { compact, type Obj, str } from './objects.ts';

export const OCSF_VERSION = '1.1.0';
export const VENDOR_NAME = 'Symantec';
export const DEFAULT_PRODUCT = 'Symantec Endpoint Security';

/** One OCSF class the connector emits. */
export interface OcsfClass {
  readonly uid: number;
  /** The class's OCSF 1.1.0 JSON Schema, `$defs` apart (schema/defs.json holds them once for all). */
  readonly schema: JsonSchema;
  readonly name: string;
  readonly categoryUid: number;
  readonly categoryName: string;
  /** Suffix of the Security Lake custom source name (`<prefix>-<short>`, ≤ 20 characters in all). */
  readonly short: string;
  /** Name in CreateCustomLogSource `eventClasses` (pattern ^[A-Z_0-9]*$). */
  readonly securityLakeName: string;
  /** Activity captions of the class (OCSF 1.1.0). */
  readonly activities: Captions;
  /** Every attribute the class's records may carry. */
  readonly columns: readonly Column[];
}

/** The `type_uid` rule of OCSF: class_uid × 100 + activity_id. */
export function typeUid(classUid: number, activityId: number): number {
  return classUid * 100 + activityId;
}

export const METADATA_COLUMNS: Column[] = [
  col('metadata.version', 'string_t', '"1.1.0"'),
  col('metadata.uid', 'string_t', 'the ECS document id (symantec_edr_cloud.doc_id) of the same record'),
  col('metadata.product.vendor_name', 'string_t', '"Symantec"'),
  col('metadata.product.name', 'string_t', 'product_name (else "Symantec Endpoint Security")'),
  col('metadata.product.uid', 'string_t', 'product_uid'),
  col('metadata.product.version', 'string_t', 'product_ver'),
  col('metadata.product.feature.name', 'string_t', 'feature_name'),
  col('metadata.product.feature.uid', 'string_t', 'feature_uid'),
  col('metadata.product.feature.version', 'string_t', 'feature_ver'),
  col('metadata.original_time', 'string_t', 'the record time as received'),
  col('metadata.logged_time', 'timestamp_t', 'log_time'),
  col('metadata.modified_time', 'timestamp_t', 'modified'),
  col('metadata.log_name', 'string_t', 'log_name (events); "incidents" (incidents)'),
  col('metadata.log_provider', 'string_t', '"Symantec Endpoint Security"'),
  col('metadata.log_version', 'string_t', 'version'),
  col('metadata.tenant_uid', 'string_t', 'customer_uid'),
  col('metadata.event_code', 'string_t', 'event_id (incidents), type_id (events)'),
  col('metadata.correlation_uid', 'string_t', 'incident_uid'),
  col('metadata.profiles[]', 'string_t', 'the OCSF profiles whose attributes the record carries'),
  col('metadata.extensions[].name', 'string_t', '"win" for the registry classes'),
  col('metadata.extensions[].uid', 'string_t', '"2" for the registry classes'),
  col('metadata.extensions[].version', 'string_t', '"1.1.0" for the registry classes'),
];

export const BASE_COLUMNS: Column[] = [
  col('class_uid', 'integer_t', 'the class'),
  col('class_name', 'string_t', 'the class caption'),
  col('category_uid', 'integer_t', 'the category of the class'),
  col('category_name', 'string_t', 'the category caption'),
  col('activity_id', 'integer_t', 'per class (see the activity table)'),
  col('activity_name', 'string_t', 'caption of activity_id (the Symantec caption for 99 Other)'),
  col('type_uid', 'long_t', 'class_uid × 100 + activity_id'),
  col('type_name', 'string_t', '"<class>: <activity>"'),
  col('time', 'timestamp_t', 'time (epoch ms; ISO text converted)'),
  col('severity_id', 'integer_t', 'severity_id through the severity table (0 Unknown when absent)'),
  col('severity', 'string_t', 'caption of severity_id'),
  col('status_id', 'integer_t', 'per class (see the status tables)'),
  col('status', 'string_t', 'caption of status_id (the Symantec caption for 99 Other)'),
  col('status_detail', 'string_t', 'status_detail'),
  col('message', 'string_t', 'message'),
  col('timezone_offset', 'integer_t', 'timezone (minutes)'),
  ...METADATA_COLUMNS,
  col('unmapped', 'json_t', 'Symantec fields with no OCSF attribute (as a JSON text in Parquet)'),
];

/** The base attributes of a record of `cls`. `activity` is the translated activity. */
export function baseAttributes(
  cls: OcsfClass,
  activity: Translated | { id: number; caption: string },
  time: number,
  rawSeverity: unknown,
): Obj {
  const sev = translate(SEVERITY, rawSeverity);
  const activityCaption = cls.activities[activity.id] ?? activity.caption;
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: activity.id,
    activity_name: activity.id === 99 ? activity.caption : activityCaption,
    type_uid: typeUid(cls.uid, activity.id),
    type_name: `${cls.name}: ${activity.id === 99 ? 'Other' : activityCaption}`,
    time,
    severity_id: sev?.id ?? 0,
    severity: sev?.caption ?? 'Unknown',
  };
}

export interface MetadataInput {
  uid: string;
  raw: Obj;
  originalTime: unknown;
  logName?: string;
  eventCode?: unknown;
  correlationUid?: string;
  profiles: string[];
  modifiedTime?: number;
  loggedTime?: number;
  extensions?: Obj[];
}

export function metadataOf(m: MetadataInput): Obj {
  const raw = m.raw;
  const feature = compact({
    name: str(raw['feature_name']),
    uid: str(raw['feature_uid']),
    version: str(raw['feature_ver']),
  });
  const product = compact({
    vendor_name: VENDOR_NAME,
    // OCSF needs a product name or uid: the API's product when it says, else the product family.
    name: str(raw['product_name']) ?? DEFAULT_PRODUCT,
    uid: str(raw['product_uid']),
    version: str(raw['product_ver']),
    feature: Object.keys(feature).length > 0 ? feature : undefined,
  });
  return compact({
    version: OCSF_VERSION,
    uid: m.uid,
    product,
    original_time: m.originalTime === undefined ? undefined : String(m.originalTime),
    logged_time: m.loggedTime,
    modified_time: m.modifiedTime,
    log_name: m.logName ?? str(raw['log_name']),
    log_provider: 'Symantec Endpoint Security',
    log_version: str(raw['version']),
    tenant_uid: str(raw['customer_uid']),
    event_code: str(m.eventCode),
    correlation_uid: m.correlationUid,
    profiles: m.profiles.length > 0 ? [...m.profiles].sort() : undefined,
    extensions: m.extensions,
  });
}

/** `unmapped` from the listed source fields that are present, or undefined when none is. */
export function unmappedOf(raw: Obj, fields: readonly string[], extra: Obj = {}): Obj | undefined {
  const out: Obj = {};
  for (const f of fields) if (raw[f] !== undefined && raw[f] !== null && raw[f] !== '') out[f] = raw[f];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
