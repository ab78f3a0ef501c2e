/**
 * Incident and event documents built by hand after mapping.md, so the rules are tested independently
 * of the normalizer (the end-to-end test runs the real one).
 */
import type { OutputDocument } from '../../../shared/ports/document.ts';

export const T0 = Date.parse('2024-05-01T00:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString();
const url = (uid: string) =>
  `https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/${uid}/details`;

export interface IncidentSpec {
  uid: string;
  time?: number;
  created?: number;
  severityId?: number;
  priorityId?: number;
  stateId?: number;
  message?: string;
  url?: string | null;
}

export function incidentDoc(s: IncidentSpec): OutputDocument {
  const time = s.time ?? T0;
  const created = s.created ?? time;
  const v: Record<string, unknown> = {
    incident_uid: s.uid,
    time: iso(time),
    created: iso(created),
    modified: iso(time),
    rule_name: 'Advanced Attack Technique',
    conclusion: 'Suspicious Activity',
    type: 'INCIDENT_CREATION',
    type_id: '8075',
  };
  if (s.severityId !== undefined) v['severity_id'] = s.severityId;
  if (s.priorityId !== undefined) v['priority_id'] = String(s.priorityId);
  if (s.stateId !== undefined) v['state_id'] = String(s.stateId);
  if (s.url !== null) v['incident_url'] = s.url ?? url(s.uid);
  const id = `inc-${s.uid}-${time}`;
  const doc: Record<string, unknown> = {
    '@timestamp': iso(time),
    ecs: { version: '8.11.0' },
    data_stream: { type: 'logs', dataset: 'symantec_edr_cloud.incident', namespace: 'default' },
    event: {
      kind: 'alert',
      dataset: 'symantec_edr_cloud.incident',
      id: s.uid,
      created: iso(created),
      ...(s.severityId !== undefined ? { severity: s.severityId } : {}),
      ...(s.url !== null ? { url: s.url ?? url(s.uid) } : {}),
    },
    message: s.message ?? `Incident ${s.uid}`,
    rule: { name: 'Advanced Attack Technique' },
    symantec_edr_cloud: { doc_id: id, incident: v },
  };
  return { id, dataset: 'incident', timestamp: iso(time), doc };
}

export interface EventSpec {
  incident: string;
  uuid: string;
  time?: number;
  typeId?: number;
  type?: string;
  severityId?: number;
  deviceUid?: string;
  deviceName?: string;
  ip?: string;
  publicIp?: string;
  user?: string;
  file?: { path?: string; name?: string; sha2?: string };
  actorPath?: string;
  threat?: { provider?: string; risk_id?: number; name?: string };
  edrDataType?: string;
  statusDetail?: string;
  message?: string;
}

export function eventDoc(s: EventSpec): OutputDocument {
  const time = s.time ?? T0;
  const v: Record<string, unknown> = { uuid: s.uuid, incident_uid: s.incident, time: iso(time) };
  if (s.typeId !== undefined) v['type_id'] = s.typeId;
  if (s.type !== undefined) v['type'] = s.type;
  if (s.severityId !== undefined) v['severity_id'] = s.severityId;
  if (s.deviceUid !== undefined) v['device_uid'] = s.deviceUid;
  if (s.deviceName !== undefined) v['device_name'] = s.deviceName;
  if (s.ip !== undefined) v['device_ip'] = s.ip;
  if (s.publicIp !== undefined) v['device_public_ip'] = s.publicIp;
  if (s.file) v['file'] = { ...s.file };
  if (s.actorPath) v['actor'] = { file: { path: s.actorPath } };
  if (s.threat) v['threat'] = { ...s.threat };
  if (s.edrDataType !== undefined) v['edr_event_data_type'] = s.edrDataType;
  if (s.statusDetail !== undefined) v['status_detail'] = s.statusDetail;
  if (s.user !== undefined) v['user_name'] = s.user;
  const doc: Record<string, unknown> = {
    '@timestamp': iso(time),
    ecs: { version: '8.11.0' },
    data_stream: { type: 'logs', dataset: 'symantec_edr_cloud.event', namespace: 'default' },
    event: {
      kind: 'alert',
      dataset: 'symantec_edr_cloud.event',
      id: s.uuid,
      ...(s.typeId !== undefined ? { code: String(s.typeId) } : {}),
      ...(s.type !== undefined ? { action: s.type } : {}),
      ...(s.severityId !== undefined ? { severity: s.severityId } : {}),
    },
    symantec_edr_cloud: { doc_id: `ev-${s.incident}-${s.uuid}`, event: v },
  };
  if (s.message !== undefined) doc['message'] = s.message;
  const host: Record<string, unknown> = {};
  if (s.deviceUid !== undefined) host['id'] = s.deviceUid;
  if (s.deviceName !== undefined) host['name'] = s.deviceName;
  if (s.ip !== undefined) host['ip'] = [s.ip];
  if (Object.keys(host).length > 0) doc['host'] = host;
  if (s.user !== undefined) doc['user'] = { name: s.user };
  if (s.file) {
    const f: Record<string, unknown> = {};
    if (s.file.path) f['path'] = s.file.path;
    if (s.file.name) f['name'] = s.file.name;
    if (s.file.sha2) f['hash'] = { sha256: s.file.sha2 };
    doc['file'] = f;
  }
  return { id: `ev-${s.incident}-${s.uuid}`, dataset: 'event', timestamp: iso(time), doc };
}

/** Only rule `only` enabled, the others off, so a test sees exactly one rule's alerts. */
export function onlyRule(only: string, settings: Record<string, unknown> = {}): Record<string, unknown> {
  const ids = [
    'embargoedDevice',
    'suspiciousPathExecution',
    'highPriorityOrSeverityIncident',
    'cynicHighRiskThreat',
    'highSeverityMaliciousFile',
    'embargoedLocation',
    'sandboxMaliciousFile',
    'impactedDevicesSpike',
    'unresolvedIncidentAging',
  ];
  const rules: Record<string, unknown> = {};
  for (const id of ids) rules[id] = id === only ? { enabled: true, ...settings } : { enabled: false };
  return { rules };
}
