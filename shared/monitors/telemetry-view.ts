/**
 * Telemetry documents (dataset `telemetry`, Elastic's `symantec_endpoint_security.event` shape) seen
 * as the event view the file rules read (suspicious path, Cynic, malicious file, sandbox). Read from
 * the ECS fields first and the `ses.*` copies second, so both output shapes (with or without
 * preserveDuplicateCustomFields) give the same view.
 */
import type { OutputDocument } from '../ports/document.ts';
import type { EventView } from './views.ts';

type Obj = Record<string, unknown>;

function get(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Obj)[k];
  }
  return v;
}
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

export function telemetryEventView(d: OutputDocument): EventView | undefined {
  if (d.dataset !== 'telemetry') return undefined;
  const doc = d.doc;
  const ses = (doc['ses'] ?? {}) as Obj;
  const time = Date.parse(String(doc['@timestamp'] ?? d.timestamp));
  if (!Number.isFinite(time)) return undefined;
  const typeId = num(ses['type_id']);
  const ips: string[] = [];
  const hostIps = get(doc, 'host.ip');
  for (const ip of [
    ...(Array.isArray(hostIps) ? hostIps : [hostIps]),
    ses['device_ip'],
    // source.ip is the device's address except on connection events (there it is the connection's source).
    typeId === 8007 || typeId === 8040 ? undefined : get(doc, 'source.ip'),
    ses['device_public_ip'],
  ]) {
    const s = str(ip);
    if (s !== undefined && !ips.includes(s)) ips.push(s);
  }
  return {
    docId: d.id,
    eventId: str(get(doc, 'event.id')) ?? str(ses['uuid']),
    incidentUid: str(ses['incident_uid']),
    time,
    typeId,
    type: str(ses['type']),
    severityId: num(get(doc, 'event.severity')) ?? num(ses['severity_id']),
    deviceId: str(first(get(doc, 'device.id'))) ?? str(ses['device_uid']),
    deviceName: str(get(doc, 'host.hostname')) ?? str(get(doc, 'host.name')) ?? str(ses['device_name']),
    ips,
    userName: str(get(doc, 'user.name')) ?? str(get(ses, 'user.name')) ?? str(ses['user_name']),
    filePath: str(get(doc, 'file.path')) ?? str(get(ses, 'file.path')),
    fileName: str(get(doc, 'file.name')) ?? str(get(ses, 'file.name')),
    sha256:
      str(get(doc, 'file.hash.sha256')) ?? str(get(ses, 'file.sha2')) ?? str(get(doc, 'process.hash.sha256')),
    actorPath: str(get(ses, 'actor.file.path')) ?? str(get(doc, 'process.parent.executable')),
    actorSha256: str(get(ses, 'actor.file.sha2')),
    threatProvider: str(get(ses, 'threat.provider')),
    threatName: str(get(ses, 'threat.name')),
    threatRiskId: num(get(ses, 'threat.risk_id')),
    edrDataType: str(ses['edr_event_data_type']),
    statusDetail: str(ses['status_detail']) ?? str(get(doc, 'event.reason')),
    message: str(doc['message']),
    namespace: str(get(doc, 'data_stream.namespace')),
  };
}
