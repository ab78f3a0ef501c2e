import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeIncident } from '../../../shared/normalize/index.ts';
import { FIXED_OPTIONS, FIXTURES, flatten, PRESERVE_OPTIONS, readJson } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const URL_UPDATE =
  'https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/afb07d00-89dd-4813-8e1e-3ed5fa83444d/details';
const URL_SANDBOX =
  'https://sep.securitycloud.symantec.com/v2/incidents/incidentListing/6af35ed1-ee4a-463a-a40d-dde000dead84/details';
const SHA2 = '39fff7c11c59ce946cfec471d99baaa832266a07ab6f30cd123e385ca9436efa';

describe('Module: normalize (real samples from the seeds)', () => {
  it('maps the INCIDENT_UPDATE record with the 8-digit event_id 80760004 field by field', () => {
    // Prepare
    const raw = readJson<Record<string, unknown>>(join(FIXTURES, 'sumo-incident-update.json'));
    // Act
    const docs = normalizeIncident(raw, PRESERVE_OPTIONS);
    // Assess
    expect(docs.map((d) => d.dataset)).toEqual(['incident']);
    const doc = docs[0]!;
    const id = sha256(
      'afb07d00-89dd-4813-8e1e-3ed5fa83444d\n2023-04-26T23:38:48.634Z\n2023-04-26T23:38:48.634Z',
    );
    expect(doc.id).toBe(id);
    expect(doc.timestamp).toBe('2023-04-26T23:38:48.634Z');
    const flat = Object.fromEntries(flatten(doc.doc));
    expect(flat).toEqual({
      '@timestamp': '2023-04-26T23:38:48.634Z',
      'ecs.version': '8.11.0',
      'data_stream.type': 'logs',
      'data_stream.dataset': 'symantec_edr_cloud.incident',
      'data_stream.namespace': 'default',
      'event.kind': 'alert',
      'event.category': ['malware'],
      'event.type': ['info'],
      'event.created': '2023-04-26T15:44:19.345Z',
      'event.dataset': 'symantec_edr_cloud.incident',
      'event.id': 'afb07d00-89dd-4813-8e1e-3ed5fa83444d',
      'event.ingested': '2024-05-01T00:00:00.000Z',
      'event.provider': 'Symantec Integrated Cyber Defense Manager',
      'event.reason': 'Suspicious Activity',
      'event.severity': 4,
      'event.url': URL_UPDATE,
      message: 'OS Credential Dumping',
      'rule.name': 'Advanced Attack Technique',
      'url.original': URL_UPDATE,
      'url.scheme': 'https',
      'url.domain': 'sep.securitycloud.symantec.com',
      'url.path': '/v2/incidents/incidentListing/afb07d00-89dd-4813-8e1e-3ed5fa83444d/details',
      tags: ['symantec_edr_cloud-incident'],
      'symantec_edr_cloud.doc_id': id,
      'symantec_edr_cloud.incident.customer_uid': 'TEST-JvOsaJktSS-eyL-dXhxOvA',
      'symantec_edr_cloud.incident.incident_uid': 'afb07d00-89dd-4813-8e1e-3ed5fa83444d',
      'symantec_edr_cloud.incident.type': 'INCIDENT_UPDATE',
      'symantec_edr_cloud.incident.conclusion': 'Suspicious Activity',
      'symantec_edr_cloud.incident.remediation': raw['remediation'],
      'symantec_edr_cloud.incident.priority_id': '4',
      'symantec_edr_cloud.incident.priority': 'Critical',
      'symantec_edr_cloud.incident.category_id': '1',
      'symantec_edr_cloud.incident.category': 'Security',
      'symantec_edr_cloud.incident.modified': '2023-04-26T23:38:48.634Z',
      'symantec_edr_cloud.incident.state_id': '1',
      'symantec_edr_cloud.incident.state': 'New',
      'symantec_edr_cloud.incident.id': '4',
      'symantec_edr_cloud.incident.outcome': 'Logged',
      'symantec_edr_cloud.incident.product_uid': '31B0C880-0229-49E8-94C5-48D56B1BD7B9',
      'symantec_edr_cloud.incident.device_time': '2023-04-26T23:38:48.634Z',
      'symantec_edr_cloud.incident.ref_incident_uid': '102106',
      'symantec_edr_cloud.incident.rule_name': 'Advanced Attack Technique',
      'symantec_edr_cloud.incident.created': '2023-04-26T15:44:19.345Z',
      'symantec_edr_cloud.incident.type_id': '8076',
      'symantec_edr_cloud.incident.incident_url': URL_UPDATE,
      'symantec_edr_cloud.incident.message': 'OS Credential Dumping',
      'symantec_edr_cloud.incident.version': '1.0',
      'symantec_edr_cloud.incident.product_name': 'Symantec Integrated Cyber Defense Manager',
      'symantec_edr_cloud.incident.event_id': '80760004',
      'symantec_edr_cloud.incident.event': 'Incident Update: Logged',
      'symantec_edr_cloud.incident.domain_uid': 'TEST-ZBg_IqnyTAijNjP2BOOcuw',
      'symantec_edr_cloud.incident.detection_type': 'Advanced Analytics',
      'symantec_edr_cloud.incident.severity_id': 4,
      'symantec_edr_cloud.incident.severity': 'Major',
      'symantec_edr_cloud.incident.time': '2023-04-26T23:38:48.634Z',
      'symantec_edr_cloud.incident.suspected_breach': true,
    });
  });

  it('splits the incident with an embedded sandbox_file_detection event into an incident and an event document', () => {
    // Prepare
    const raw = readJson<Record<string, unknown>>(join(FIXTURES, 'sumo-incident-with-sandbox-event.json'));
    // Act
    const docs = normalizeIncident(raw, PRESERVE_OPTIONS);
    // Assess
    expect(docs.map((d) => d.dataset)).toEqual(['incident', 'event']);
    const incident = flatten(docs[0]!.doc);
    expect(incident.get('symantec_edr_cloud.incident.event')).toBe('Incident Creation: Logged');
    expect(incident.get('symantec_edr_cloud.incident.event_id')).toBe('80750004');
    expect(incident.get('symantec_edr_cloud.incident.suspected_breach')).toBe(false);
    expect(incident.get('symantec_edr_cloud.incident.severity')).toBe('Critical');
    expect(incident.get('symantec_edr_cloud.incident.event_count')).toBe(1);
    expect(incident.get('event.category')).toEqual(['malware']);
    expect(incident.get('url.original')).toBe(URL_SANDBOX);
    expect(incident.get('related.hosts')).toEqual(['Victim-1']);
    expect(incident.get('related.ip')).toEqual(['172.28.53.29']);
    expect(incident.get('related.user')).toEqual(['SYSTEM']);
    expect(incident.get('related.hash')).toEqual([SHA2]);
    expect([...incident.keys()].some((k) => k.includes('events'))).toBe(false);

    const event = docs[1]!;
    const eventId = sha256('6af35ed1-ee4a-463a-a40d-dde000dead84\n8031:77c48db0-e475-11ed-d50e-0000633d5a56');
    expect(event.id).toBe(eventId);
    expect(event.timestamp).toBe('2023-04-26T21:01:09.003Z');
    const e = 'symantec_edr_cloud.event.';
    expect(Object.fromEntries(flatten(event.doc))).toEqual({
      '@timestamp': '2023-04-26T21:01:09.003Z',
      'ecs.version': '8.11.0',
      'data_stream.type': 'logs',
      'data_stream.dataset': 'symantec_edr_cloud.event',
      'data_stream.namespace': 'default',
      'event.kind': 'alert',
      'event.category': ['file', 'malware'],
      'event.type': ['info'],
      'event.code': '8031',
      'event.action': 'sandbox_file_detection',
      'event.dataset': 'symantec_edr_cloud.event',
      'event.id': '8031:77c48db0-e475-11ed-d50e-0000633d5a56',
      'event.ingested': '2024-05-01T00:00:00.000Z',
      'event.outcome': 'success',
      'event.provider': 'Symantec Endpoint Detection and Response',
      'event.reason': 'File is malicious',
      'event.severity': 5,
      message: "Sandbox result for the 'Chrome.exe' file is malicious.",
      'host.domain': 'evilcorp.com',
      'host.id': 'KLXOjk4ET-CeJZBA3iipkw',
      'host.ip': ['172.28.53.29'],
      'host.name': 'Victim-1',
      'host.os.name': 'Windows 10 Professional Edition',
      'user.name': 'SYSTEM',
      'file.hash.sha256': SHA2,
      'file.name': 'Chrome.exe',
      'file.path': 'C:\\Users\\edradmin\\Desktop\\Chrome.exe',
      'related.hash': [SHA2],
      'related.hosts': ['Victim-1'],
      'related.ip': ['172.28.53.29'],
      'related.user': ['SYSTEM'],
      tags: ['symantec_edr_cloud-event'],
      'symantec_edr_cloud.doc_id': eventId,
      [`${e}type_id`]: 8031,
      [`${e}type`]: 'sandbox_file_detection',
      [`${e}id`]: 14,
      [`${e}outcome`]: 'Detected',
      [`${e}message`]: "Sandbox result for the 'Chrome.exe' file is malicious.",
      [`${e}user_name`]: 'SYSTEM',
      [`${e}device_uid`]: 'KLXOjk4ET-CeJZBA3iipkw',
      [`${e}device_name`]: 'Victim-1',
      [`${e}device_time`]: '2023-04-26T21:01:09.003Z',
      [`${e}severity_id`]: 5,
      [`${e}severity`]: 'Critical',
      [`${e}category_id`]: 1,
      [`${e}category`]: 'Security',
      [`${e}feature_uid`]: '3F3DC574-02A7-11E9-8EB2-F2801F1B9FD1',
      [`${e}product_uid`]: 'E3A8F790-52A2-4BE3-87D7-93698CDDD021',
      [`${e}status_detail`]: 'File is malicious',
      [`${e}command_uid`]: '365f1e54-8cb6-4d6c-9478-078e456709e3',
      [`${e}status_id`]: 1,
      [`${e}status`]: 'Success',
      [`${e}device_ip`]: '172.28.53.29',
      [`${e}device_os_name`]: 'Windows 10 Professional Edition',
      [`${e}device_domain`]: 'evilcorp.com',
      [`${e}product_ver`]: '14.3.9513.7000',
      [`${e}customer_uid`]: 'TEST-JvOsaJktSS-eyL-dXhxOvA',
      [`${e}domain_uid`]: 'TEST-ZBg_IqnyTAijNjP2BOOcuw',
      [`${e}ref_uid`]: '2e080e9a-791f-33fd-90b7-de575f267025',
      [`${e}threat.provider`]: 'Cynic',
      [`${e}threat.type_id`]: 5,
      [`${e}threat.type`]: 'Heuristic',
      [`${e}threat.name`]: 'Threat Detected By Cynic',
      [`${e}threat.risk_id`]: 100,
      [`${e}threat.id`]: 0,
      [`${e}file.path`]: 'C:\\Users\\edradmin\\Desktop\\Chrome.exe',
      [`${e}file.name`]: 'Chrome.exe',
      [`${e}file.sha2`]: SHA2,
      [`${e}version`]: '1.0',
      [`${e}product_name`]: 'Symantec Endpoint Detection and Response',
      [`${e}feature_name`]: 'Endpoint Detection and Response',
      [`${e}feature_ver`]: '1.0',
      [`${e}edr_event_data_type`]: 'malicious',
      [`${e}event_data_type`]: 'sep',
      [`${e}user.name`]: 'SYSTEM',
      [`${e}time`]: '2023-04-26T21:01:09.003Z',
      [`${e}timezone`]: 0,
      [`${e}log_time`]: '2023-04-26T21:01:11.285Z',
      [`${e}uuid`]: '8031:77c48db0-e475-11ed-d50e-0000633d5a56',
      [`${e}log_name`]: 'event_service_6_t2_2023-04-26',
      [`${e}incident_uid`]: '6af35ed1-ee4a-463a-a40d-dde000dead84',
      [`${e}incident_rule_name`]: 'Critical Cynic Detections',
      [`${e}incident_conclusion`]: 'Malicious File',
      [`${e}incident_severity_id`]: 5,
    });
  });

  it('gives the 7-digit and the 8-digit event_id forms the same record name', () => {
    const base = { incident_uid: 'u-1', time: 1682542873426, type_id: 8077, id: 0 };
    const seven = normalizeIncident({ ...base, event_id: 8077000 }, FIXED_OPTIONS)[0]!;
    const eight = normalizeIncident({ ...base, event_id: 80770000 }, FIXED_OPTIONS)[0]!;
    const name = (d: typeof seven) => flatten(d.doc).get('symantec_edr_cloud.incident.event');
    expect(name(seven)).toBe('Incident Closure: Unknown');
    expect(name(eight)).toBe('Incident Closure: Unknown');
    const fromEventIdOnly = normalizeIncident(
      { incident_uid: 'u', time: 1, event_id: 80780004 },
      FIXED_OPTIONS,
    )[0]!;
    expect(name(fromEventIdOnly)).toBe('Incident Associate: Logged');
  });
});
