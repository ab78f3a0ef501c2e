/** Event documents: one per item of an incident's `events` (mapping.md, "Event document"). */
import { isIP } from 'node:net';
import type { EcsDocument, SeenDocuments } from '../ports/document.ts';
import { canonicalJson, convert, isPlainObject, jsonOf, sha256Hex, toKeyword } from './convert.ts';
import { duplicatePlan, EVENT_DUPLICATES, withoutDuplicates } from './duplicates.ts';
import {
  EVENT_CATEGORY,
  EVENT_SEVERITY,
  EVENT_STATUS,
  eventObjectCategory,
  isDetection,
  label,
  OUTCOME,
  THREAT_TYPE,
} from './enums.ts';
import { EVENT_FIELDS, EVENT_PREFIX, EVENT_VENDOR_OBJECT_ARRAYS } from './fields.ts';
import type { Related } from './incident.ts';
import { MAX_RECORD_DEPTH, nestsDeeperThan, type Walk } from './input.ts';
import { dataStream, ECS_VERSION, type RunContext } from './options.ts';
import { Specimens } from './shapes.ts';
import { buildVendorSchema, CopyReport, copyVendor } from './vendor.ts';

const SCHEMA = buildVendorSchema(EVENT_FIELDS, EVENT_PREFIX, EVENT_VENDOR_OBJECT_ARRAYS);
export const EVENT_DATASET = 'symantec_edr_cloud.event';
// Documents of the shapes seen lately, kept so their hidden classes survive full GCs (shapes.ts).
const specimens = new Specimens();
const TAGS = ['symantec_edr_cloud-event'];
const DUPLICATES = duplicatePlan(EVENT_DUPLICATES);

/**
 * Event document id: SHA-256 hex of `<incident_uid>\n<uuid>` (an event can belong to several
 * incidents). Without a uuid: `<incident_uid>\n#<canonical JSON of the event>` (keys sorted at
 * every level), so the id is still stable and independent of key order.
 */
export function eventDocId(incidentUid: string, uuid: string | undefined, raw: unknown): string {
  return sha256Hex(uuid !== undefined ? `${incidentUid}\n${uuid}` : `${incidentUid}\n#${canonicalJson(raw)}`);
}

/** The parent incident's values copied onto each event. */
export interface IncidentLink {
  incidentUid: string;
  ruleName: string | undefined;
  conclusion: string | undefined;
  severityId: number | undefined;
}

export type EventResult =
  | { ok: true; doc: EcsDocument; id: string; timestamp: string }
  | { ok: false; reason: string; errorType: 'missing_field' | 'invalid_field' };

function push(list: string[], value: unknown): void {
  if (typeof value === 'string' && value !== '' && !list.includes(value)) list.push(value);
}

function validIp(ip: unknown): ip is string {
  return typeof ip === 'string' && ip !== '0.0.0.0' && ip !== '::' && isIP(ip) !== 0;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== undefined ? (v as Obj) : undefined);

/**
 * An event whose document the caller already delivered (`seen`), skipped without building it: the
 * de-duplication window would drop that document, and an incident's later versions repeat its
 * earlier events (here about half of all events). What the event gives its incident is still
 * given: its values in the incident's `related` fields, in the same order as buildEvent adds them.
 * Only events whose document is certain are skipped: a uuid (else the id hashes the whole event), a
 * valid time (else it is quarantined, under another id), nesting that cannot trip the record's
 * depth guard. `toKeyword` and `convert` are the conversions the copy of those catalogued fields
 * applies (a test holds the two paths to the same documents). Returns SKIPPED, or else the event's
 * document id when it has a uuid, for buildEvent.
 */
export function skipSeenEvent(
  rec: Obj,
  incidentUid: string,
  related: Related,
  seen: SeenDocuments,
): string | typeof SKIPPED | undefined {
  const uuid = toKeyword(rec['uuid']);
  if (uuid === undefined) return undefined;
  const id = eventDocId(incidentUid, uuid, rec);
  // Depth relative to the incident: the record is level 1, `events` 2, the event 3.
  if (!seen.has(id) || !hasTime(rec) || nestsDeeperThan(rec, MAX_RECORD_DEPTH - 2)) return id;
  const ip = toKeyword(rec['device_ip']);
  const host = toKeyword(rec['device_name']);
  if (host !== undefined) push(related.hosts, host);
  if (validIp(ip)) push(related.ip, ip);
  const user = plain(rec['user']);
  const userName = toKeyword(user?.['name']) ?? toKeyword(rec['user_name']);
  if (userName !== undefined) push(related.user, userName);
  const file = plain(rec['file']);
  if (file) {
    push(related.hash, toKeyword(file['md5']));
    push(related.hash, toKeyword(file['sha1']));
    push(related.hash, toKeyword(file['sha2']));
  }
  seen.skipped(id);
  return SKIPPED;
}

export const SKIPPED: unique symbol = Symbol('skipped');
const plain = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);

/** Whether the event's copy would have a time (`time`, else `device_time`, else `log_time`). */
function hasTime(rec: Obj): boolean {
  return isTimestamp(rec['time']) || isTimestamp(rec['device_time']) || isTimestamp(rec['log_time']);
}
const isTimestamp = (v: unknown): boolean => typeof convert(v, 'timestamp') === 'string';

/** `knownId`: the event's document id when skipSeenEvent computed it already. */
export function buildEvent(
  rec: Obj,
  index: number,
  link: IncidentLink,
  ctx: RunContext,
  related: Related,
  walk: Walk,
  knownId?: string,
): EventResult {
  const report = new CopyReport();
  const v = copyVendor(rec, SCHEMA, report) ?? {};
  // Kept values were not checked: the record may nest deep there (index.ts, normalizeRecord).
  if (report.keepsUnmapped()) walk.shallow = false;
  const timestamp = (v['time'] ?? v['device_time'] ?? v['log_time']) as string | undefined;
  if (timestamp === undefined) {
    const present = rec['time'] ?? rec['device_time'] ?? rec['log_time'];
    return present === undefined || present === null || present === ''
      ? {
          ok: false,
          reason: `events[${index}].time is missing (and device_time, log_time)`,
          errorType: 'missing_field',
        }
      : {
          ok: false,
          reason: `events[${index}].time is not a valid date (nor device_time, log_time)`,
          errorType: 'invalid_field',
        };
  }

  const typeId = v['type_id'] as number | undefined;
  const severityId = v['severity_id'] as number | undefined;
  const statusId = v['status_id'] as number | undefined;
  const uuid = v['uuid'] as string | undefined;
  const file = obj(v['file']);
  const threat = obj(v['threat']);
  const user = obj(v['user']);
  const attacks = obj(v['attacks']);

  // Labels beside the ids.
  if (severityId !== undefined) v['severity'] = label(EVENT_SEVERITY, severityId);
  if (v['category_id'] !== undefined) v['category'] = label(EVENT_CATEGORY, v['category_id'] as number);
  if (v['id'] !== undefined) v['outcome'] = label(OUTCOME, v['id'] as number);
  if (statusId !== undefined) v['status'] = label(EVENT_STATUS, statusId);
  if (threat?.['type_id'] !== undefined) threat['type'] = label(THREAT_TYPE, threat['type_id'] as number);
  // Link to the incident so event queries need no join.
  v['incident_uid'] = link.incidentUid;
  if (link.ruleName !== undefined) v['incident_rule_name'] = link.ruleName;
  if (link.conclusion !== undefined) v['incident_conclusion'] = link.conclusion;
  if (link.severityId !== undefined) v['incident_severity_id'] = link.severityId;

  const detection = typeId !== undefined && isDetection(typeId);
  const category = [typeId !== undefined ? eventObjectCategory(typeId) : 'host'];
  if (detection) category.push('malware');
  const event: EcsDocument = { kind: detection ? 'alert' : 'event', category, type: ['info'] };
  if (typeId !== undefined) event['code'] = String(typeId);
  if (v['type'] !== undefined) event['action'] = v['type'];
  event['dataset'] = EVENT_DATASET;
  if (uuid !== undefined) event['id'] = uuid;
  event['ingested'] = ctx.ingested;
  event['outcome'] = statusId === 1 ? 'success' : statusId === 2 ? 'failure' : 'unknown';
  if (v['product_name'] !== undefined) event['provider'] = v['product_name'];
  if (v['status_detail'] !== undefined) event['reason'] = v['status_detail'];
  if (severityId !== undefined) event['severity'] = severityId;
  if (ctx.keepOriginal) event['original'] = jsonOf(rec);

  const doc: EcsDocument = {
    '@timestamp': timestamp,
    ecs: { version: ECS_VERSION },
    data_stream: dataStream(ctx, EVENT_DATASET),
    event,
  };
  if (v['message'] !== undefined) doc['message'] = v['message'];

  const rHosts: string[] = [];
  const rIp: string[] = [];
  const rUser: string[] = [];
  const rHash: string[] = [];

  const host: EcsDocument = {};
  if (v['device_domain'] !== undefined) host['domain'] = v['device_domain'];
  if (v['device_uid'] !== undefined) host['id'] = v['device_uid'];
  if (validIp(v['device_ip'])) {
    host['ip'] = [v['device_ip']];
    push(rIp, v['device_ip']);
  }
  if (v['device_name'] !== undefined) {
    host['name'] = v['device_name'];
    push(rHosts, v['device_name']);
  }
  if (v['device_os_name'] !== undefined) host['os'] = { name: v['device_os_name'] };
  for (const _ in host) {
    doc['host'] = host;
    break;
  }

  const userName = user?.['name'] ?? v['user_name'];
  if (userName !== undefined) {
    doc['user'] = { name: userName };
    push(rUser, userName);
  }

  if (file) {
    const f: EcsDocument = {};
    const hash: EcsDocument = {};
    if (file['md5'] !== undefined) {
      hash['md5'] = file['md5'];
      push(rHash, file['md5']);
    }
    if (file['sha1'] !== undefined) {
      hash['sha1'] = file['sha1'];
      push(rHash, file['sha1']);
    }
    if (file['sha2'] !== undefined) {
      hash['sha256'] = file['sha2'];
      push(rHash, file['sha2']);
    }
    for (const _ in hash) {
      f['hash'] = hash;
      break;
    }
    if (file['name'] !== undefined) f['name'] = file['name'];
    if (file['path'] !== undefined) f['path'] = file['path'];
    for (const _ in f) {
      doc['file'] = f;
      break;
    }
  }

  if (attacks) {
    const t: EcsDocument = {};
    const technique: EcsDocument = {};
    if (attacks['technique_uid']) technique['id'] = attacks['technique_uid'];
    if (attacks['technique_name']) technique['name'] = attacks['technique_name'];
    const sub: EcsDocument = {};
    if (attacks['sub_technique_uid']) sub['id'] = attacks['sub_technique_uid'];
    if (attacks['sub_technique_name']) sub['name'] = attacks['sub_technique_name'];
    for (const _ in sub) {
      technique['subtechnique'] = sub;
      break;
    }
    const tactics = attacks['tactic_uids'] as string[] | undefined;
    const tacticIds: string[] = [];
    if (tactics) for (const x of tactics) push(tacticIds, x);
    for (const _ in technique) {
      t['technique'] = technique;
      break;
    }
    if (tacticIds.length > 0) t['tactic'] = { id: tacticIds };
    for (const _ in t) {
      doc['threat'] = { framework: 'MITRE ATT&CK', ...t };
      break;
    }
  }

  if (rHosts.length + rIp.length + rUser.length + rHash.length > 0) {
    const r: EcsDocument = {};
    if (rHash.length > 0) r['hash'] = rHash;
    if (rHosts.length > 0) r['hosts'] = rHosts;
    if (rIp.length > 0) r['ip'] = rIp;
    if (rUser.length > 0) r['user'] = rUser;
    doc['related'] = r;
    for (const x of rHosts) push(related.hosts, x);
    for (const x of rIp) push(related.ip, x);
    for (const x of rUser) push(related.user, x);
    for (const x of rHash) push(related.hash, x);
  }

  doc['tags'] = TAGS.slice();
  const unmapped = report.unmappedJson();
  if (unmapped !== undefined) v['unmapped'] = unmapped;
  if (report.errors) {
    doc['error'] = { message: report.errors.join('; ') };
    event['kind'] = 'pipeline_error';
  }
  const id = knownId ?? eventDocId(link.incidentUid, uuid, rec);
  const vendor = ctx.preserveDuplicates ? v : withoutDuplicates(v, doc, DUPLICATES);
  doc['symantec_edr_cloud'] = { doc_id: id, event: vendor };
  specimens.keep(doc);
  return { ok: true, doc, id, timestamp };
}
