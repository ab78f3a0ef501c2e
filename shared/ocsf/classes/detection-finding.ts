/**
 * Incident lifecycle record (8075 creation, 8076 update, 8077 closure) → OCSF 1.1.0 Detection Finding
 * (2004), the default class for incidents: Incident Finding (2005) requires an assignee the API does not
 * give. The embedded events become evidences, related events, malware, attacks and observables; the
 * first event's device is `device` (host profile) and every distinct device is a resource.
 */
import { BASE_COLUMNS, baseAttributes, metadataOf, type OcsfClass, unmappedOf } from '../base.ts';
import { type Column, col } from '../columns.ts';
import {
  ACTION,
  ANALYTIC_TYPE_CAPTIONS,
  DETECTION_STATUS,
  FINDING_ACTIVITY_CAPTIONS,
  INCIDENT_ACTIVITY,
  OBSERVABLE_CAPTIONS,
  translate,
} from '../enums.ts';
import {
  ACTOR_COLUMNS,
  ATTACK_COLUMNS,
  actorOf,
  attacksOf,
  compact,
  DEVICE_COLUMNS,
  deviceOf,
  dispositionOf,
  epochMs,
  FILE_COLUMNS,
  fileOf,
  isObj,
  MALWARE_COLUMNS,
  malwareOf,
  type Obj,
  PROCESS_COLUMNS,
  processOf,
  str,
  under,
} from '../objects.ts';
import schema2004 from '../schema/2004.json' with { type: 'json' };
import type { MapResult } from './result.ts';

/** Incident fields without an OCSF 2004 attribute, kept in `unmapped`. */
export const INCIDENT_UNMAPPED = [
  'suspected_breach',
  'priority_id',
  'resolution_id',
  'ref_incident_uid',
  'category_id',
  'domain_uid',
  'type',
] as const;

export const DETECTION_FINDING_COLUMNS: Column[] = [
  ...BASE_COLUMNS,
  col('finding_info.uid', 'string_t', 'incident_uid'),
  col('finding_info.title', 'string_t', 'rule_name (else conclusion)'),
  col('finding_info.desc', 'string_t', 'conclusion'),
  col('finding_info.types[]', 'string_t', 'conclusion, detection_type'),
  col('finding_info.src_url', 'string_t', 'incident_url'),
  col('finding_info.product_uid', 'string_t', 'product_uid'),
  col('finding_info.created_time', 'timestamp_t', 'created'),
  col('finding_info.modified_time', 'timestamp_t', 'modified'),
  col('finding_info.first_seen_time', 'timestamp_t', 'earliest events[].time'),
  col('finding_info.last_seen_time', 'timestamp_t', 'latest events[].time'),
  col('finding_info.analytic.name', 'string_t', 'rule_name'),
  col('finding_info.analytic.type_id', 'integer_t', '1 Rule'),
  col('finding_info.analytic.type', 'string_t', '"Rule"'),
  col('finding_info.analytic.category', 'string_t', 'detection_type'),
  ...under('finding_info.attacks[]', ATTACK_COLUMNS),
  col('finding_info.related_events[].uid', 'string_t', 'events[].uuid'),
  col('finding_info.related_events[].type', 'string_t', 'events[].type'),
  col('finding_info.related_events[].product_uid', 'string_t', 'events[].product_uid'),
  col('remediation.desc', 'string_t', 'remediation'),
  ...under('device', DEVICE_COLUMNS),
  col('resources[].uid', 'string_t', 'events[].device_uid (one resource per distinct device)'),
  col('resources[].name', 'string_t', 'events[].device_name'),
  col('resources[].type', 'string_t', '"Device"'),
  ...under('evidences[].file', FILE_COLUMNS),
  ...under('evidences[].process', PROCESS_COLUMNS),
  ...under('evidences[].actor', ACTOR_COLUMNS),
  col('evidences[].data', 'json_t', 'events[].uuid, type_id, type, message'),
  col('action_id', 'integer_t', 'id through the action table (security_control profile)'),
  col('action', 'string_t', 'caption of action_id'),
  col('disposition_id', 'integer_t', 'id through the disposition table'),
  col('disposition', 'string_t', 'caption of disposition_id'),
  ...under('malware[]', MALWARE_COLUMNS),
  col('observables[].name', 'string_t', 'the attribute the value comes from'),
  col('observables[].type_id', 'integer_t', '1 Hostname, 2 IP Address, 4 User Name, 7 File Name, 8 Hash'),
  col('observables[].type', 'string_t', 'caption of type_id'),
  col('observables[].value', 'string_t', 'the value'),
];

export const DETECTION_FINDING: OcsfClass = {
  uid: 2004,
  schema: schema2004,
  name: 'Detection Finding',
  categoryUid: 2,
  categoryName: 'Findings',
  short: 'finding',
  securityLakeName: 'DETECTION_FINDING',
  activities: FINDING_ACTIVITY_CAPTIONS,
  columns: DETECTION_FINDING_COLUMNS,
};

class Observables {
  readonly list: Obj[] = [];
  private readonly seen = new Set<string>();
  add(name: string, typeId: number, value: string | undefined): void {
    if (value === undefined) return;
    const key = `${name}\n${typeId}\n${value}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ name, type_id: typeId, type: OBSERVABLE_CAPTIONS[typeId], value });
  }
}

/** The activity of an incident record: from type_id, else from event_id (type_id·1000+n or ·10000+n). */
export function incidentActivity(rec: Obj): { id: number; caption: string } {
  let typeId = rec['type_id'];
  if (typeId === undefined) {
    const n = Number(rec['event_id']);
    if (Number.isSafeInteger(n) && n > 0) typeId = Math.floor(n / (n >= 10_000_000 ? 10_000 : 1_000));
  }
  return translate(INCIDENT_ACTIVITY, typeId) ?? { id: 0, caption: 'Unknown' };
}

/**
 * Map one raw incident. `uid` is the ECS incident document id (metadata.uid). Never throws; a record
 * that cannot give the required attributes comes back as `ok: false` with the reason.
 */
export function detectionFinding(rec: Obj, uid: string): MapResult {
  const incidentUid = str(rec['incident_uid']);
  if (incidentUid === undefined) return { ok: false, reason: 'incident_uid is missing' };
  const time = epochMs(rec['time']);
  if (time === undefined) return { ok: false, reason: 'time is missing or not a date' };

  const events = Array.isArray(rec['events']) ? rec['events'].filter(isObj) : [];
  const profiles = new Set<string>();
  const out: Obj = baseAttributes(DETECTION_FINDING, incidentActivity(rec), time, rec['severity_id']);

  const status = translate(DETECTION_STATUS, rec['state_id']);
  if (status) {
    out['status_id'] = status.id;
    out['status'] = status.caption;
  }
  const message = str(rec['message']);
  if (message) out['message'] = message;

  // finding_info
  const ruleName = str(rec['rule_name']);
  const conclusion = str(rec['conclusion']);
  const detectionType = str(rec['detection_type']);
  const eventTimes = events.map((e) => epochMs(e['time'] ?? e['device_time'])).filter((t) => t !== undefined);
  const attacks = events.flatMap((e) => attacksOf(e['attacks']));
  const uniqueAttacks = [...new Map(attacks.map((a) => [JSON.stringify(a), a])).values()];
  const relatedEvents = events
    .map((e) => compact({ uid: str(e['uuid']), type: str(e['type']), product_uid: str(e['product_uid']) }))
    .filter((e) => e['uid'] !== undefined);
  const types = [conclusion, detectionType].filter((t): t is string => t !== undefined);
  out['finding_info'] = compact({
    uid: incidentUid,
    title: ruleName ?? conclusion ?? `Symantec incident ${incidentUid}`,
    desc: conclusion,
    types: types.length > 0 ? types : undefined,
    src_url: str(rec['incident_url']),
    product_uid: str(rec['product_uid']),
    created_time: epochMs(rec['created']),
    modified_time: epochMs(rec['modified']),
    first_seen_time: eventTimes.length > 0 ? Math.min(...eventTimes) : undefined,
    last_seen_time: eventTimes.length > 0 ? Math.max(...eventTimes) : undefined,
    analytic: ruleName
      ? compact({ name: ruleName, type_id: 1, type: ANALYTIC_TYPE_CAPTIONS[1], category: detectionType })
      : undefined,
    attacks: uniqueAttacks.length > 0 ? uniqueAttacks : undefined,
    related_events: relatedEvents.length > 0 ? relatedEvents : undefined,
  });
  const remediation = str(rec['remediation']);
  if (remediation) out['remediation'] = { desc: remediation };

  // Host profile: the first event's device; each distinct device is a resource.
  const observables = new Observables();
  const devices = new Map<string, Obj>();
  for (const e of events) {
    const d = deviceOf(e);
    if (!d) continue;
    const key = String(d['uid'] ?? d['name'] ?? d['ip']);
    if (!devices.has(key)) devices.set(key, d);
  }
  const first = [...devices.values()][0];
  if (first) {
    out['device'] = first;
    profiles.add('host');
    out['resources'] = [...devices.values()].map((d) =>
      compact({ uid: d['uid'] as string | undefined, name: d['name'] as string | undefined, type: 'Device' }),
    );
  }
  for (const d of devices.values()) {
    observables.add('device.hostname', 1, d['hostname'] as string | undefined);
    observables.add('device.ip', 2, d['ip'] as string | undefined);
  }

  // Evidences, one per embedded event.
  const evidences: Obj[] = [];
  const malware: Obj[] = [];
  for (const e of events) {
    const file = fileOf(e['file']);
    const process = processOf(e['process']);
    const actor = actorOf(e);
    evidences.push(
      compact({
        file,
        process,
        actor,
        data: compact({
          uuid: str(e['uuid']),
          type_id: e['type_id'],
          type: str(e['type']),
          message: str(e['message']),
        }),
      }),
    );
    const m = malwareOf(e);
    if (m && !malware.some((x) => JSON.stringify(x) === JSON.stringify(m))) malware.push(m);
    for (const f of [file, process?.['file'] as Obj | undefined]) {
      if (!f) continue;
      observables.add('evidences.file.name', 7, f['name'] as string | undefined);
      for (const h of (f['hashes'] as Obj[] | undefined) ?? [])
        observables.add('evidences.file.hashes.value', 8, h['value'] as string);
    }
    const user = actor?.['user'] as Obj | undefined;
    observables.add('evidences.actor.user.name', 4, user?.['name'] as string | undefined);
  }
  if (evidences.length > 0) out['evidences'] = evidences;

  // Security control profile: the record's disposition (ICD `id`) and the events' malware.
  const disposition = dispositionOf(rec['id']);
  if (disposition || malware.length > 0) {
    profiles.add('security_control');
    const action = translate(ACTION, rec['id']);
    out['action_id'] = action && !action.other ? action.id : 0;
    out['action'] = action && !action.other ? action.caption : 'Unknown';
    if (disposition) {
      out['disposition_id'] = disposition.id;
      out['disposition'] = disposition.caption;
    }
    if (malware.length > 0) out['malware'] = malware;
  }
  if (observables.list.length > 0) out['observables'] = observables.list;

  out['metadata'] = metadataOf({
    uid,
    raw: rec,
    originalTime: rec['time'],
    logName: 'incidents',
    eventCode: rec['event_id'],
    profiles: [...profiles],
    modifiedTime: epochMs(rec['modified']),
  });
  const unmapped = unmappedOf(rec, INCIDENT_UNMAPPED);
  if (unmapped) out['unmapped'] = unmapped;
  return { ok: true, record: out, cls: DETECTION_FINDING };
}

/**
 * A detection event from the event APIs (8027 Process Detection, 8031 Sandbox File Detection, other
 * 80xx detections) → Detection Finding of that one event: finding_info.uid is the event uuid, its
 * `id` is the disposition (security_control), its file/process are the evidence.
 */
export function detectionEventFinding(rec: Obj, uid: string, time: number): MapResult {
  const eventUid = str(rec['uuid']);
  if (eventUid === undefined) return { ok: false, reason: 'detection event without uuid' };
  const threat = isObj(rec['threat']) ? rec['threat'] : {};
  const out: Obj = baseAttributesForEvent(rec, time);
  const attacks = attacksOf(rec['attacks']);
  out['finding_info'] = compact({
    uid: eventUid,
    title: str(threat['name']) ?? str(rec['message']) ?? `Symantec detection ${eventUid}`,
    desc: str(rec['message']),
    types: str(rec['type']) ? [str(rec['type']) as string] : undefined,
    product_uid: str(rec['product_uid']),
    analytic: str(rec['type'])
      ? { name: str(rec['type']), type_id: 1, type: ANALYTIC_TYPE_CAPTIONS[1] }
      : undefined,
    attacks: attacks.length > 0 ? attacks : undefined,
  });
  const profiles = new Set<string>(['security_control']);
  const device = deviceOf(rec);
  if (device) {
    out['device'] = device;
    profiles.add('host');
  }
  const file = fileOf(rec['file']);
  const process = processOf(rec['process']);
  const actor = actorOf(rec);
  out['evidences'] = [
    compact({ file, process, actor, data: compact({ uuid: eventUid, type_id: rec['type_id'] }) }),
  ];
  const action = translate(ACTION, rec['id']);
  out['action_id'] = action && !action.other ? action.id : 0;
  out['action'] = action && !action.other ? action.caption : 'Unknown';
  const disposition = dispositionOf(rec['id']);
  if (disposition) {
    out['disposition_id'] = disposition.id;
    out['disposition'] = disposition.caption;
  }
  const m = malwareOf(rec);
  if (m) out['malware'] = [m];
  out['metadata'] = metadataOf({
    uid,
    raw: rec,
    originalTime: rec['time'],
    eventCode: rec['type_id'],
    profiles: [...profiles],
    loggedTime: epochMs(rec['log_time']),
  });
  const unmapped = unmappedOf(rec, [
    'type_id',
    'category_id',
    'type',
    'event_data_type',
    'edr_event_data_type',
    'command_uid',
  ]);
  if (unmapped) out['unmapped'] = unmapped;
  return { ok: true, record: out, cls: DETECTION_FINDING };
}

/** A detection event is a new finding (activity 1 Create) at the event's severity and status. */
function baseAttributesForEvent(rec: Obj, time: number): Obj {
  const out = baseAttributes(DETECTION_FINDING, { id: 1, caption: 'Create' }, time, rec['severity_id']);
  const message = str(rec['message']);
  if (message) out['message'] = message;
  const detail = str(rec['status_detail']);
  if (detail) out['status_detail'] = detail;
  return out;
}
