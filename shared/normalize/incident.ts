/** The incident document: Elastic's ingest pipeline output, field for field (mapping.md). */
import type { EcsDocument } from '../ports/document.ts';
import { sha256Hex } from './convert.ts';
import { duplicatePlan, INCIDENT_DUPLICATES, withoutDuplicates } from './duplicates.ts';
import {
  conclusionCategorization,
  INCIDENT_CATEGORY,
  INCIDENT_PRIORITY,
  INCIDENT_RESOLUTION,
  INCIDENT_SEVERITY,
  INCIDENT_STATE,
  INCIDENT_TYPE,
  label,
  OUTCOME,
} from './enums.ts';
import { INCIDENT_FIELDS, INCIDENT_PREFIX } from './fields.ts';
import type { Walk } from './input.ts';
import { dataStream, ECS_VERSION, type RunContext } from './options.ts';
import { Specimens } from './shapes.ts';
import { parseUrl } from './url.ts';
import { buildVendorSchema, CopyReport, copyVendor } from './vendor.ts';

const SCHEMA = buildVendorSchema(INCIDENT_FIELDS, INCIDENT_PREFIX);
export const INCIDENT_DATASET = 'symantec_edr_cloud.incident';
// Documents of the shapes seen lately, kept so their hidden classes survive full GCs (shapes.ts).
const specimens = new Specimens();
const TAGS = ['symantec_edr_cloud-incident'];
const DUPLICATES = duplicatePlan(INCIDENT_DUPLICATES);

/** Related values gathered from the incident's event documents. */
export interface Related {
  hosts: string[];
  ip: string[];
  user: string[];
  hash: string[];
}

/**
 * Incident document id: SHA-256 hex of `<incident_uid>\n<time>\n<modified>`, times as ISO UTC
 * (so epoch-number and text forms of the same instant agree), modified '' when absent.
 */
export function incidentDocId(incidentUid: string, timeIso: string, modifiedIso: string | undefined): string {
  return sha256Hex(`${incidentUid}\n${timeIso}\n${modifiedIso ?? ''}`);
}

export interface IncidentResult {
  doc: EcsDocument;
  id: string;
  timestamp: string;
  /** Converted vendor fields (symantec_edr_cloud.incident), for the event documents' links. */
  vendor: Record<string, unknown>;
}

/**
 * Builds the incident document. `incidentUid` and `timeIso` were validated by the caller.
 * `eventCount` is the length of `events` when it is an array.
 */
export function buildIncident(
  rec: Record<string, unknown>,
  incidentUid: string,
  timeIso: string,
  ctx: RunContext,
  original: string | undefined,
  eventCount: number | undefined,
  related: Related | undefined,
  walk: Walk,
): IncidentResult {
  const report = new CopyReport();
  const v = copyVendor(rec, SCHEMA, report, 'events') ?? {};
  // Kept values were not checked: the record may nest deep there (index.ts, normalizeRecord).
  if (report.keepsUnmapped()) walk.shallow = false;
  // The validated forms win (the uid may have been a number).
  v['incident_uid'] = incidentUid;
  v['time'] = timeIso;

  const conclusion = v['conclusion'] as string | undefined;
  const severityId = v['severity_id'] as number | undefined;
  const created = v['created'] as string | undefined;
  const url = v['incident_url'] as string | undefined;

  // Labels (Elastic's lookups; ids outside a table give "Unknown (N)").
  if (severityId !== undefined) v['severity'] = label(INCIDENT_SEVERITY, severityId);
  const priorityId = v['priority_id'] as string | undefined;
  if (priorityId !== undefined) v['priority'] = label(INCIDENT_PRIORITY, priorityId);
  const stateId = v['state_id'] as string | undefined;
  if (stateId !== undefined) v['state'] = label(INCIDENT_STATE, stateId);
  const resolutionId = v['resolution_id'] as string | undefined;
  if (resolutionId !== undefined) v['resolution'] = label(INCIDENT_RESOLUTION, resolutionId);
  const categoryId = v['category_id'] as string | undefined;
  v['category'] = categoryId === undefined ? 'Security' : label(INCIDENT_CATEGORY, categoryId);
  const outcomeId = v['id'] as string | undefined;
  if (outcomeId !== undefined) v['outcome'] = label(OUTCOME, outcomeId);
  const eventName = recordEventName(
    v['type_id'] as string | undefined,
    outcomeId,
    v['event_id'] as string | undefined,
  );
  if (eventName !== undefined) v['event'] = eventName;
  if (eventCount !== undefined) v['event_count'] = eventCount;

  const event: EcsDocument = { kind: 'alert' };
  if (conclusion !== undefined) {
    const cat = conclusionCategorization(conclusion);
    if (cat.category.length > 0) event['category'] = cat.category;
    if (cat.type.length > 0) event['type'] = cat.type;
  }
  if (created !== undefined) event['created'] = created;
  event['dataset'] = INCIDENT_DATASET;
  event['id'] = incidentUid;
  event['ingested'] = ctx.ingested;
  if (original !== undefined) event['original'] = original;
  if (v['product_name'] !== undefined) event['provider'] = v['product_name'];
  if (conclusion !== undefined) event['reason'] = conclusion;
  if (severityId !== undefined) event['severity'] = severityId;
  if (url !== undefined) event['url'] = url;

  const doc: EcsDocument = {
    '@timestamp': timeIso,
    ecs: { version: ECS_VERSION },
    data_stream: dataStream(ctx, INCIDENT_DATASET),
    event,
  };
  if (v['message'] !== undefined) doc['message'] = v['message'];
  if (v['rule_name'] !== undefined) doc['rule'] = { name: v['rule_name'] };
  if (url !== undefined) {
    const parts = parseUrl(url);
    if (parts) doc['url'] = parts;
    else report.error(`${INCIDENT_PREFIX}incident_url: not a valid URL; url.* not set`);
  }
  if (related) {
    const r: EcsDocument = {};
    if (related.hosts.length > 0) r['hosts'] = related.hosts;
    if (related.ip.length > 0) r['ip'] = related.ip;
    if (related.user.length > 0) r['user'] = related.user;
    if (related.hash.length > 0) r['hash'] = related.hash;
    if (related.hosts.length + related.ip.length + related.user.length + related.hash.length > 0) {
      doc['related'] = r;
    }
  }
  doc['tags'] = TAGS.slice();
  const unmapped = report.unmappedJson();
  if (unmapped !== undefined) v['unmapped'] = unmapped;
  if (report.errors) {
    // As Elastic: a document with a conversion problem is flagged, but still produced.
    doc['error'] = { message: report.errors.join('; ') };
    event['kind'] = 'pipeline_error';
  }
  const id = incidentDocId(incidentUid, timeIso, v['modified'] as string | undefined);
  const vendor = ctx.preserveDuplicates ? v : withoutDuplicates(v, doc, DUPLICATES);
  doc['symantec_edr_cloud'] = { doc_id: id, incident: vendor };
  specimens.keep(doc);
  return { doc, id, timestamp: timeIso, vendor };
}

/**
 * "<type name>: <outcome>" from type_id and id; when absent they are read from event_id, which
 * comes as type_id·1000+id (8075004) or type_id·10000+id (80750004).
 */
export function recordEventName(
  typeId: string | undefined,
  outcomeId: string | undefined,
  eventId: string | undefined,
): string | undefined {
  let t = typeId;
  let o = outcomeId;
  if ((t === undefined || o === undefined) && eventId !== undefined) {
    const n = Number(eventId);
    if (Number.isSafeInteger(n) && n > 0) {
      const base = n >= 10_000_000 ? 10_000 : 1_000;
      t ??= String(Math.floor(n / base));
      o ??= String(n % base);
    }
  }
  if (t === undefined) return undefined;
  const name = label(INCIDENT_TYPE, t);
  return o === undefined ? name : `${name}: ${label(OUTCOME, o)}`;
}
