/**
 * Flat views of the normalized documents (mapping.md) that the rules read. Ids may arrive as numbers or
 * strings (the incident document keeps most ids as strings), so every id is read as a number.
 */
import type { OutputDocument } from '../ports/document.ts';

type Obj = Record<string, unknown>;

/** Each path's keys, split once (the views read a fixed set of paths, for every document). */
const PATHS = new Map<string, string[]>();

function get(doc: unknown, path: string): unknown {
  let keys = PATHS.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    PATHS.set(path, keys);
  }
  let cur: unknown = doc;
  for (const key of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function ms(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

export interface IncidentView {
  docId: string;
  incidentUid: string;
  /** Time of this lifecycle record (epoch ms). */
  time: number;
  created: number | undefined;
  severityId: number | undefined;
  priorityId: number | undefined;
  stateId: number | undefined;
  severity: string | undefined;
  priority: string | undefined;
  state: string | undefined;
  url: string | undefined;
  ruleName: string | undefined;
  conclusion: string | undefined;
  message: string | undefined;
  namespace: string | undefined;
}

export interface EventView {
  docId: string;
  /** Event `uuid` (`event.id`). */
  eventId: string | undefined;
  incidentUid: string | undefined;
  time: number;
  typeId: number | undefined;
  type: string | undefined;
  severityId: number | undefined;
  deviceId: string | undefined;
  deviceName: string | undefined;
  /** Every device IP the event names: `device_ip` and `device_public_ip`, deduplicated. */
  ips: string[];
  userName: string | undefined;
  filePath: string | undefined;
  fileName: string | undefined;
  sha256: string | undefined;
  actorPath: string | undefined;
  actorSha256: string | undefined;
  threatProvider: string | undefined;
  threatName: string | undefined;
  threatRiskId: number | undefined;
  edrDataType: string | undefined;
  statusDetail: string | undefined;
  message: string | undefined;
  namespace: string | undefined;
}

export function isIncidentDoc(d: OutputDocument): boolean {
  return d.dataset === 'incident';
}

export function incidentView(d: OutputDocument): IncidentView | undefined {
  if (d.dataset !== 'incident') return undefined;
  const doc = d.doc;
  const v = (get(doc, 'symantec_edr_cloud.incident') ?? {}) as Obj;
  const incidentUid = str(v['incident_uid']) ?? str(get(doc, 'event.id'));
  const time = ms(v['time']) ?? ms(doc['@timestamp']) ?? ms(d.timestamp);
  if (incidentUid === undefined || time === undefined) return undefined;
  return {
    docId: d.id,
    incidentUid,
    time,
    created: ms(v['created']) ?? ms(get(doc, 'event.created')),
    severityId: num(v['severity_id']) ?? num(get(doc, 'event.severity')),
    priorityId: num(v['priority_id']),
    stateId: num(v['state_id']),
    severity: str(v['severity']),
    priority: str(v['priority']),
    state: str(v['state']),
    url: str(v['incident_url']) ?? str(get(doc, 'event.url')) ?? str(get(doc, 'url.original')),
    ruleName: str(v['rule_name']) ?? str(get(doc, 'rule.name')),
    conclusion: str(v['conclusion']) ?? str(get(doc, 'event.reason')),
    message: str(doc['message']),
    namespace: str(get(doc, 'data_stream.namespace')),
  };
}

export function eventView(d: OutputDocument): EventView | undefined {
  if (d.dataset !== 'event') return undefined;
  const doc = d.doc;
  const v = (get(doc, 'symantec_edr_cloud.event') ?? {}) as Obj;
  const time = ms(doc['@timestamp']) ?? ms(d.timestamp);
  if (time === undefined) return undefined;
  const ips: string[] = [];
  const hostIps = get(doc, 'host.ip');
  for (const ip of [
    ...(Array.isArray(hostIps) ? hostIps : [hostIps]),
    v['device_ip'],
    v['device_public_ip'],
  ]) {
    const s = str(ip);
    if (s !== undefined && !ips.includes(s)) ips.push(s);
  }
  return {
    docId: d.id,
    eventId: str(get(doc, 'event.id')) ?? str(v['uuid']),
    incidentUid: str(v['incident_uid']),
    time,
    typeId: num(v['type_id']) ?? num(get(doc, 'event.code')),
    type: str(v['type']) ?? str(get(doc, 'event.action')),
    severityId: num(v['severity_id']) ?? num(get(doc, 'event.severity')),
    deviceId: str(get(doc, 'host.id')) ?? str(v['device_uid']),
    deviceName: str(get(doc, 'host.name')) ?? str(v['device_name']),
    ips,
    userName: str(get(doc, 'user.name')) ?? str(get(v, 'user.name')) ?? str(v['user_name']),
    filePath: str(get(doc, 'file.path')) ?? str(get(v, 'file.path')),
    fileName: str(get(doc, 'file.name')) ?? str(get(v, 'file.name')),
    sha256: str(get(doc, 'file.hash.sha256')) ?? str(get(v, 'file.sha2')),
    actorPath: str(get(v, 'actor.file.path')),
    actorSha256: str(get(v, 'actor.file.sha2')),
    threatProvider: str(get(v, 'threat.provider')),
    threatName: str(get(v, 'threat.name')),
    threatRiskId: num(get(v, 'threat.risk_id')),
    edrDataType: str(v['edr_event_data_type']),
    statusDetail: str(v['status_detail']) ?? str(get(doc, 'event.reason')),
    message: str(doc['message']),
    namespace: str(get(doc, 'data_stream.namespace')),
  };
}

/** The key a device is counted under: its id, else its name (lower case), else undefined. */
export function deviceKey(e: Pick<EventView, 'deviceId' | 'deviceName'>): string | undefined {
  if (e.deviceId !== undefined) return `id:${e.deviceId}`;
  if (e.deviceName !== undefined) return `name:${e.deviceName.toLowerCase()}`;
  return undefined;
}
